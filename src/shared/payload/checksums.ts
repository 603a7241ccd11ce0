// Checksums appended to a payload, as serial and industrial protocols expect them.

export type ChecksumKind = 'none' | 'sum8' | 'xor8' | 'crc16-modbus' | 'crc32'
export const CHECKSUM_KINDS: readonly ChecksumKind[] = ['none', 'sum8', 'xor8', 'crc16-modbus', 'crc32']

export function sum8(data: Uint8Array): number {
  let s = 0
  for (let i = 0; i < data.length; i++) s = (s + data[i]) & 0xff
  return s
}

export function xor8(data: Uint8Array): number {
  let x = 0
  for (let i = 0; i < data.length; i++) x ^= data[i]
  return x
}

/** CRC-16/MODBUS: poly 0x8005 reflected (0xA001), init 0xFFFF. */
export function crc16Modbus(data: Uint8Array): number {
  let crc = 0xffff
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i]
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
  }
  return crc
}

/** CRC-32 tables for "slicing by 4": T[k][n] is the CRC of byte n followed by k zero bytes. */
const [T0, T1, T2, T3] = (() => {
  const t = [0, 1, 2, 3].map(() => new Int32Array(256))
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[0][n] = c
  }
  for (let k = 1; k < 4; k++) for (let n = 0; n < 256; n++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff]
  return t
})()

/**
 * CRC-32 (IEEE 802.3, as zlib and Ethernet) of data[start, end), four bytes a step: every
 * capture record header is checked with it, so it is on the recording hot path.
 */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  let c = -1
  let i = start
  for (; i + 4 <= end; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
    c = T3[c & 0xff] ^ T2[(c >>> 8) & 0xff] ^ T1[(c >>> 16) & 0xff] ^ T0[c >>> 24]
  }
  for (; i < end; i++) c = T0[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return (c ^ -1) >>> 0
}

/**
 * The bytes to append: sum8/xor8 one byte; CRC-16/MODBUS low byte first, as Modbus RTU
 * sends it; CRC-32 most significant byte first (network order).
 */
export function checksumBytes(kind: ChecksumKind, data: Uint8Array): Uint8Array {
  switch (kind) {
    case 'none':
      return new Uint8Array(0)
    case 'sum8':
      return Uint8Array.of(sum8(data))
    case 'xor8':
      return Uint8Array.of(xor8(data))
    case 'crc16-modbus': {
      const c = crc16Modbus(data)
      return Uint8Array.of(c & 0xff, c >>> 8)
    }
    case 'crc32': {
      const c = crc32(data)
      return Uint8Array.of(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff)
    }
  }
}
