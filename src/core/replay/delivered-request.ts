// A replay "as delivered": the request as the target got it after the proxy's rules or
// script changed it, read from the connection's `rule` records (export/delivered.ts, the
// one reader of them, as curl's export uses), then sent as an edited request is: HTTP/1 as
// the bytes delivered, HTTP/2 in its text form (a header block is not bytes to resend).
// A request no rule changed is the one sent; one that never reached the target has nothing
// delivered to replay, and says so.

import { UserError } from '../../shared/errors'
import { isH2 } from '../../shared/h2-request'
import { h2RequestText } from '../../shared/h2-request-edit'
import type { HttpMessage } from '../../shared/protocol-types'
import { MAX_EDITED_REQUEST } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { readBody } from '../decode/body-content'
import type { Decoding } from '../decode/decoding'
import { requestAsDelivered, ruleActs } from '../export/delivered'

/** Exchange `exchange` (from 0)'s request as delivered, as an edited request's bytes; undefined when it went on as the client sent it. */
export async function deliveredRequest(view: CaptureView, decoding: Decoding, connId: number, exchange: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
  const page = await decoding.exchanges(view, connId, exchange, 1)
  const ex = page.exchanges[0]
  if (ex?.request === undefined) return undefined
  const got = await requestAsDelivered(await ruleActs(view, connId), ex)
  if (got.local) {
    const why = got.notes[0] !== undefined ? ` (${got.notes[0]})` : ''
    throw new UserError(`the request of exchange ${exchange + 1} of connection #${connId} never reached the target${why}: there is nothing delivered to replay; replay it as the client sent it`, 'EINVAL')
  }
  const d = got.request !== undefined ? got.delivered.get(got.request) : undefined
  if (d === undefined) return undefined
  if (!isH2(d.message)) return d.bytes
  const body = d.content ?? (await capturedBody(view, connId, ex.request, signal))
  return h2RequestText(
    d.message.headers.map((h) => ({ name: h.name, value: h.value })),
    body
  )
}

/** The captured request's content (its body went on as sent), refused past what an edited request may carry. */
async function capturedBody(view: CaptureView, connId: number, msg: HttpMessage, signal?: AbortSignal): Promise<Uint8Array> {
  const piece = await readBody(view, connId, msg, { decode: false, offset: 0, length: MAX_EDITED_REQUEST }, signal)
  if (!piece.end) throw new UserError(`the delivered request's body is over the ${MAX_EDITED_REQUEST} bytes an edited request may carry: replay it as the client sent it`, 'EINVAL')
  return piece.bytes
}
