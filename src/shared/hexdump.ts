// xxd-style hex dump lines (`00000010: 2a31 0d0a ...  *1..`), built from lookup tables so
// dumping megabytes stays cheap. Shared by the CLI's export and the UI's hex view.

/** Two lower-case hex digits of each byte value. */
export const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
/** Each byte as one character of xxd's text column: printable ASCII as is, the rest `.`. */
export const PRINTABLE = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'))

/** One xxd line for `bytes` (at most `width`, default 16) that start at stream offset `offset`. */
export function hexLine(bytes: Uint8Array, offset: number, width = 16): string {
  let hex = ''
  let text = ''
  for (let i = 0; i < width; i++) {
    if (i < bytes.length) {
      hex += HEX[bytes[i]]
      text += PRINTABLE[bytes[i]]
    } else hex += '  '
    if (i % 2 === 1) hex += ' '
  }
  return `${offset.toString(16).padStart(8, '0')}: ${hex} ${text}`
}

/** Hex dump of a buffer whose first byte is at stream offset `offset`. */
export function hexDump(bytes: Uint8Array, offset = 0, width = 16): string[] {
  const lines: string[] = []
  for (let i = 0; i < bytes.length; i += width) lines.push(hexLine(bytes.subarray(i, i + width), offset + i, width))
  return lines
}

/** Bytes as a one-line, quoted-string-like preview: printable ASCII as is, the rest escaped. */
export function escapePreview(bytes: Uint8Array, max = 48): string {
  let out = ''
  for (let i = 0; i < bytes.length && out.length < max; i++) {
    const b = bytes[i]
    if (b === 0x0d) out += '\\r'
    else if (b === 0x0a) out += '\\n'
    else if (b === 0x09) out += '\\t'
    else if (b === 0x5c) out += '\\\\'
    else if (b === 0x22) out += '\\"'
    else if (b >= 0x20 && b < 0x7f) out += PRINTABLE[b]
    else out += '\\x' + HEX[b]
  }
  return out
}

export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]]
  return s
}
