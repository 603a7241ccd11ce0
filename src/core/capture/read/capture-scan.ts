// Rebuilds the index of a capture file by walking its record headers: for a file whose
// writer died before storing its index, or one still being written. Data payloads are
// skipped, not read (unless they carry a CRC to check), so a large capture opens quickly.
// The walk stops at the first incomplete or damaged record: everything before it is kept,
// and where and why it stopped is reported.

import { pread } from './capture-reader'
import { FILE_HEADER_SIZE, RECORD_HEADER_SIZE, RecordType, payloadCrcOk, readRecordHeader } from '../format/capture-format'

const WINDOW = 1024 * 1024
/** An O_DIRECT writer pads its last block with zeros; a file killed then ends in at most this many. */
const MAX_ZERO_TAIL = 8 * 1024

/** Records whose payload is not JSON. */
const BINARY = new Set<number>([RecordType.Data, RecordType.Index, RecordType.Trailer])

export interface ScanResult {
  /** Offset just past the last complete record. */
  end: number
  /** Where the file stops making sense, if it does before `size`. */
  cutAt?: number
  /**
   * `incomplete`: the file ends inside a record (the writer stopped mid-write);
   * `damaged`: a record there is corrupt, and what follows it cannot be read.
   */
  cutKind?: 'incomplete' | 'damaged'
}

/** What a walk feeds each record to (CaptureIndex.add); `info` is a non-data record's JSON payload. */
export interface ScannedRecords {
  add(type: RecordType, dirCode: number, connId: number, recordOffset: number, length: number, time: number, info: Record<string, unknown> | undefined): void
}

/** `signal` stops a long walk between windows (it throws the signal's reason). */
export async function scanCapture(fd: number, size: number, index: ScannedRecords, signal?: AbortSignal): Promise<ScanResult> {
  let win: Buffer = Buffer.alloc(0)
  let winStart = 0
  const view = async (at: number, n: number): Promise<Buffer> => {
    if (at < winStart || at + n > winStart + win.length) {
      signal?.throwIfAborted()
      win = await pread(fd, Math.max(n, Math.min(WINDOW, size - at)), at)
      winStart = at
    }
    return win.subarray(at - winStart, at - winStart + n)
  }
  const stop = async (pos: number, lastRecordTorn: boolean): Promise<ScanResult> => {
    if (lastRecordTorn || pos + RECORD_HEADER_SIZE > size) return { end: pos, cutAt: pos, cutKind: 'incomplete' }
    if (size - pos <= MAX_ZERO_TAIL && (await pread(fd, size - pos, pos)).every((b) => b === 0)) return { end: pos, cutAt: pos, cutKind: 'incomplete' }
    return { end: pos, cutAt: pos, cutKind: 'damaged' }
  }

  let pos = FILE_HEADER_SIZE
  while (pos < size) {
    if (pos + RECORD_HEADER_SIZE > size) return stop(pos, true)
    const h = readRecordHeader(await view(pos, RECORD_HEADER_SIZE), 0)
    if (!h) return stop(pos, false)
    const next = pos + RECORD_HEADER_SIZE + h.length
    if (next > size) return stop(pos, true)
    let info: Record<string, unknown> | undefined
    if (!BINARY.has(h.type) || h.flags !== 0) {
      const payload = await view(pos + RECORD_HEADER_SIZE, h.length)
      // A bad payload in the last record is a torn write; anywhere else it is damage.
      if (!payloadCrcOk(h, payload)) return stop(pos, next === size)
      if (!BINARY.has(h.type) && h.length > 0) {
        try {
          info = JSON.parse(payload.toString('utf8'))
        } catch {
          return stop(pos, next === size)
        }
      }
    }
    index.add(h.type, h.dir, h.connId, pos, h.length, h.time, info)
    pos = next
  }
  return { end: pos }
}
