// A message as its receiver got it (http.delivered), as the HTTP viewers take a message:
// its start line and headers, its body held in the answer, as delivered and, when a content
// coding was undone, decoded. Its ranges are in the delivered bytes, not the capture, so it
// is linked to no bytes.

import type { DeliveredPart } from '../../../../shared/delivered-types'
import { heldBody } from '../http/held-body'
import type { BodyHandle, ShownMessage } from '../http/shown-message'

export function deliveredMessage(part: DeliveredPart): { message: ShownMessage; body: BodyHandle } {
  const m = part.message
  const message: ShownMessage = {
    version: m.version,
    startLine: m.startLine,
    startedAt: m.startedAt,
    headers: m.headers.map((h) => ({ name: h.name, value: h.value })),
    body: { framing: m.body.framing, size: m.body.size, complete: m.body.complete, ...(m.body.trailers ? { trailers: m.body.trailers.map((h) => ({ name: h.name, value: h.value })) } : {}) }
  }
  const sent = { bytes: part.body, size: m.body.size, decoded: [] }
  const c = part.content
  if (c.codings.length === 0 || c.bytes === undefined) return { message, body: heldBody(sent) }
  return { message, body: heldBody(sent, { bytes: c.bytes, size: c.size, decoded: c.codings, problem: c.problem, note: c.note }) }
}
