// An independent reading of a capture file's framing (docs/capture-format.md): a 16-byte
// file header, then records of a 40-byte header (payload length at +16) and a payload.
// Tests use it to know what a prefix of a file must hold without trusting the scanner.

export const FILE_HEADER = 16
export const RECORD_HEADER = 40
export const TYPE = { Open: 3, Data: 7, Close: 11, Index: 14, Trailer: 15 } as const
export const DIR = { client: 1, server: 2 } as const

export interface RawRecord {
  start: number
  end: number
  type: number
  dir: number
  connId: number
  seq: number
  length: number
}

/** The file without the index stored at its end: what a writer that died just before closing leaves. */
export function withoutStoredIndex(file: Buffer): Buffer {
  const first = walkRecords(file).find((r) => r.type === TYPE.Index)
  return first === undefined ? file : file.subarray(0, first.start)
}

export function walkRecords(file: Buffer): RawRecord[] {
  const out: RawRecord[] = []
  let pos = FILE_HEADER
  while (pos < file.length) {
    const r = recordAt(file, pos)
    if (r.end > file.length) throw new Error(`record at ${pos} runs past the end of the file`)
    out.push(r)
    pos = r.end
  }
  return out
}

/**
 * Where the whole records of a file whose writer was killed end: before a torn last record,
 * or before the zeros an O_DIRECT writer pads its last block with (no record header is zero).
 */
export function wholeRecordsEnd(file: Buffer): number {
  let pos = FILE_HEADER
  while (pos + RECORD_HEADER <= file.length && !file.subarray(pos, pos + RECORD_HEADER).every((b) => b === 0)) {
    const { end } = recordAt(file, pos)
    if (end > file.length) break
    pos = end
  }
  return pos
}

function recordAt(file: Buffer, pos: number): RawRecord {
  const length = file.readUInt32LE(pos + 16)
  return { start: pos, end: pos + RECORD_HEADER + length, type: file[pos + 4], dir: file[pos + 6], connId: file.readUInt32LE(pos + 8), seq: file.readUInt32LE(pos + 12), length }
}
