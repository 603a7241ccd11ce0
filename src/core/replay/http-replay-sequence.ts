// A keep-alive sequence: captured HTTP requests sent in order on one connection, each once
// the response to the one before has arrived whole, each compared with its own recorded
// response. It stops at the first request that gets no whole response, or once the server
// closes (or says it will): the requests after it are counted as not sent, with why.
// Sending, reading and comparing are single replay's own (exchangeOn in http-replay.ts);
// each response is read by a reader of its own, so bytes a server sends past a whole
// response, before the next request, answer nothing and are not compared (the capture
// keeps them). HTTP/2 requests go on one HTTP/2 session instead (h2-replay.ts).

import type { Endpoint } from '../../shared/endpoint'
import { UserError } from '../../shared/errors'
import type { HttpReplayResult, HttpSequenceResult } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { cancelled } from '../net/net-errors'
import { exchangeOn, prepareRequest } from './http-replay'
import { capturedRequest } from './http-replay-request'
import { sequenceH2 } from './h2-replay'
import { isH2 } from '../../shared/h2-request'
import { connectReplay, ReplayLink, type ReplayRecording } from './raw-replay'
import type { TlsConnect } from '../net/target/connect-target'

export interface HttpSequenceOptions {
  target: Endpoint
  /** Set each request's Content-Length to its body and Host to the target; off: byte-exact. */
  fixLength?: boolean
  /** How long to wait for each whole response (default 2 s). */
  timeoutMs?: number
  /** Response headers whose differences are not counted (Date, Age, Expires and the framing headers never are). */
  ignoreHeaders?: string[]
  connectTimeoutMs?: number
  signal?: AbortSignal
  /** Where the sequence's one connection is recorded; its source is the first request's. */
  record?: ReplayRecording
  /** Over TLS (replay-tls.ts): the sequence's one connection. */
  tls?: TlsConnect
}

export interface SequenceRequest {
  connId: number
  /** From 0. */
  exchange: number
}

/** Sends `requests` in order on one connection to the target. */
export async function replaySequence(view: CaptureView, decoding: Decoding, requests: readonly SequenceRequest[], opts: HttpSequenceOptions): Promise<HttpSequenceResult> {
  if (requests.length === 0) throw new UserError('a keep-alive sequence needs at least one captured request', 'EINVAL')
  // Every request is checked before anything is sent: a bad one later in the list is refused,
  // not half replayed. What the check found is not kept: a thousand parsed requests and
  // responses (headers, up to 4096 chunk ranges each) are read again one at a time below.
  let h2 = 0
  for (const r of requests) if (isH2((await capturedRequest(view, decoding, r.connId, r.exchange)).request)) h2++
  if (opts.signal?.aborted) throw cancelled()
  if (h2 > 0 && h2 < requests.length) throw new UserError('these requests are HTTP/1 and HTTP/2 both: a sequence goes on one connection, which speaks one of them', 'EINVAL')
  if (h2 > 0) return sequenceH2(view, requests.map((r) => ({ ...r, captured: () => capturedRequest(view, decoding, r.connId, r.exchange) })), opts)
  const { socket, rec, where } = await connectReplay(opts)
  const link = new ReplayLink(socket, rec, opts.record?.hold, opts.signal, opts.timeoutMs)
  const results: HttpReplayResult[] = []
  let stopped: string | undefined
  try {
    for (let i = 0; i < requests.length; i++) {
      // Prepared one at a time: a thousand requests never hold a thousand heads and recorded previews at once.
      const captured = await capturedRequest(view, decoding, requests[i].connId, requests[i].exchange)
      const p = await prepareRequest(view, requests[i].connId, requests[i].exchange, captured, opts)
      // A FIN that came with the last response's bytes is told ('end') a tick after them: it lands here, before a send into a closing connection.
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve))
      if (opts.signal?.aborted) throw cancelled()
      if (i > 0 && (link.serverEnded || !link.open)) {
        stopped = `the server closed the connection after request ${i}`
        break
      }
      const { result, serverCloses } = await exchangeOn(link, p, opts, where)
      if (rec) result.connId = rec.id
      results.push(result)
      if (i === requests.length - 1) break
      if (result.response?.complete !== true) stopped = `no whole response to request ${i + 1}: ${result.differences[0]}`
      else if (serverCloses) stopped = `the server closed the connection after request ${i + 1}`
      if (stopped !== undefined) break
    }
  } finally {
    await link.close(opts.signal?.aborted ? 'stopped' : 'closed')
  }
  const out: HttpSequenceResult = { target: where, results, notSent: requests.length - results.length, matched: results.filter((r) => r.matched).length }
  if (rec) out.connId = rec.id
  if (stopped !== undefined) out.stopped = stopped
  return out
}
