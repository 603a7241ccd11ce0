// The ignore rules of a whole-capture replay, for HTTP answers: what legitimately changes
// between two runs of the same server (the Date header, a timestamp in a body) is blanked in
// both the recorded and the received answer before they are compared. Only answers kept
// whole are compared this way (raw replay keeps REPLAY_KEPT_PER_TURN bytes of each): a
// longer one that differs stays different.

import { REPLAY_KEPT_PER_TURN, VOLATILE_RESPONSE_HEADERS, type ReplayTurn } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { UserRegex } from '../regex/user-regex'
import type { StreamRange } from './replay-plan'


export interface IgnoreRules {
  ignoreHeaders?: string[]
  ignoreBody?: UserRegex
}

const CRLF2 = Buffer.from('\r\n\r\n')
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/

/**
 * An answer's text (latin1: one character a byte) with ignored header values and body
 * matches removed. The answer is read as HTTP/1 responses one after another: each head,
 * then a body as long as Content-Length says (none for 1xx, 204, 304); a body without a
 * length (chunked, or until close) runs to the end of the answer.
 */
export function normalizeAnswer(bytes: Buffer, headers: Set<string>, body: UserRegex | undefined): string {
  let out = ''
  let at = 0
  while (at < bytes.length) {
    const headEnd = bytes.indexOf(CRLF2, at)
    const status = STATUS_LINE.exec(bytes.subarray(at, at + 16).toString('latin1'))
    if (headEnd < 0 || status === null) {
      out += blankBody(bytes.subarray(at), body)
      break
    }
    const lines = bytes.subarray(at, headEnd).toString('latin1').split('\r\n')
    let length: number | undefined
    let chunked = false
    for (const [i, l] of lines.entries()) {
      const colon = l.indexOf(':')
      if (i === 0 || colon < 0) continue
      const name = l.slice(0, colon).trim().toLowerCase()
      const value = l.slice(colon + 1).trim()
      if (name === 'content-length' && /^\d+$/.test(value)) length = Number(value)
      if (name === 'transfer-encoding' && /chunked/i.test(value)) chunked = true
      if (headers.has(name)) lines[i] = l.slice(0, colon + 1)
    }
    out += lines.join('\r\n') + '\r\n\r\n'
    at = headEnd + CRLF2.length
    const code = Number(status[1])
    const bodyLength = code < 200 || code === 204 || code === 304 ? 0 : chunked ? undefined : length
    const bodyEnd = bodyLength === undefined ? bytes.length : Math.min(bytes.length, at + bodyLength)
    out += blankBody(bytes.subarray(at, bodyEnd), body)
    at = bodyEnd
  }
  return out
}

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

/** Whether a differing answer matches the recorded one once the ignore rules are applied. */
export async function httpAnswersMatch(view: CaptureView, connId: number, recorded: StreamRange, turn: ReplayTurn, rules: IgnoreRules): Promise<boolean> {
  const got = Buffer.from(turn.bytes)
  if (got.length < turn.received || recorded.length > REPLAY_KEPT_PER_TURN) return false
  // The result carries the recorded answer's start: read it again only when that is not all of it.
  const want = turn.recordedBytes.length === recorded.length ? Buffer.from(turn.recordedBytes) : await view.readBytes(connId, 'server', recorded.offset, recorded.length)
  const headers = new Set([...VOLATILE_RESPONSE_HEADERS, ...(rules.ignoreHeaders ?? []).map((h) => h.trim().toLowerCase())])
  return normalizeAnswer(want, headers, rules.ignoreBody) === normalizeAnswer(got, headers, rules.ignoreBody)
}
