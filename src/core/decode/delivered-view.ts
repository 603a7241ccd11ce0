// http.delivered: one exchange as its receivers got it, for the HTTP tab's "as delivered"
// and for replaying a request as the target got it. export/delivered.ts reads the
// connection's `rule` records into the messages delivered (the one reader of those records,
// shared with HAR and curl); here each changed message gets its content, through the same
// bounded pipeline a replay's response goes through (comparison-content.ts), so the views
// show a delivered gzip body decoded as they show a captured one.

import type { DeliveredExchangeFacts, DeliveredPart, DeliveredView } from '../../shared/delivered-types'
import { DELIVERED_PREVIEW } from '../../shared/delivered-types'
import type { HttpExchange, HttpMessage } from '../../shared/protocol-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { DeliveredConnection, type DeliveredExchange, type DeliveredMessage } from '../export/delivered'
import { comparedResponse, readableContent } from '../replay/response-comparison'
import { comparisonContent } from '../replay/comparison-content'
import { readBody } from './body-content'

/** A delivered message with its content; one whose body went on as sent has the sent message's content. */
async function partOf(view: CaptureView, connId: number, d: DeliveredMessage, sent: HttpMessage | undefined, signal?: AbortSignal): Promise<DeliveredPart> {
  const captured = d.content === undefined && sent !== undefined ? await readBody(view, connId, sent, { decode: false, offset: 0, length: MAX_COMPARED_BODY }, signal) : undefined
  const { bytes, whole } = captured !== undefined ? { bytes: captured.bytes, whole: captured.end } : { bytes: d.content ?? new Uint8Array(0), whole: true }
  const content = await comparisonContent(d.message, bytes, whole, signal)
  // Only the head was read from the record: the body is the sent one, and its size is the sent size.
  const message = d.content === undefined && sent !== undefined ? { ...d.message, body: { ...d.message.body, size: sent.body.size, complete: sent.body.complete } } : d.message
  return { message, body: bytes.slice(0, DELIVERED_PREVIEW), content: readableContent(comparedResponse(message, content, '')) }
}

/** Which of `ex`'s messages its receivers got otherwise, read from the records; `noResponse`: the client got none. */
function changedSides(ex: HttpExchange, got: DeliveredExchange): { request?: DeliveredMessage; response?: DeliveredMessage; noResponse: boolean } {
  const request = got.exchange.request !== undefined ? got.delivered.get(got.exchange.request) : undefined
  const response = got.exchange.response !== undefined ? got.delivered.get(got.exchange.response) : undefined
  const noResponse = response === undefined && got.exchange.response === undefined && (ex.response !== undefined || got.local)
  return { ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}), noResponse }
}

/** Exchange `ex` of connection `connId` as delivered: the parts a rule or the script changed, and what they did. */
export async function deliveredView(view: CaptureView, connId: number, ex: HttpExchange, signal?: AbortSignal): Promise<DeliveredView> {
  const conn = await DeliveredConnection.open(view, connId)
  const got = await conn.next(ex)
  const out: DeliveredView = { notes: got.notes, local: got.local }
  const sides = changedSides(ex, got)
  if (sides.request !== undefined) out.request = await partOf(view, connId, sides.request, ex.request, signal)
  if (sides.response !== undefined) out.response = await partOf(view, connId, sides.response, ex.response, signal)
  else if (sides.noResponse) out.noResponse = true
  return out
}

/**
 * Exchanges of connection `connId` (in order) as deliveredView says them, without their
 * content: one walk of the connection's records (as the HAR export as delivered takes them),
 * no body read; what `tcpscope show` marks an exchange changed by. `withExchanges`: each
 * exchange a side of which its receiver got otherwise comes too, as delivered (its messages'
 * heads: `show --as delivered` reads their bodies by http.delivered.body). Without it, a
 * request tcpscope answered in the target's place comes with that answer (`answered`, what
 * the HAR export as sent writes, in its words), which `show` prints as sent on the client's leg.
 */
export async function deliveredFacts(view: CaptureView, connId: number, exchanges: readonly HttpExchange[], signal?: AbortSignal, withExchanges = false): Promise<DeliveredExchangeFacts[]> {
  const conn = await DeliveredConnection.open(view, connId)
  const out: DeliveredExchangeFacts[] = []
  for (const ex of exchanges) {
    if (signal?.aborted) throw new UserError('cancelled', ERROR_CODES.ECANCELED)
    const { delivered: got, answered } = await conn.both(ex)
    const sides = changedSides(ex, got)
    const changed = sides.request !== undefined || sides.response !== undefined || sides.noResponse
    const asSent = withExchanges ? undefined : answered
    out.push({
      notes: asSent?.notes ?? got.notes,
      local: got.local,
      ...(sides.request !== undefined ? { request: true } : {}),
      ...(sides.response !== undefined ? { response: true } : sides.noResponse ? { noResponse: true } : {}),
      ...(withExchanges && changed ? { exchange: got.exchange } : {}),
      ...(asSent !== undefined ? { answered: asSent.exchange } : {})
    })
  }
  return out
}
