// A record header read back is what was written, whatever its numbers; one cut short, with a
// bit flipped or of a kind the format lacks is refused (undefined), never a throw.
import { describe, expect, it } from 'vitest'
import { DIR_CLIENT, DIR_SERVER, MAX_PAYLOAD, RECORD_HEADER_SIZE, RecordType, readRecordHeader, writeRecordHeader } from '../../../../src/core/capture/format/capture-format'

function written(at: number, fields: { type: RecordType; dir: typeof DIR_CLIENT | typeof DIR_SERVER; connId: number; seq: number; length: number; time: number; mono: number; crc?: number }): Buffer {
  // In a larger buffer at an odd offset, as a span read from a file is.
  const slab = Buffer.alloc(at + RECORD_HEADER_SIZE + 3)
  const b = slab.subarray(1)
  writeRecordHeader(b, new DataView(b.buffer, b.byteOffset, b.length), at, fields.type, fields.dir, fields.connId, fields.seq, fields.length, fields.time, fields.mono, fields.crc)
  return b
}

describe('record headers', () => {
  it('read back as written, the largest numbers included', () => {
    for (const f of [
      { type: RecordType.Data, dir: DIR_SERVER, connId: 0xffffffff, seq: 0x80000000, length: MAX_PAYLOAD, time: 1764000000123.5, mono: 12.25, crc: 0xfedcba98 },
      { type: RecordType.Data, dir: DIR_CLIENT, connId: 1, seq: 0, length: 0, time: 0, mono: 0 },
      { type: RecordType.Fin, dir: DIR_CLIENT, connId: 0x01020304, seq: 0x7fffffff, length: 5, time: -1, mono: 1e300 }
    ] as const) {
      const b = written(7, f)
      expect(readRecordHeader(b, 7)).toEqual({ type: f.type, flags: 'crc' in f ? 1 : 0, dir: f.dir, connId: f.connId, seq: f.seq, length: f.length, payloadCrc: 'crc' in f ? f.crc : 0, time: f.time, mono: f.mono })
    }
  })

  it('cut short, damaged or unknown, read as none', () => {
    const b = written(0, { type: RecordType.Data, dir: DIR_SERVER, connId: 9, seq: 1, length: 10, time: 1, mono: 1 })
    expect(readRecordHeader(b, 0)).toBeDefined()
    expect(readRecordHeader(b.subarray(0, RECORD_HEADER_SIZE - 1), 0)).toBeUndefined()
    expect(readRecordHeader(b, b.length - RECORD_HEADER_SIZE + 1)).toBeUndefined()
    expect(readRecordHeader(b, -1)).toBeUndefined()
    for (let bit = 0; bit < RECORD_HEADER_SIZE * 8; bit++) {
      const flipped = Buffer.from(b)
      flipped[bit >> 3] ^= 1 << (bit & 7)
      expect(readRecordHeader(flipped, 0)).toBeUndefined()
    }
    const unknown = written(0, { type: 250 as RecordType, dir: DIR_CLIENT, connId: 1, seq: 0, length: 0, time: 0, mono: 0 })
    expect(readRecordHeader(unknown, 0)).toBeUndefined()
  })
})
