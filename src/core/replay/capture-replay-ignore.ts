// The ignore rules of a whole-capture replay, for HTTP answers: what legitimately changes
// between two runs of the same server (the Date header, a timestamp in a body) does not
// count: headers are compared by the one header rule (header-differences.ts) with the
// ignored names added, bodies once the ignore-body matches are blanked. Only answers kept
// whole are compared this way (a whole-capture replay keeps up to its per-connection share
// of each, the recorded answer and this run's together): a longer one that differs stays
// different.

import type { ReplayTurn } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { UserRegex } from '../regex/user-regex'
import { compareHeaders } from './header-differences'
import type { StreamRange } from './replay-plan'

export interface IgnoreRules {
  ignoreHeaders?: string[]
  ignoreBody?: UserRegex
}

const CRLF2 = Buffer.from('\r\n\r\n')
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/

/** One HTTP/1 response of an answer: its status line, its headers and its body's bytes as sent. */
interface AnswerPart {
  statusLine: string
  headers: Array<{ name: string; value: string }>
  body: Buffer
}

/**
 * An answer read as HTTP/1 responses one after another: each head, then a body as long as
 * Content-Length says (none for 1xx, 204, 304); a body without a length (chunked, or until
 * close) runs to the end of the answer. What does not start with a status line is a part
 * with no head.
 */
export function splitAnswer(bytes: Buffer): AnswerPart[] {
  const parts: AnswerPart[] = []
  let at = 0
  while (at < bytes.length) {
    const headEnd = bytes.indexOf(CRLF2, at)
    const status = STATUS_LINE.exec(bytes.subarray(at, at + 16).toString('latin1'))
    if (headEnd < 0 || status === null) {
      parts.push({ statusLine: '', headers: [], body: bytes.subarray(at) })
      break
    }
    const [statusLine, ...lines] = bytes.subarray(at, headEnd).toString('latin1').split('\r\n')
    const headers: AnswerPart['headers'] = []
    let length: number | undefined
    let chunked = false
    for (const l of lines) {
      const colon = l.indexOf(':')
      if (colon < 0) continue
      const h = { name: l.slice(0, colon).trim(), value: l.slice(colon + 1).trim() }
      headers.push(h)
      const name = h.name.toLowerCase()
      if (name === 'content-length' && /^\d+$/.test(h.value)) length = Number(h.value)
      if (name === 'transfer-encoding' && /chunked/i.test(h.value)) chunked = true
    }
    at = headEnd + CRLF2.length
    const code = Number(status[1])
    const bodyLength = code < 200 || code === 204 || code === 304 ? 0 : chunked ? undefined : length
    const bodyEnd = bodyLength === undefined ? bytes.length : Math.min(bytes.length, at + bodyLength)
    parts.push({ statusLine, headers, body: bytes.subarray(at, bodyEnd) })
    at = bodyEnd
  }
  return parts
}

/** A body's bytes (latin1: one character a byte) with the ignore-body matches taken out. */
function blankBody(part: Buffer, body: UserRegex | undefined): string {
  if (body === undefined || part.length === 0) return part.toString('latin1')
  let out = ''
  let from = 0
  for (const m of body.all(part)) {
    out += part.subarray(from, m.start).toString('latin1')
    from = m.end
  }
  return out + part.subarray(from).toString('latin1')
}

/**
 * Two answers say the same under the rules: as many responses, each with the same status
 * line, headers that do not differ by the one header rule (header-differences.ts: by name,
 * order a note, Date, Age, Expires and the ignored names not counted), and bodies the same
 * once the ignore-body matches are taken out.
 */
export function answersMatch(recorded: Buffer, replayed: Buffer, rules: IgnoreRules): boolean {
  const a = splitAnswer(recorded)
  const b = splitAnswer(replayed)
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]
      return x.statusLine === y.statusLine && compareHeaders(x.headers, y.headers, rules.ignoreHeaders).differing === 0 && blankBody(x.body, rules.ignoreBody) === blankBody(y.body, rules.ignoreBody)
    })
  )
}

/** A Buffer over the same bytes, not a copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Whether a differing answer matches the recorded one once the ignore rules are applied.
 * `keep`: the most the replay kept of its answers (raw replay's keepTotal and keepPerTurn);
 * `free`: how much of that the result left unused, the most the recorded answer is read
 * again into when the result does not carry it whole.
 */
export async function httpAnswersMatch(view: CaptureView, connId: number, recorded: StreamRange, turn: ReplayTurn, rules: IgnoreRules, keep: number, free: number): Promise<boolean> {
  if (turn.bytes.length < turn.received || recorded.length > keep) return false
  // The result carries the recorded answer's start: read it again only when that is not all of it.
  let want: Buffer
  if (turn.recordedBytes.length === recorded.length) want = asBuffer(turn.recordedBytes)
  else if (recorded.length > free) return false
  else want = await view.readBytes(connId, 'server', recorded.offset, recorded.length)
  return answersMatch(want, asBuffer(turn.bytes), rules)
}
