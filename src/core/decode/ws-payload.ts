// ws.payload: a window of one WebSocket message's payload, unmasked, joined across frames
// and inflated: a short message's from its preview, a longer one's found by replaying the
// conversation from its upgrade (permessage-deflate's context takeover makes every earlier
// message shape the next).

import { ERROR_CODES, UserError } from '../../shared/errors'
import type { BodyPiece, WsMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { inflateRaw } from '../http/inflate-raw'
import { NOTHING_MORE, WebSocketDecoder, parseWsExtensions } from '../protocols/websocket/ws-decoder'
import type { WsStart } from './exchange-batch'
import { replay } from './replay'

export async function readWsPayload(view: CaptureView, connId: number, ws: WsStart, m: WsMessage, w: { offset: number; length: number }, signal?: AbortSignal): Promise<BodyPiece> {
  const decoded = m.compressed ? ['permessage-deflate'] : []
  // A message no longer than its preview is all there: no replay (most chat messages; an export asks for each).
  if (m.complete && m.size <= m.preview.length) {
    const bytes = m.preview.slice(Math.min(w.offset, m.size), Math.min(m.size, w.offset + w.length))
    return { bytes, offset: w.offset, total: m.size, end: w.offset + bytes.length >= m.size, decoded }
  }
  const start = { client: ws.client, server: ws.server }
  const d = new WebSocketDecoder({ start, deflate: parseWsExtensions(ws.extensions), inflateRaw, keepPayload: { index: m.index, from: w.offset, length: w.length } })
  await replay(view, connId, start, d, () => {
    if (signal?.aborted) throw new UserError('reading the payload was cancelled', ERROR_CODES.ECANCELED)
    return d.wantFrom('client') === NOTHING_MORE && d.wantFrom('server') === NOTHING_MORE
  })
  const kept = d.keptPayload()
  const piece: BodyPiece = { bytes: kept?.bytes ?? new Uint8Array(0), offset: w.offset, end: kept?.end ?? false, decoded }
  if (kept?.total !== undefined) piece.total = kept.total
  if (kept?.problem) piece.problem = kept.problem
  else if (!kept) piece.problem = { message: 'the message could not be found again in the capture', offset: w.offset }
  return piece
}
