// http.delivered.body: a window of a request's or response's body as its receiver got it,
// for `tcpscope show --as delivered`. What a rule or the script delivered instead is read
// from its record by the one reader of those records (export/delivered.ts), and its content
// then goes through the body pipeline exactly as a captured body does (body-content.ts
// readBody, from the record's bytes instead of the file): the same windows, bound and cut
// notes as http.body. A side nothing changed, or whose body went on as sent, is read from
// the capture.

import { UserError } from '../../shared/errors'
import type { BodyPiece, HttpExchange } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { DeliveredConnection } from '../export/delivered'
import { readBody } from './body-content'
import type { BodyQuery } from './decoding'

/** A window of `ex`'s `q.part` as delivered; an error when its receiver got none (a rule reset, dropped or answered it). */
export async function deliveredBody(view: CaptureView, ex: HttpExchange, q: BodyQuery, signal?: AbortSignal): Promise<BodyPiece> {
  const got = await (await DeliveredConnection.open(view, q.connId)).next(ex)
  const msg = q.part === 'request' ? got.exchange.request : got.exchange.response
  if (msg === undefined) {
    const none = q.part === 'request' ? 'has no request' : got.local || ex.response !== undefined ? 'left the client with no response' : 'has no response yet'
    throw new UserError(`exchange ${q.exchange} of connection #${q.connId} ${none}`)
  }
  return readBody(view, q.connId, msg, { decode: q.decode ?? true, offset: q.offset, length: q.length }, signal, undefined, got.delivered.get(msg)?.content)
}
