// A copy of the live capture as it was at one instant, read in pieces by whoever takes it
// (a browser download): the recorded bytes stay in the capture file and are read on
// demand; only the stored index of that instant (a few dozen bytes a connection) is held.

import { pread } from './capture-reader'

export interface CaptureSnapshot {
  name: string
  size: number
  connections: number
  /** LiveCapture.changes at that instant. */
  changes: number
  /** Bytes [offset, offset + length) of the copy, fewer at its end. */
  read(offset: number, length: number): Promise<Buffer>
}

/** The file's records up to `end`, then `footer`, as one file of `end + footer.length` bytes. */
export function snapshotOf(
  fd: number,
  at: { name: string; end: number; footer: Buffer; connections: number; changes: number }
): CaptureSnapshot {
  const { end, footer } = at
  return {
    name: at.name,
    size: end + footer.length,
    connections: at.connections,
    changes: at.changes,
    read: async (offset, length) => {
      const stop = Math.min(offset + length, end + footer.length)
      const parts: Buffer[] = []
      if (offset < end) parts.push(await pread(fd, Math.min(stop, end) - offset, offset))
      if (stop > end) parts.push(footer.subarray(Math.max(offset, end) - end, stop - end))
      return parts.length === 1 ? parts[0] : Buffer.concat(parts)
    }
  }
}
