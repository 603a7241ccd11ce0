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
    const length = file.readUInt32LE(pos + 16)
    const end = pos + RECORD_HEADER + length
    if (end > file.length) throw new Error(`record at ${pos} runs past the end of the file`)
    out.push({ start: pos, end, type: file[pos + 4], dir: file[pos + 6], connId: file.readUInt32LE(pos + 8), seq: file.readUInt32LE(pos + 12), length })
    pos = end
  }
  return out
}
