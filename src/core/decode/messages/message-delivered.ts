// msg.delivered: a raw connection's message as its receiver got it, where a traffic rule or
// the script acted on it (the Messages tab's "as delivered"). Its `rule` records say so: in
// the message's direction, at its offset (message rules always record where the message
// starts), keeping what was delivered instead: the message rewritten, or the answer a rule
// gave its sender. That is described by the connection's own codec, as the message is. The
// records are the connection's as delivered-acts.ts reads them once for every delivered view.

import type { Direction } from '../../../shared/capture-types'
import { DELIVERED_PREVIEW, type DeliveredMessageView } from '../../../shared/delivered-types'
import { MESSAGE_DECODE_BYTES, type StreamMessage } from '../../../shared/message-types'
import type { RuleEventInfo } from '../../../shared/rules/rule-types'
import type { CaptureView } from '../../capture/query/capture-queries'
import { whoActed } from '../../export/delivered'
import { actBytes, connActs, keptBytes, type StreamAct } from '../delivered-acts'
import type { MessageCodec } from '../../protocols/messages/message-codec'

/** Actions after which the receiver got nothing. */
const ENDED: ReadonlySet<RuleEventInfo['action']> = new Set(['drop', 'timeout', 'close', 'reset'])

export async function deliveredMessage(view: CaptureView, connId: number, m: StreamMessage, codec: MessageCodec): Promise<DeliveredMessageView> {
  const out: DeliveredMessageView = { notes: [], acts: [] }
  if (m.range.length === 0) return out
  let last: StreamAct | undefined
  for (const a of (await connActs(view, connId)).acts) {
    if (a.dir !== m.dir || a.offset !== m.range.offset) continue
    out.notes.push(whoActed(a.info, a.by))
    out.acts.push(a.info)
    if (ENDED.has(a.info.action)) out.none = true
    if ((a.info.action === 'rewrite' || a.info.action === 'respond') && a.info.deliveredSize !== undefined) last = a
  }
  if (last === undefined) return out
  if (!keptBytes(last.info)) {
    out.notKept = last.info.deliveredSize
    return out
  }
  const bytes = await actBytes(view, connId, last)
  // A rule answering a client's message answers it toward the client; one acting on a server's message replaces it.
  const answer = last.info.action === 'respond' && m.dir === 'client'
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
