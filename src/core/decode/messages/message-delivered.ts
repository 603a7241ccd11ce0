// msg.delivered: a raw connection's message as its receiver got it, where a traffic rule or
// the script acted on it (the Messages tab's "as delivered"). Its `rule` records say so: in
// the message's direction, at its offset (message rules always record where the message
// starts), keeping what was delivered instead: the message rewritten, or the answer a rule
// gave its sender. That is described by the connection's own codec, as the message is. The
// records are the connection's as delivered-acts.ts reads them once for every delivered view,
// and read as the delivered stream reads them (delivered-stream.ts messageFate): the script's
// records (action `script`) change or end a message as a rule's do, and the Messages tab must
// say what the Hex tab's bytes as delivered say.

import type { ConnectionKind } from '../../../shared/capture-types'
import { DELIVERED_PREVIEW, type DeliveredMessageFacts, type DeliveredMessageView } from '../../../shared/delivered-types'
import { MESSAGE_DECODE_BYTES, type StreamMessage } from '../../../shared/message-types'
import type { CaptureView } from '../../capture/query/capture-queries'
import { whoActed } from '../../export/delivered'
import { actBytes, actsByPlace, keptBytes, placeKey, type StreamAct } from '../delivered-acts'
import { messageFate } from '../delivered-stream'
import type { MessageCodec } from '../../protocols/messages/message-codec'

/** What the records on `m` (`places`: the connection's, actsByPlace) did to it, and the record whose kept bytes its receiver got instead. */
export function messageFacts(places: ReadonlyMap<string, readonly StreamAct[]>, m: StreamMessage, kind: ConnectionKind): { facts: DeliveredMessageFacts; last?: StreamAct } {
  const facts: DeliveredMessageFacts = { notes: [], acts: [] }
  if (m.range.length === 0) return { facts }
  const mine = places.get(placeKey(m.dir, m.range.offset)) ?? []
  for (const a of mine) {
    facts.notes.push(whoActed(a.info, a.by))
    facts.acts.push(a.info)
  }
  if (mine.length === 0) return { facts }
  const fate = messageFate(mine, kind)
  if (fate.ended?.effect === 'remove') {
    facts.none = true
    return { facts }
  }
  // A message sent elsewhere (a forward) left no bytes here to show.
  const last = fate.ended?.effect === 'answer' ? fate.ended.by : fate.replacedBy
  if (last === undefined) return { facts }
  if (!keptBytes(last.info)) {
    facts.notKept = last.info.deliveredSize
    return { facts }
  }
  // An answer to a client's message went toward the client; any other kept bytes replaced the message.
  const answer = fate.ended?.effect === 'answer'
  facts.got = { dir: answer ? 'server' : m.dir, answer }
  return { facts, last }
}

export async function deliveredMessage(view: CaptureView, connId: number, m: StreamMessage, codec: MessageCodec, kind: ConnectionKind): Promise<DeliveredMessageView> {
  const { facts, last } = messageFacts(await actsByPlace(view, connId), m, kind)
  const { got, ...rest } = facts
  const out: DeliveredMessageView = rest
  if (last === undefined || got === undefined) return out
  const bytes = await actBytes(view, connId, last)
  const { answer, dir } = got
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
