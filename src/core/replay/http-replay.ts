// HTTP replay: one captured request (or an edited copy of it) sent again on a fresh
// connection (byte-exact, or with Content-Length and Host fitted), its response read with
// the HTTP/1 decoder and compared with the recorded one (response-comparison.ts): status,
// headers by name (but those that change on every answer) and the body's decoded content.
// With `count` it is sent N times, at most `concurrency` at once, and summed up. A keep-alive sequence (http-replay-sequence.ts)
// sends several on one connection with the same pieces: prepareRequest and exchangeOn. A
// request composed from scratch (new-request.ts, replay.send) is sent by sendOnce too, with
// no captured exchange behind it: its response is read the same way and compared with nothing.

import type { Endpoint } from '../../shared/endpoint'
import { UserError } from '../../shared/errors'
import type { HttpMessage } from '../../shared/protocol-types'
import { HTTP_REPLAY_PREVIEW, type HttpReplayOutcome, type HttpReplayResponse, type HttpReplayResult, type HttpReplaySummary } from '../../shared/replay-types'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { createHash } from 'node:crypto'
import { messageContent, readBody, sentSize } from '../decode/body-content'
import { isH2, regularHeaders } from '../../shared/h2-request'
import type { Decoding } from '../decode/decoding'
import { headerTokens } from '../protocols/http1/head-parser'
import { cancelled } from '../net/net-errors'
import { capturedRequest, editedRequestBytes, requestBytes, type CapturedRequest, type RequestBytes } from './http-replay-request'
import { ResponseReader } from './http-replay-response'
import { comparisonContent } from './comparison-content'
import { comparedResponse, compareResponses, readableContent, type ComparedResponse } from './response-comparison'
import { PIECE, rangeHash, recordedPieces } from './recorded-bytes'
import { ConnectError, type TlsConnect } from '../net/target/connect-target'
import { connectReplay, ReplayLink, type ReplayRecording } from './raw-replay'
import { replayH2 } from './h2-replay'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'

/** Error messages a summary keeps. */
const ERROR_SAMPLES = 5

export interface HttpReplayOptions {
  target: Endpoint
  /** Set Content-Length to the body's length and Host to the target; off: byte-exact. */
  fixLength?: boolean
  /** How long to wait for the whole response (default 2 s). */
  timeoutMs?: number
  connectTimeoutMs?: number
  /** Send it this many times (default 1), at most `concurrency` at once (default 1). */
  count?: number
  concurrency?: number
  /** Send these bytes (an edited copy) instead of the captured request. */
  request?: Uint8Array
  /** Response headers whose differences are not counted (Date, Age, Expires and the framing headers never are). */
  ignoreHeaders?: string[]
  signal?: AbortSignal
  record?: ReplayRecording
  /** Over TLS (replay-tls.ts): each request's connection. */
  tls?: TlsConnect
}

/** The captured exchange a request replays: where its body's bytes are read from, and what its result names. */
export interface ReplayedExchange {
  view: CaptureView
  connId: number
  exchange: number
}

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
  const bytes = edited ? editedRequestBytes(Buffer.from(opts.request!.buffer, opts.request!.byteOffset, opts.request!.byteLength), fix) : await requestBytes(view, connId, captured.request, fix)
  return { source: { view, connId, exchange }, bytes, edited, ...(await recordedSide(view, connId, captured.response, opts.signal)) }
}

/** What a replayed response is compared with: the recorded response, its content decoded (bounded) once for every run. */
export interface RecordedSide {
  recorded?: HttpMessage
  /** The recorded response as compared: its content decoded (bounded) and read once for every run. */
  recordedCompared?: ComparedResponse
  /** The recorded response as results show it. */
  recordedResponse?: HttpReplayResponse
}

export async function recordedSide(view: CaptureView, connId: number, r: HttpMessage | undefined, signal: AbortSignal | undefined): Promise<RecordedSide> {
  const p: RecordedSide = { recorded: r }
  if (r?.status === undefined) return p
  const hash = await contentHash(view, connId, r)
  // Content as the replayed body is kept: chunk framing removed, content coding left on.
  const body = await readBody(view, connId, r, { decode: false, offset: 0, length: MAX_COMPARED_BODY }, signal)
  p.recordedCompared = comparedResponse(r, await undoCoding(r, { bytes: body.bytes, whole: body.end }, signal), hash)
  p.recordedResponse = {
    version: r.version,
    status: r.status,
    reason: r.reason ?? '',
    // HTTP/2's :status is the status already.
    headers: regularHeaders(r.headers).map((h) => ({ name: h.name, value: h.value })),
    bodySize: sentSize(r),
    body: body.bytes.slice(0, HTTP_REPLAY_PREVIEW),
    complete: r.body.complete,
    content: readableContent(p.recordedCompared)
  }
  return p
}

/**
 * The hash a replayed body is matched by: HTTP/1's body as on the wire (chunk framing
 * included); HTTP/2's content, its DATA payloads (their frames interleave with other
 * streams', so there is no one range to hash).
 */
async function contentHash(view: CaptureView, connId: number, r: HttpMessage): Promise<string> {
  if (r.body.framing !== 'h2') return rangeHash(view, connId, 'server', r.body.range)
  const hash = createHash('sha256')
  for await (const piece of messageContent(view, connId, r)) hash.update(piece)
  return hash.digest('hex')
}

/**
 * Runs `send` `count` times, at most `concurrency` at once, and sums up; `send(keep)` keeps
 * `keep` bytes of its response's body (only the first run is shown in full).
 */
export async function repeat(
  send: (keep: number) => Promise<HttpReplayResult>,
  opts: Pick<HttpReplayOptions, 'signal'>,
  count: number,
  concurrency: number
): Promise<HttpReplayOutcome> {
  const summary: HttpReplaySummary = { count, concurrency, statuses: {}, matched: 0, errors: 0, unreachable: 0, errorSamples: [], perSecond: 0 }
  const latencies: number[] = []
  let first: HttpReplayResult | undefined
  let next = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      try {
        // Only the first run is shown: the others keep a preview's worth of their bodies, not the comparison's bound.
        const r = await send(i === 0 ? MAX_COMPARED_BODY : HTTP_REPLAY_PREVIEW)
        if (i === 0) first = r
        if (r.response === undefined || !r.response.complete || r.ms === undefined) throw new UserError(r.differences.join(', '))
        summary.statuses[r.response.status] = (summary.statuses[r.response.status] ?? 0) + 1
        if (r.matched) summary.matched++
        latencies.push(r.ms)
      } catch (err) {
        if (opts.signal?.aborted) throw cancelled()
        summary.errors++
        if (err instanceof ConnectError) summary.unreachable++
        const message = err instanceof Error ? err.message : String(err)
        if (summary.errorSamples.length < ERROR_SAMPLES && !summary.errorSamples.includes(message)) summary.errorSamples.push(message)
      }
    }
  }
  // Settled, not all: one worker's cancel must not answer while the others' sockets are still closing.
  const ended = await Promise.allSettled(Array.from({ length: concurrency }, worker))
  const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected')
  if (failed) throw failed.reason
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  if (latencies.length > 0) {
    summary.p50Ms = percentile(latencies, 0.5)
    summary.p99Ms = percentile(latencies, 0.99)
  }
  summary.perSecond = seconds > 0 ? latencies.length / seconds : 0
  return first === undefined ? { summary } : { first, summary }
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
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

/** What a result says it replayed: the captured exchange, when there is one. */
export const sourceOf = (p: { source?: ReplayedExchange }): Pick<HttpReplayResult, 'source'> =>
  p.source === undefined ? {} : { source: { connId: p.source.connId, exchange: p.source.exchange } }

/**
 * A response with nothing to compare it with (a request composed from scratch): its content
 * read for a person (coding undone, charset, type) as a compared response's is. `matched`
 * stays false: there was nothing to match.
 */
export async function describeResponse(
  result: HttpReplayResult,
  message: HttpMessage,
  hash: string,
  content: () => { bytes: Uint8Array; whole: boolean },
  signal: AbortSignal | undefined
): Promise<void> {
  result.response!.content = readableContent(comparedResponse(message, await undoCoding(message, content(), signal), hash))
}

/** The body headers that decide what its bytes decode to. */
const DECODING_HEADERS = ['content-encoding', 'content-type']
const headerValues = (m: HttpMessage, name: string): string[] => m.headers.filter((h) => h.name.toLowerCase() === name).map((h) => h.value)
const decodesAlike = (a: HttpMessage, b: HttpMessage): boolean =>
  DECODING_HEADERS.every((name) => headerValues(a, name).join('\n') === headerValues(b, name).join('\n'))

/**
 * Compares the replayed response (`message`, its body's hash and its kept content) with the
 * recorded one into `result`, which has its response already: its differences, its
 * comparison and whether it matched.
 */
export async function compareWithRecorded(
  result: HttpReplayResult,
  message: HttpMessage,
  hash: string,
  content: () => { bytes: Uint8Array; whole: boolean },
  p: RecordedSide,
  opts: Pick<HttpReplayOptions, 'signal' | 'ignoreHeaders'> & { keep: number }
): Promise<void> {
  const got = await replayedResponse(message, hash, content, p.recordedCompared, opts.signal)
  result.response!.content = readableContent(got)
  if (p.recordedCompared === undefined) result.differences.push('the capture has no response to compare with')
  else {
    const { differences, comparison } = compareResponses(p.recordedCompared, got, { ignoreHeaders: opts.ignoreHeaders, kept: opts.keep })
    result.differences.push(...differences)
    result.comparison = comparison
  }
  result.matched = result.differences.length === 0
}

/**
 * The replayed response as compared. The same body bytes (by hash) under the same coding and
 * type decode to the recording's content, so that is reused: a repeat of thousands of
 * unchanged answers decodes none of them.
 */
async function replayedResponse(
  message: HttpMessage,
  hash: string,
  content: () => { bytes: Uint8Array; whole: boolean },
  recorded: ComparedResponse | undefined,
  signal: AbortSignal | undefined
): Promise<ComparedResponse> {
  if (recorded !== undefined && recorded.hash === hash && decodesAlike(recorded.message, message)) return { ...recorded, message }
  return comparedResponse(message, await undoCoding(message, content(), signal), hash)
}

/** comparisonContent, with a cancel while it decodes told as the replay's cancel. */
async function undoCoding(message: HttpMessage, sent: { bytes: Uint8Array; whole: boolean }, signal: AbortSignal | undefined): ReturnType<typeof comparisonContent> {
  try {
    return await comparisonContent(message, sent.bytes, sent.whole, signal)
  } catch (err) {
    if (signal?.aborted) throw cancelled()
    throw err
  }
}

/** A response after which its server closes: `Connection: close`, or HTTP/1.0 without keep-alive. */
function closesAfter(r: HttpMessage): boolean {
  const tokens = headerTokens(r.headers, 'connection')
  return tokens.includes('close') || (r.version === 'HTTP/1.0' && !tokens.includes('keep-alive'))
}
