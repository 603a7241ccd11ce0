// http.delivered: one exchange as its receivers got it, for the HTTP tab's "as delivered"
// and for replaying a request as the target got it. export/delivered.ts reads the
// connection's `rule` records into the messages delivered (the one reader of those records,
// shared with HAR and curl); here each changed message gets its content, through the same
// bounded pipeline a replay's response goes through (comparison-content.ts), so the views
// show a delivered gzip body decoded as they show a captured one.

import type { DeliveredPart, DeliveredView } from '../../shared/delivered-types'
import { DELIVERED_PREVIEW } from '../../shared/delivered-types'
import type { HttpExchange, HttpMessage } from '../../shared/protocol-types'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { DeliveredConnection, type DeliveredMessage } from '../export/delivered'
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

/** Exchange `ex` of connection `connId` as delivered: the parts a rule or the script changed, and what they did. */
export async function deliveredView(view: CaptureView, connId: number, ex: HttpExchange, signal?: AbortSignal): Promise<DeliveredView> {
  const conn = await DeliveredConnection.open(view, connId)
  const got = await conn.next(ex)
  const out: DeliveredView = { notes: got.notes, local: got.local }
  const req = got.exchange.request !== undefined ? got.delivered.get(got.exchange.request) : undefined
  if (req !== undefined) out.request = await partOf(view, connId, req, ex.request, signal)
  const res = got.exchange.response !== undefined ? got.delivered.get(got.exchange.response) : undefined
  if (res !== undefined) out.response = await partOf(view, connId, res, ex.response, signal)
  else if (got.exchange.response === undefined && (ex.response !== undefined || got.local)) out.noResponse = true
  return out
}
