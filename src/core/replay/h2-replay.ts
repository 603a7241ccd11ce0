// HTTP/2 replay: a captured HTTP/2 request (or an edited copy in its text form) sent again
// over HTTP/2 with node:http2, on a session of h2-session.ts, its response compared with the
// recorded one by the same comparison as HTTP/1's (compareWithRecorded, http-replay.ts).
// One request, a repeat (`count`, at most `concurrency` streams at once) and a sequence all
// go on ONE session: a repeat multiplexes its streams, a sequence sends each request once
// the response before it is whole. A result's `sent` counts the request's body bytes: its
// header block is HPACK the session encodes, in frames it interleaves with other streams'.
// A request composed from scratch (new-request.ts, replay.send) goes by sendH2: a session
// of its own, the same stream exchange, and nothing to compare its response with.

import type { ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2'
import { nodeHttp2 } from '../lazy-builtins'
import { UserError } from '../../shared/errors'
import { h2ErrorName } from '../../shared/protocol-types'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import type { HttpReplayOutcome, HttpReplayResult, HttpSequenceResult } from '../../shared/replay-types'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import type { CaptureView } from '../capture/query/capture-queries'
import { messageContent } from '../decode/body-content'
import { cancelled } from '../net/net-errors'
import { ConnectError } from '../net/target/connect-target'
import { capturedH2Request, editedH2Request, type H2Request } from './h2-replay-request'
import { H2ResponseReader } from './h2-replay-response'
import { H2ReplaySession, type H2SessionOptions } from './h2-session'
import type { CapturedRequest } from './http-replay-request'
import { sourceOf, type HttpReplayOptions, type ReplayedExchange } from './http-replay-options'
import { compareWithRecorded, describeResponse, recordedSide, type RecordedSide } from './recorded-comparison'
import { repeat } from './repeated-sends'

/** An HTTP/2 request ready to send, with what its response is compared to. */
export interface PreparedH2 extends RecordedSide {
  /** The captured request it replays (its body is read from there); none for one composed from scratch. */
  source?: ReplayedExchange
  request: H2Request
  edited: boolean
}

export async function prepareH2(
  view: CaptureView,
  connId: number,
  exchange: number,
  captured: CapturedRequest,
  opts: Pick<HttpReplayOptions, 'fixLength' | 'target' | 'request' | 'signal'>
): Promise<PreparedH2> {
  const fix = opts.fixLength === true ? { target: opts.target } : undefined
  const edited = opts.request !== undefined
  const request = edited ? editedH2Request(opts.request!, fix) : capturedH2Request(captured.request, fix)
  return { source: { view, connId, exchange }, request, edited, ...(await recordedSide(view, connId, captured.response, opts.signal)) }
}

/** Sends one captured HTTP/2 request (or an edited copy), or repeats it on one session. */
export async function replayH2(view: CaptureView, connId: number, exchange: number, captured: CapturedRequest, opts: HttpReplayOptions): Promise<HttpReplayOutcome> {
  const p = await prepareH2(view, connId, exchange, captured, opts)
  if (opts.signal?.aborted) throw cancelled()
  const count = opts.count ?? 1
  if (count === 1 && opts.count === undefined) return { first: await sendH2(p, opts) }
  let h2: H2ReplaySession
  try {
    h2 = await H2ReplaySession.open(opts)
  } catch (err) {
    // A repeat that cannot connect is a summary of runs that could not, as HTTP/1's is.
    if (!(err instanceof ConnectError)) throw err
    return repeat(() => Promise.reject(err), opts, count, 1)
  }
  try {
    return await repeat((keep) => exchangeH2(h2, p, { ...opts, keep }), opts, count, Math.max(1, Math.min(opts.concurrency ?? 1, count)))
  } finally {
    await h2.close(opts.signal?.aborted ? 'stopped' : 'closed')
  }
}

/** Sends one prepared request on a session of its own (recorded when `opts.record`), reads its response, and ends the session. */
export async function sendH2(p: PreparedH2, opts: Omit<HttpReplayOptions, 'request' | 'fixLength'>): Promise<HttpReplayResult> {
  const h2 = await H2ReplaySession.open(opts)
  try {
    return await exchangeH2(h2, p, { ...opts, keep: MAX_COMPARED_BODY })
  } finally {
    await h2.close(opts.signal?.aborted ? 'stopped' : 'closed')
  }
}

/** Sends HTTP/2 requests in order on one session, each once the response to the one before is whole. */
export async function sequenceH2(view: CaptureView, requests: ReadonlyArray<{ connId: number; exchange: number; captured: () => Promise<CapturedRequest> }>, opts: HttpReplayOptions & H2SessionOptions): Promise<HttpSequenceResult> {
  const h2 = await H2ReplaySession.open(opts)
  const results: HttpReplayResult[] = []
  let stopped: string | undefined
  try {
    for (const [i, r] of requests.entries()) {
      // Prepared one at a time, as HTTP/1's sequence: a thousand requests never hold a thousand recorded previews at once.
      const p = await prepareH2(view, r.connId, r.exchange, await r.captured(), opts)
      if (opts.signal?.aborted) throw cancelled()
      if (i > 0 && !h2.usable) {
        stopped = `the server closed the connection after request ${i}`
        break
      }
      const result = await exchangeH2(h2, p, { ...opts, keep: MAX_COMPARED_BODY })
      results.push(result)
      if (i < requests.length - 1 && result.response?.complete !== true) {
        stopped = `no whole response to request ${i + 1}: ${result.differences[0]}`
        break
      }
    }
  } finally {
    await h2.close(opts.signal?.aborted ? 'stopped' : 'closed')
  }
  const out: HttpSequenceResult = { target: h2.where, results, notSent: requests.length - results.length, matched: results.filter((r) => r.matched).length }
  if (h2.rec) out.connId = h2.rec.id
  if (stopped !== undefined) out.stopped = stopped
  return out
}

/** The header block as node:http2 takes it: an object, a name sent more than once as its values in order. */
function outgoing(headers: H2Request['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const h of headers) {
    const had = out[h.name]
    out[h.name] = had === undefined ? h.value : Array.isArray(had) ? [...had, h.value] : [String(had), h.value]
  }
  return out
}

/** The body's pieces: the captured DATA payloads, read from the capture a piece at a time, or the edited bytes. */
function bodyPieces(p: PreparedH2): AsyncIterable<Uint8Array> {
  const body = p.request.body
  // A captured body has a captured exchange to read it from.
  if ('captured' in body) return messageContent(p.source!.view, p.source!.connId, body.captured)
  return (async function* () {
    if (body.bytes.length > 0) yield body.bytes
  })()
}

/** Resolves once the stream takes more (drain) or is gone. */
const drained = (stream: ClientHttp2Stream): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })

/**
 * Sends one prepared request as a stream of the session, reads its response until it ends,
 * the stream is reset or closed, or the timeout passes (then the stream is cancelled), and
 * compares it with the recorded one.
 */
export async function exchangeH2(h2: H2ReplaySession, p: PreparedH2, opts: Pick<HttpReplayOptions, 'timeoutMs' | 'signal' | 'ignoreHeaders'> & { keep: number }): Promise<HttpReplayResult> {
  const keep = Math.min(opts.keep, MAX_COMPARED_BODY)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS
  const where = h2.where
  const result: HttpReplayResult = { target: where, ...sourceOf(p), sent: 0, fixed: p.request.fixed, matched: false, differences: [] }
  if (h2.rec) result.connId = h2.rec.id
  if (p.edited) result.edited = true
  if (p.recordedResponse !== undefined) result.recorded = p.recordedResponse
  if (!h2.usable) {
    result.differences.push(`${where} closed the HTTP/2 connection before this request`)
    return result
  }
  const reader = new H2ResponseReader(keep)
  let stream: ClientHttp2Stream
  try {
    stream = h2.session.request(outgoing(p.request.headers), { endStream: p.request.bodySize === 0 })
  } catch (err) {
    // node:http2 refuses a header block it cannot send (a pseudo-header twice, a connection header): said in one line.
    throw new UserError(`the request cannot be sent over HTTP/2: ${(err as Error).message}`, 'EINVAL')
  }
  const start = performance.now()
  let doneAt: number | undefined
  let failure: string | undefined
  const closed = new Promise<void>((resolve) => stream.once('close', resolve))
  stream.on('response', (_headers: unknown, _flags: number, raw: string[]) => reader.response(raw))
  stream.on('data', (chunk: Buffer) => reader.data(chunk))
  stream.on('trailers', (headers: Record<string, string | string[] | undefined>, _flags: number, raw: string[] | undefined) =>
    reader.trailing(raw ?? Object.entries(headers).flatMap(([name, v]) => (Array.isArray(v) ? v.flatMap((x) => [name, x]) : v === undefined ? [] : [name, v])))
  )
  stream.on('end', () => {
    reader.end()
    doneAt = performance.now()
  })
  stream.on('error', (err: NodeJS.ErrnoException) => {
    failure ??= err.code === 'ERR_HTTP2_STREAM_ERROR' ? `${where} reset the stream (${h2ErrorName(stream.rstCode ?? 0)})` : err.message
  })
  // 'end' needs the stream read: a response nobody reads would hold the window shut.
  stream.resume()
  const onAbort = (): void => void stream.close(nodeHttp2().constants.NGHTTP2_CANCEL)
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    stream.close(nodeHttp2().constants.NGHTTP2_CANCEL)
  }, timeoutMs)
  try {
    if (p.request.bodySize > 0) {
      for await (const piece of bodyPieces(p)) {
        if (stream.destroyed) break
        if (!stream.write(piece)) await drained(stream)
        result.sent += piece.length
      }
      if (!stream.destroyed) stream.end()
    }
    await closed
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
  }
  if (opts.signal?.aborted) throw cancelled()

  const response = reader.result()
  const rst = stream.rstCode
  if (!reader.complete && rst !== undefined && rst !== nodeHttp2().constants.NGHTTP2_NO_ERROR && !timedOut) failure ??= `${where} reset the stream (${h2ErrorName(rst)})`
  if (response === undefined) {
    result.differences.push(timedOut ? `no response from ${where} within ${timeoutMs} ms` : (failure ?? `${where} closed the stream without a response`))
    return result
  }
  result.response = response
  if (doneAt !== undefined) result.ms = doneAt - start
  if (!response.complete) result.differences.push(`incomplete response (${timedOut ? `not whole within ${timeoutMs} ms` : (failure ?? 'the stream closed first')})`)
  if (p.source === undefined) await describeResponse(result, reader.message()!, reader.bodyHash(), () => reader.content(), opts.signal)
  else await compareWithRecorded(result, reader.message()!, reader.bodyHash(), () => reader.content(), p, { ...opts, keep })
  return result
}
