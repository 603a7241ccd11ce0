// A response in a replay's result (the recorded one, or the one the replay got) as the HTTP
// viewers take a message: its status line and headers, and its body held in the result,
// as sent and, when the engine undid a content coding, decoded.

import type { BodyFraming } from '../../../../../shared/protocol-types'
import type { HttpReplayResponse } from '../../../../../shared/replay-types'
import { heldBody } from '../../http/held-body'
import type { BodyHandle, ShownMessage } from '../../http/shown-message'

export const statusLine = (r: HttpReplayResponse): string => `${r.version} ${r.status} ${r.reason}`.trimEnd()

/** How the body was framed, as its headers say (the result does not keep the framing itself). */
function framingOf(r: HttpReplayResponse): BodyFraming {
  const has = (name: string, value?: RegExp): boolean => r.headers.some((h) => h.name.toLowerCase() === name && (value === undefined || value.test(h.value)))
  if (has('transfer-encoding', /chunked/i)) return 'chunked'
  if (r.bodySize === 0 && r.complete) return 'none'
  return has('content-length') ? 'length' : 'close'
}

export function replayedMessage(r: HttpReplayResponse): { message: ShownMessage; body: BodyHandle } {
  const message: ShownMessage = { startLine: statusLine(r), headers: r.headers, body: { framing: framingOf(r), size: r.bodySize, complete: r.complete } }
  const sent = { bytes: r.body, size: r.bodySize, decoded: [] }
  const c = r.content
  if (c === undefined || c.codings.length === 0 || c.bytes === undefined) return { message, body: heldBody(sent) }
  return { message, body: heldBody(sent, { bytes: c.bytes, size: c.size, decoded: c.codings, problem: c.problem, note: c.note }) }
}
