// What the client got in place of the target's response when a rule or the script answered
// its request: the answer is not in the target's stream (the target never saw the request)
// but in the `rule` record, in the client's direction (capture-format.md, "The rule record").
// Its status, content type and body size are read from the answer the record kept (HTTP/1's
// head here; HTTP/2's frames by the one reader of them, export/delivered-message.ts), so the
// exchange list, the connection list's Info and the HTTP view's sizes say what the client
// received, not 0 B. An answer kept only as its size and SHA-256 (over 1 MiB) says nothing of
// its head: nothing is made up for it.

import type { AnswerGot } from '../../shared/protocol-types'
import type { RuleEventInfo } from '../../shared/rules/rule-types'
import { responseFraming } from '../protocols/http1/body-framing'
import { latin1 } from '../protocols/http1/bytes'
import { findBlankLine } from '../protocols/http1/head-boundary'
import { firstHeader, parseHead } from '../protocols/http1/head-parser'
import { MAX_HEAD_BYTES } from '../protocols/http1/message-reader'
import { T_HEADERS } from '../protocols/http2/frame-reader'
import { readH2Frames } from '../export/delivered-message'

/** Base64 characters read for the head: MAX_HEAD_BYTES of bytes, a whole number of quads. */
const HEAD_BASE64 = Math.ceil(MAX_HEAD_BYTES / 3) * 4

/** The answer a rule record kept, if it is an HTTP/1 response or HTTP/2 frames that carry one, in short; `time` is the record's. */
export function answerGot(info: Partial<RuleEventInfo>, time: number): AnswerGot | undefined {
  const b64 = info.delivered
  const total = info.deliveredSize
  if (typeof b64 !== 'string' || typeof total !== 'number') return undefined
  if (!b64.startsWith('SFRUUC')) return h2AnswerGot(b64, time) // "HTTP/"
  const head = Buffer.from(b64.slice(0, HEAD_BASE64), 'base64')
  const bodyAt = findBlankLine(head, 0, true)
  if (bodyAt < 0) return undefined
  const parsed = parseHead(latin1(head, 0, bodyAt), 0, 'server', 'response')
  if (typeof parsed === 'string' || parsed.status === undefined) return undefined
  const got: AnswerGot = { status: parsed.status, at: time }
  const type = firstHeader(parsed.headers, 'content-type')
  if (type !== undefined) got.contentType = type
  // The request's method is not known here: a HEAD's answer is its head alone, so what
  // follows the head bounds the body (an answer is one response, nothing after it).
  const rest = Math.max(0, total - bodyAt)
  const framing = responseFraming(parsed.status, parsed.headers, undefined)
  if ('problem' in framing) return got
  if (framing.kind === 'length') got.size = Math.min(framing.length, rest)
  else if (framing.kind === 'close') got.size = rest
  else if (framing.kind === 'none') got.size = 0
  // Chunked: the content's size is not the bytes' (no rule or script answers chunked; a size
  // would need the whole answer read), so it stays unsaid.
  return got
}

/**
 * HTTP/2: the frames a record kept (the answer's HEADERS, its DATA, any trailers), read as
 * `tcpscope show` and the exports read them; an answer is tcpscope's own block, literals a
 * fresh HPACK decoder reads. Anything else (a reset, an HTTP/1 request) gives nothing.
 */
function h2AnswerGot(b64: string, time: number): AnswerGot | undefined {
  const bytes = Buffer.from(b64, 'base64')
  // A first frame that is no HEADERS is no answer: nothing more is decoded.
  if (bytes.length < 9 || bytes[3] !== T_HEADERS) return undefined
  const read = readH2Frames(bytes, time)
  if (!('response' in read)) return undefined
  const msg = read.response.message
  if (msg.status === undefined || !Number.isSafeInteger(msg.status)) return undefined
  const got: AnswerGot = { status: msg.status, at: time, size: msg.body.size }
  const type = firstHeader(msg.headers, 'content-type')
  if (type !== undefined) got.contentType = type
  return got
}

/** `got` as it crossed (JSON) to a decoder, checked: undefined when it is not one. */
export function answerGotOf(v: unknown): AnswerGot | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const g = v as Partial<AnswerGot>
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  if (!whole(g.status) || typeof g.at !== 'number' || !Number.isFinite(g.at)) return undefined
  const got: AnswerGot = { status: g.status, at: g.at }
  if (typeof g.contentType === 'string') got.contentType = g.contentType
  if (whole(g.size)) got.size = g.size
  return got
}
