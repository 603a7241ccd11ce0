// A replayed HTTP response against the recorded one, for HTTP/1's replay and HTTP/2's
// alike: the recorded side read once (its content decoded, bounded, and hashed) for every
// run, then each replayed response compared with it (response-comparison.ts), or, with
// nothing recorded to compare with (a request composed from scratch), described alone.

import { createHash } from 'node:crypto'
import type { HttpMessage } from '../../shared/protocol-types'
import { HTTP_REPLAY_PREVIEW, type HttpReplayResponse, type HttpReplayResult } from '../../shared/replay-types'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import { regularHeaders } from '../../shared/h2-request'
import type { CaptureView } from '../capture/query/capture-queries'
import { messageContent, readBody, sentSize } from '../decode/body-content'
import { cancelled } from '../net/net-errors'
import { comparisonContent } from './comparison-content'
import { comparedResponse, compareResponses, readableContent, type ComparedResponse } from './response-comparison'
import { rangeHash } from './recorded-bytes'
import type { HttpReplayOptions } from './http-replay-options'

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
