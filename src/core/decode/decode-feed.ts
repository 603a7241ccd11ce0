// One batch of a connection's records for its decoder: the records from a cursor, in capture
// order, with the bytes the decoder still wants read from the file into one buffer of the
// batch's own (so it can move to the worker). Bytes below what a direction wants (a body
// the decoder skips) are never read. A batch stops at BATCH_BYTES, so skipping is learnt
// before much is read: a 1 GiB Content-Length body costs one batch of reads, not a gigabyte.

import type { Direction } from '../../shared/capture-types'
import type { CaptureView } from '../capture/capture-queries'
import type { FeedOp } from './decoder-host'

const BATCH_BYTES = 256 * 1024
const BATCH_RECORDS = 1024

export interface Batch {
  ops: FeedOp[]
  bytes: Uint8Array
  /** The record after the batch. */
  next: number
  /** Records the connection has now. */
  total: number
  /** Directions whose end (FIN, reset, close) the batch passes on. */
  ended: Direction[]
}

const DIRS: Direction[] = ['client', 'server']

/**
 * The batch from record `from`; `want` is where each direction's decoding needs bytes from,
 * `ended` which directions have been ended already (an end is passed on once).
 */
export async function readBatch(view: CaptureView, connId: number, from: number, want: Record<Direction, number>, ended: Record<Direction, boolean>): Promise<Batch> {
  const { total, records } = await view.decodeRecords(connId, from, BATCH_RECORDS, (dir, end) => end >= want[dir])
  const ops: FeedOp[] = []
  const reads: { dir: Direction; from: number; to: number; ops: FeedOp[] }[] = []
  const endedNow: Direction[] = []
  const done = { ...ended }
  let size = 0
  let next = from
  for (const r of records) {
    if (size >= BATCH_BYTES) break
    next++
    if (r.kind === 'data' && r.dir) {
      const end = r.offset + r.length
      if (end < want[r.dir] || done[r.dir] || Number.isNaN(r.time)) continue
      const start = Math.max(r.offset, want[r.dir])
      const op: FeedOp = { dir: r.dir, at: size, len: end - start, offset: start, time: r.time }
      ops.push(op)
      const last = reads[reads.length - 1]
      if (last && last.dir === r.dir && last.to === start) {
        last.to = end
        last.ops.push(op)
      } else reads.push({ dir: r.dir, from: start, to: end, ops: [op] })
      size += end - start
      continue
    }
    const ends: Direction[] = r.kind === 'fin' && r.dir ? [r.dir] : r.kind === 'reset' || r.kind === 'close' ? DIRS : []
    for (const dir of ends) {
      if (done[dir]) continue
      done[dir] = true
      endedNow.push(dir)
      ops.push({ dir, at: 0, len: -1, offset: 0, time: r.time })
    }
  }
  const bytes = new Uint8Array(size)
  const got = await Promise.all(reads.map((g) => view.readBytes(connId, g.dir, g.from, g.to - g.from)))
  reads.forEach((g, i) => {
    const b = got[i]
    const first = g.ops[0].at
    bytes.set(b.subarray(0, Math.min(b.length, size - first)), first)
    // A range the file could not give in full (a write that failed) is pushed as far as it goes.
    for (const op of g.ops) op.len = Math.max(0, Math.min(op.len, b.length - (op.at - first)))
  })
  return { ops, bytes, next, total, ended: endedNow }
}
