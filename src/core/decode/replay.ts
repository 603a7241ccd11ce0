// Decoding a part of a connection again, on this thread, for a detail a front end asked for
// (an exchange in full, a WebSocket payload): a fresh decoder started at given stream
// offsets is fed the records from there on, skipping what it does not want, until it has
// what was asked or the records run out.

import type { Direction } from '../../shared/capture-types'
import type { AnsweredBy } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { readBatch } from './decode-feed'
import { applyOp } from './decoder-set'
import type { Renumbering } from '../protocols/http2/renumbered-streams'

export interface Replayable {
  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void
  end(dir: Direction, time: number): void
  /** The capture kept nothing more of `dir` from here on; a reader without its own answer takes it as the end. */
  gap?(dir: Direction, time: number): void
  wantFrom(dir: Direction): number
  /** HTTP/1: a rule answered the client's request at `offset` (ConnectionDecoder.answered). */
  answered?(offset: number, by: AnsweredBy): void
  /** HTTP/2: the target got the client's streams under ids of its own (ConnectionDecoder.renumbered). */
  renumbered?(told: Renumbering): void
}

/**
 * The first batch's records: a detail usually needs a few (one exchange's request and
 * response). A full batch (up to 1,024 records or 256 KiB) of a connection interleaved with
 * 99 others spans tens of MiB of the file: `tcpscope show` of a 100,000-exchange capture
 * spent about 20 ms a body reading it, and 17 s on one connection's 1,000 exchanges. Each
 * batch after takes four times as many, so a long replay still reads in big batches.
 */
const FIRST_RECORDS = 8

/** Feeds `d` from `start` until `done()` (asked after every batch) or the connection's records end. */
export async function replay(view: CaptureView, connId: number, start: Record<Direction, number>, d: Replayable, done: () => boolean): Promise<void> {
  const at = await Promise.all((['client', 'server'] as const).map((dir) => view.locate(connId, dir, start[dir])))
  const valid = at.filter((i) => i >= 0)
  if (valid.length === 0) return
  let cursor = Math.min(...valid)
  const kind = (await view.decodeState(connId))?.kind ?? 'proxy'
  const ended = { client: false, server: false }
  let most = FIRST_RECORDS
  for (;;) {
    const batch = await readBatch(view, connId, kind, cursor, { client: d.wantFrom('client'), server: d.wantFrom('server') }, ended, undefined, false, most)
    for (const dir of batch.ended) ended[dir] = true
    for (let k = 0; k < batch.ops.length; k++) applyOp(d, batch.ops, k, batch.bytes)
    cursor = batch.next
    if (done() || batch.next >= batch.total) return
    most *= 4
  }
}
