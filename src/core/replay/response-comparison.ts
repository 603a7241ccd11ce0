// A replayed HTTP response compared with the recorded one: its status, its headers by the
// one header rule (header-differences.ts) and its body on the decoded content
// (body-differences.ts); the verdict's phrases and the comparison a front end lays out.

import { headerPhrase, jsonChangePhrase } from '../../shared/comparison-phrases'
import { regularHeaders } from '../../shared/h2-request'
import { formatBytes } from '../../shared/human-readable'
import type { HttpMessage } from '../../shared/protocol-types'
import { HTTP_REPLAY_PREVIEW } from '../../shared/replay-types'
import type { BodyVerdict, ReadableContent, ResponseComparison } from '../../shared/response-comparison-types'
import { compareBodies, readContent, type ReadContent } from './body-differences'
import { sentSize as sizeOf } from '../decode/body-content'
import type { ComparisonContent } from './comparison-content'
import { compareHeaders } from './header-differences'

/** Header and JSON value phrases a verdict names before it sums up the rest. */
const MAX_HEADER_PHRASES = 10
const MAX_JSON_PHRASES = 5

/** One response as compared: its head, its content (decoded, bounded) read once, and its body's hash on the wire. */
export interface ComparedResponse {
  message: HttpMessage
  content: ComparisonContent
  read: ReadContent
  hash: string
}

export function comparedResponse(message: HttpMessage, content: ComparisonContent, hash: string): ComparedResponse {
  const header = (name: string): string | undefined => message.headers.find((h) => h.name.toLowerCase() === name)?.value
  const grpcEncoding = header('grpc-encoding')
  return { message, content, hash, read: readContent({ bytes: content.bytes, whole: content.whole, type: header('content-type'), ...(grpcEncoding !== undefined ? { grpcEncoding } : {}) }) }
}

/** How the response's content reads, for its result: with the decoded preview when a coding was undone. */
export function readableContent(r: ComparedResponse): ReadableContent {
  const out: ReadableContent = { form: r.read.form, charset: r.read.charset, codings: r.content.codings }
  if (r.content.codings.length > 0) out.bytes = r.content.bytes.slice(0, HTTP_REPLAY_PREVIEW)
  if (r.content.size !== undefined) out.size = r.content.size
  if (r.content.problem !== undefined) out.problem = r.content.problem
  if (r.content.note !== undefined) out.note = r.content.note
  return out
}

/**
 * The comparison of `replayed` with `recorded`, and what differs as phrases: `status 404
 * (recorded 200)`, `header X-Id: "a" → "b"`, `body $.stamp: 1 → 2`. `kept` is the most of
 * a body's content either side kept: past it, bodies are compared as bytes.
 */
export function compareResponses(recorded: ComparedResponse, replayed: ComparedResponse, opts: { ignoreHeaders?: string[]; kept: number }): { differences: string[]; comparison: ResponseComparison } {
  const out: string[] = []
  if (replayed.message.status !== recorded.message.status) out.push(`status ${replayed.message.status} (recorded ${recorded.message.status})`)
  // HTTP/2's pseudo-headers: :status is the status, compared above. Trailers count as the
  // headers they are: gRPC's grpc-status and grpc-message come in them.
  const fields = (m: HttpMessage): HttpMessage['headers'] => [...regularHeaders(m.headers), ...(m.body.trailers ?? [])]
  const headers = compareHeaders(fields(recorded.message), fields(replayed.message), opts.ignoreHeaders)
  const counted = headers.rows.filter((r) => r.change !== 'same' && r.ignored === undefined)
  out.push(...counted.slice(0, MAX_HEADER_PHRASES).map(headerPhrase))
  if (counted.length > MAX_HEADER_PHRASES) out.push(`${counted.length - MAX_HEADER_PHRASES} more headers differ`)
  const body = bodyVerdict(recorded, replayed, opts.kept)
  out.push(...bodyPhrases(body))
  return { differences: out, comparison: { headers, body } }
}

function bodyVerdict(a: ComparedResponse, b: ComparedResponse, kept: number): BodyVerdict {
  const sizes = { recordedSize: sizeOf(a.message), replayedSize: sizeOf(b.message) }
  if (a.hash === b.hash && sizes.recordedSize === sizes.replayedSize) return { kind: 'same', differs: false, ...sizes }
  if (!a.content.whole || !b.content.whole) {
    const v: BodyVerdict = { kind: 'bytes', reason: `a body over ${formatBytes(kept)} is compared as bytes, not by content`, differs: true, ...sizes }
    const note = b.content.note ?? a.content.note
    if (note !== undefined) v.note = note
    return v
  }
  const c = compareBodies(a.read, b.read)
  if (c.kind === 'same') return { ...c, differs: false, ...sizes, note: 'the same content, sent differently (its coding or chunks)' }
  if (c.kind === 'json' && c.changeCount === 0) return { ...c, differs: false, ...sizes, note: 'the same JSON values, written differently' }
  if (c.kind === 'text' && c.lines.hunks.length === 0) return { ...c, differs: false, ...sizes, note: 'the same text, in other bytes' }
  return { ...c, differs: true, ...sizes }
}

/** `body $.stamp: 1 → 2` per JSON value; one phrase for text, binary or bytes: their sizes when they differ, else where. */
function bodyPhrases(v: BodyVerdict): string[] {
  if (!v.differs) return []
  if (v.kind === 'json') {
    const phrases = v.changes.slice(0, MAX_JSON_PHRASES).map(jsonChangePhrase)
    if (v.changeCount > MAX_JSON_PHRASES) phrases.push(`body: ${v.changeCount - MAX_JSON_PHRASES} more JSON values differ`)
    return phrases
  }
  if (v.replayedSize !== v.recordedSize) return [`body ${v.replayedSize} bytes (recorded ${v.recordedSize})`]
  if (v.kind === 'text') return [`body line ${firstChangedLine(v.lines.hunks[0])} differs`]
  if (v.kind === 'binary') return [`body bytes differ from byte ${v.firstDifference}`]
  return [`body bytes (${v.kind === 'bytes' ? v.reason : 'differ'})`]
}

/** The recorded line number of a hunk's first change. */
function firstChangedLine(h: { recordedLine: number; lines: Array<{ change: string }> } | undefined): number {
  if (h === undefined) return 1
  const i = h.lines.findIndex((l) => l.change !== 'same')
  return h.recordedLine + Math.max(0, i)
}
