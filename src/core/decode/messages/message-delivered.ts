// msg.delivered: a raw connection's message as its receiver got it, where a traffic rule or
// the script acted on it (the Messages tab's "as delivered"). Its `rule` records say so: in
// the message's direction, at its offset (message rules always record where the message
// starts), keeping what was delivered instead: the message rewritten, or the answer a rule
// gave its sender. That is described by the connection's own codec, as the message is.
//
// The records are looked for after the chunk that holds the message's last byte, where the
// rule wrote them once it had the whole message: a window of events, not the connection's
// every event (a long redis connection has millions), so a record written past the window
// (a message held that long behind others) is not found, and the view says nothing changed.

import type { Direction } from '../../../shared/capture-types'
import { DELIVERED_PREVIEW, type DeliveredMessageView } from '../../../shared/delivered-types'
import { MESSAGE_DECODE_BYTES, type StreamMessage } from '../../../shared/message-types'
import type { RuleEventInfo } from '../../../shared/rules/rule-types'
import type { CaptureView } from '../../capture/query/capture-queries'
import { whoActed } from '../../export/delivered'
import type { MessageCodec } from '../../protocols/messages/message-codec'

/** Events read after the message's last chunk for its rule records. */
export const RECORD_WINDOW = 500

/** Actions after which the receiver got nothing. */
const ENDED: ReadonlySet<RuleEventInfo['action']> = new Set(['drop', 'timeout', 'close', 'reset'])

export async function deliveredMessage(view: CaptureView, connId: number, m: StreamMessage, codec: MessageCodec): Promise<DeliveredMessageView> {
  const out: DeliveredMessageView = { notes: [], acts: [] }
  if (m.range.length === 0) return out
  const k = await view.locate(connId, m.dir, m.range.offset + m.range.length - 1)
  if (k < 0) return out
  const page = await view.eventPage(connId, k, RECORD_WINDOW)
  let last: RuleEventInfo | undefined
  for (const e of page.events) {
    if (e.kind !== 'rule' || e.dir !== m.dir || e.info === undefined) continue
    const info = e.info as unknown as RuleEventInfo
    if (info.offset !== m.range.offset) continue
    out.notes.push(whoActed(info))
    const { delivered: _kept, ...act } = info
    out.acts.push(act)
    if (ENDED.has(info.action)) out.none = true
    if ((info.action === 'rewrite' || info.action === 'respond') && info.deliveredSize !== undefined) last = info
  }
  if (last === undefined) return out
  if (last.delivered === undefined) {
    out.notKept = last.deliveredSize
    return out
  }
  const bytes = Buffer.from(last.delivered, 'base64')
  // A rule answering a client's message answers it toward the client; one acting on a server's message replaces it.
  const answer = last.action === 'respond' && m.dir === 'client'
  const dir: Direction = answer ? 'server' : m.dir
  let d
  try {
    d = codec.describe(dir, bytes.subarray(0, MESSAGE_DECODE_BYTES), {}, bytes.length, true)
  } catch (err) {
    d = { summary: `not decoded: ${(err as Error).message}`, fields: [] }
  }
  out.got = { dir, answer, summary: d.summary, fields: d.fields, bytes: bytes.subarray(0, DELIVERED_PREVIEW), size: bytes.length }
  if (d.fieldsCut === true || bytes.length > MESSAGE_DECODE_BYTES) out.got.fieldsCut = true
  return out
}
