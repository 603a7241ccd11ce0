// Rebuilds the index of an existing capture file by walking its record headers. Data
// payloads are skipped, not read (unless they carry a CRC to check), so a large capture
// opens quickly. The walk stops at the first incomplete or damaged record: everything
// before it is kept, and the cut is reported.

import type { CaptureIndex } from './capture-index'
import { pread } from './capture-reader'
import { FILE_HEADER_SIZE, RECORD_HEADER_SIZE, RecordType, payloadCrcOk, readRecordHeader } from './format'

const WINDOW = 1024 * 1024

export interface ScanResult {
  /** Offset just past the last complete record. */
  end: number
  /** Where the file stops making sense, if it does before its end. */
  cutAt?: number
}

export async function scanCapture(fd: number, size: number, index: CaptureIndex): Promise<ScanResult> {
  let win: Buffer = Buffer.alloc(0)
  let winStart = 0
  const view = async (at: number, n: number): Promise<Buffer> => {
    if (at < winStart || at + n > winStart + win.length) {
      win = await pread(fd, Math.max(n, Math.min(WINDOW, size - at)), at)
      winStart = at
    }
    return win.subarray(at - winStart, at - winStart + n)
  }

  let pos = FILE_HEADER_SIZE
  while (pos + RECORD_HEADER_SIZE <= size) {
    const h = readRecordHeader(await view(pos, RECORD_HEADER_SIZE), 0)
    if (!h || pos + RECORD_HEADER_SIZE + h.length > size) return { end: pos, cutAt: pos }
    let info: Record<string, unknown> | undefined
    const checkPayload = h.flags !== 0
    if (h.type !== RecordType.Data || checkPayload) {
      const payload = await view(pos + RECORD_HEADER_SIZE, h.length)
      if (!payloadCrcOk(h, payload)) return { end: pos, cutAt: pos }
      if (h.type !== RecordType.Data && h.length > 0) {
        try {
          info = JSON.parse(payload.toString('utf8'))
        } catch {
          return { end: pos, cutAt: pos }
        }
      }
    }
    index.add(h.type, h.dir, h.connId, pos, h.length, h.time, info)
    pos += RECORD_HEADER_SIZE + h.length
  }
  return pos < size ? { end: pos, cutAt: pos } : { end: pos }
}
