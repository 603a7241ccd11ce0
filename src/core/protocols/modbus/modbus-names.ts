// Modbus's names (MODBUS Application Protocol Specification V1.1b3, Messaging on TCP/IP
// V1.0b): function codes, exception codes, Diagnostics sub-functions and the objects of Read
// Device Identification, as the specification names them.

export const FUNCTIONS: Record<number, string> = {
  1: 'Read Coils',
  2: 'Read Discrete Inputs',
  3: 'Read Holding Registers',
  4: 'Read Input Registers',
  5: 'Write Single Coil',
  6: 'Write Single Register',
  7: 'Read Exception Status',
  8: 'Diagnostics',
  11: 'Get Comm Event Counter',
  12: 'Get Comm Event Log',
  15: 'Write Multiple Coils',
  16: 'Write Multiple Registers',
  17: 'Report Server ID',
  20: 'Read File Record',
  21: 'Write File Record',
  22: 'Mask Write Register',
  23: 'Read/Write Multiple Registers',
  24: 'Read FIFO Queue',
  43: 'Encapsulated Interface Transport'
}

/** A function by name; 43 by its MEI type (14 is Read Device Identification). */
export function functionName(fn: number, mei?: number): string {
  if (fn === 43 && mei === 14) return 'Read Device Identification'
  if (fn === 43 && mei === 13) return 'CANopen General Reference'
  return FUNCTIONS[fn] ?? `Function ${fn}`
}

export const EXCEPTIONS: Record<number, string> = {
  1: 'ILLEGAL FUNCTION',
  2: 'ILLEGAL DATA ADDRESS',
  3: 'ILLEGAL DATA VALUE',
  4: 'SERVER DEVICE FAILURE',
  5: 'ACKNOWLEDGE',
  6: 'SERVER DEVICE BUSY',
  8: 'MEMORY PARITY ERROR',
  10: 'GATEWAY PATH UNAVAILABLE',
  11: 'GATEWAY TARGET DEVICE FAILED TO RESPOND'
}

export const exceptionName = (code: number): string => EXCEPTIONS[code] ?? `exception code ${code}`

export const DIAGNOSTICS: Record<number, string> = {
  0: 'Return Query Data',
  1: 'Restart Communications Option',
  2: 'Return Diagnostic Register',
  3: 'Change ASCII Input Delimiter',
  4: 'Force Listen Only Mode',
  10: 'Clear Counters and Diagnostic Register',
  11: 'Return Bus Message Count',
  12: 'Return Bus Communication Error Count',
  13: 'Return Bus Exception Error Count',
  14: 'Return Server Message Count',
  15: 'Return Server No Response Count',
  16: 'Return Server NAK Count',
  17: 'Return Server Busy Count',
  18: 'Return Bus Character Overrun Count',
  20: 'Clear Overrun Counter and Flag'
}

export const DEVICE_OBJECTS: Record<number, string> = {
  0: 'VendorName',
  1: 'ProductCode',
  2: 'MajorMinorRevision',
  3: 'VendorUrl',
  4: 'ProductName',
  5: 'ModelName',
  6: 'UserApplicationName'
}

export const DEVICE_ID_CODES: Record<number, string> = { 1: 'basic', 2: 'regular', 3: 'extended', 4: 'one object' }
