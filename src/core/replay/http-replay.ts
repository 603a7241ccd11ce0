// HTTP replay: one captured request (or an edited copy of it) sent again on a fresh
// connection (byte-exact, or with Content-Length and Host fitted), its response read with
// the HTTP/1 decoder and compared with the recorded one (response-comparison.ts): status,
// headers by name (but those that change on every answer) and the body's decoded content.
// With `count` it is sent N times, at most `concurrency` at once, and summed up
// (repeated-sends.ts); the recorded side and the comparing are recorded-comparison.ts's,
// shared with HTTP/2's replay (h2-replay.ts). A keep-alive sequence (http-replay-sequence.ts)
// sends several on one connection with the same pieces: prepareRequest and exchangeOn. A
// request composed from scratch (new-request.ts, replay.send) is sent by sendOnce too, with
// no captured exchange behind it: its response is read the same way and compared with nothing.

import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import type { HttpReplayOutcome, HttpReplayResult } from '../../shared/replay-types'
import { isH2 } from '../../shared/h2-request'
import type { HttpMessage } from '../../shared/protocol-types'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { headerTokens } from '../protocols/http1/head-parser'
import { cancelled } from '../net/net-errors'
import { capturedRequest, editedRequestBytes, requestBytes, type CapturedRequest, type RequestBytes } from './http-replay-request'
import { ResponseReader } from './http-replay-response'
import { PIECE, recordedPieces } from './recorded-bytes'
import { connectReplay, ReplayLink } from './raw-replay'
import { replayH2 } from './h2-replay'
import { sourceOf, type HttpReplayOptions, type ReplayedExchange } from './http-replay-options'
import { compareWithRecorded, describeResponse, recordedSide, type RecordedSide } from './recorded-comparison'
import { repeat } from './repeated-sends'

/** A request ready to send, with what its response is compared to. */
export interface PreparedRequest extends RecordedSide {
  /** The captured request it replays; none for one composed from scratch, which is all in `bytes.head` and compared with nothing. */
  source?: ReplayedExchange
  bytes: RequestBytes
  edited: boolean
}

/** Sends request `exchange` (from 0) of connection `connId`, `count` times. */
export async function replayHttp(view: CaptureView, decoding: Decoding, connId: number, exchange: number, opts: HttpReplayOptions): Promise<HttpReplayOutcome> {
  const captured = await capturedRequest(view, decoding, connId, exchange, opts.request !== undefined)
  if (isH2(captured.request)) return replayH2(view, connId, exchange, captured, opts)
  const prepared = await prepareRequest(view, connId, exchange, captured, opts)
  if (opts.signal?.aborted) throw cancelled()
  const count = opts.count ?? 1
  if (count === 1 && opts.count === undefined) return { first: await sendOnce(prepared, opts) }
  return repeat((keep) => sendOnce(prepared, opts, keep), opts, count, Math.max(1, Math.min(opts.concurrency ?? 1, count)))
}

/** The bytes to send (captured or edited, fitted when asked) and the recorded response to compare with. */
export async function prepareRequest(view: CaptureView, connId: number, exchange: number, captured: CapturedRequest, opts: Pick<HttpReplayOptions, 'fixLength' | 'target' | 'request' | 'signal'>): Promise<PreparedRequest> {
  const fix = opts.fixLength === true ? { target: opts.target } : undefined
  const edited = opts.request !== undefined
  const bytes = edited ? editedRequestBytes(Buffer.from(opts.request!.buffer, opts.request!.byteOffset, opts.request!.byteLength), fix, captured.origin) : await requestBytes(view, connId, captured.request, fix, captured.origin)
  return { source: { view, connId, exchange }, bytes, edited, ...(await recordedSide(view, connId, captured.response, opts.signal)) }
}

/** Sends a prepared request on a connection of its own (recorded when `opts.record`), reads its response, and closes it. */
export async function sendOnce(p: PreparedRequest, opts: Omit<HttpReplayOptions, 'request' | 'fixLength'>, keep = MAX_COMPARED_BODY): Promise<HttpReplayResult> {
  const { socket, rec, where } = await connectReplay(opts)
  const link = new ReplayLink(socket, rec, opts.record?.hold, opts.signal, opts.timeoutMs)
  try {
    const { result } = await exchangeOn(link, p, { ...opts, keep }, where)
    if (rec) result.connId = rec.id
    return result
  } finally {
    await link.close(opts.signal?.aborted ? 'stopped' : 'closed')
  }
}

export interface ExchangeOutcome {
  result: HttpReplayResult
  /** The server closed the connection, or its response says it will (RFC 9112 9.3): it carries no other request. */
  serverCloses: boolean
}

/**
 * Sends one prepared request on an open link and reads its response (until whole, the
 * server's FIN or the timeout), then compares it with the recorded one. The link stays
 * open; the caller closes it.
 */
export async function exchangeOn(
  link: ReplayLink,
  p: PreparedRequest,
  opts: Pick<HttpReplayOptions, 'timeoutMs' | 'signal' | 'ignoreHeaders'> & { keep?: number },
  where: string
): Promise<ExchangeOutcome> {
  const keep = Math.min(opts.keep ?? MAX_COMPARED_BODY, MAX_COMPARED_BODY)
  const reader = new ResponseReader(keep)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS
  let doneAt: number | undefined
  link.onData = (chunk) => {
    reader.received(chunk)
    if (doneAt === undefined && reader.complete) doneAt = performance.now()
  }
  let sent = 0
  const start = performance.now()
  const write = async (bytes: Buffer): Promise<boolean> => {
    reader.sent(bytes)
    if (!(await link.write(bytes))) return false
    sent += bytes.length
    return true
  }
  // An edited request is all head here, up to MAX_EDITED_REQUEST: it goes in pieces as a recorded body does.
  let open = true
  for (let at = 0; open && at < p.bytes.head.length; at += PIECE) open = await write(p.bytes.head.subarray(at, at + PIECE))
  if (p.bytes.body !== undefined && p.source !== undefined) {
    for await (const piece of recordedPieces(p.source.view, p.source.connId, 'client', p.bytes.body)) {
      if (!open) break
      open = await write(piece)
    }
  }
  await link.wait(() => reader.complete || link.serverEnded, timeoutMs)
  const timedOut = link.open && !reader.complete && !link.serverEnded
  if (link.serverEnded) reader.serverEnded()
  if (doneAt === undefined && reader.complete) doneAt = performance.now()
  if (opts.signal?.aborted) throw cancelled()

  const response = reader.result()
  const result: HttpReplayResult = { target: where, ...sourceOf(p), sent, fixed: p.bytes.fixed, matched: false, differences: [] }
  if (p.edited) result.edited = true
  if (p.recordedResponse !== undefined) result.recorded = p.recordedResponse
  if (link.stalled) result.differences.push(`${where} took only ${sent} bytes of the request, then none for ${timeoutMs} ms`)
  if (response === undefined) {
    result.differences.push(timedOut ? `no response from ${where} within ${timeoutMs} ms` : `${where} closed the connection without a response`)
    return { result, serverCloses: link.serverEnded || !link.open }
  }
  result.response = response
  if (doneAt !== undefined) result.ms = doneAt - start
  if (!response.complete) result.differences.push(`incomplete response (${timedOut ? `not whole within ${timeoutMs} ms` : 'the server closed first'})`)
  if (p.source === undefined) await describeResponse(result, reader.response!, reader.bodyHash(), () => reader.content(), opts.signal)
  else await compareWithRecorded(result, reader.response!, reader.bodyHash(), () => reader.content(), p, { ...opts, keep })
  return { result, serverCloses: link.serverEnded || !link.open || closesAfter(reader.response!) }
}

/** A response after which its server closes: `Connection: close`, or HTTP/1.0 without keep-alive. */
function closesAfter(r: HttpMessage): boolean {
  const tokens = headerTokens(r.headers, 'connection')
  return tokens.includes('close') || (r.version === 'HTTP/1.0' && !tokens.includes('keep-alive'))
}
