// A raw connection's conversation as messages, as replay by message and a recorded server
// answering by message both need it: every message (cut as its Messages list cuts it, or by
// the framing given), grouped into steps of one client message and the server messages
// that answer it.

import { MESSAGE_DECODE_BYTES, type StreamMessage } from '../../shared/message-types'
import { MAX_REPLAY_TURNS } from '../../shared/replay-turns'
import type { Direction } from '../../shared/capture-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Messages } from '../decode/messages/messages'
import { framingOf } from '../decode/messages/framing-rules'
import { codecFor } from '../protocols/messages/message-decoders'
import type { MessageCodec, MessageNote } from '../protocols/messages/message-codec'
import { UserError } from '../net/net-errors'

export interface Step {
  /** Absent for what the server sent before any client message (a greeting). */
  client?: StreamMessage
  answers: StreamMessage[]
}

export interface MessageScript {
  /** The framing the connection was cut with (`resp`, `length:size=2`). */
  framing: string
  codec: MessageCodec
  list: StreamMessage[]
  steps: Step[]
}

const PAGE = 500

async function allMessages(view: CaptureView, connId: number, messages: Messages, frame: string | undefined, signal?: AbortSignal): Promise<{ list: StreamMessage[]; framing: string }> {
  const list: StreamMessage[] = []
  let framing = 'none'
  for (let from = 0; ; from += PAGE) {
    const page = await messages.page(view, { connId, from, limit: PAGE, ...(frame !== undefined ? { frame } : {}) }, signal)
    framing = page.framing
    list.push(...page.messages)
    if (list.length > MAX_REPLAY_TURNS) throw new UserError(`connection #${connId} has more than ${MAX_REPLAY_TURNS} messages; replay by message takes at most that many`, 'E2BIG')
    if (page.messages.length === 0 || list.length >= page.total) break
  }
  return { list, framing }
}

/**
 * Each client message with the answers recorded for it: the server messages its codec paired
 * with it (a pipelined burst's replies, each with its own command), else those recorded after
 * it before the next client message (a push, a greeting goes first on its own).
 */
function stepsOf(list: StreamMessage[]): Step[] {
  const steps: Step[] = [{ answers: [] }]
  const byIndex = new Map<number, Step>()
  for (const m of list) {
    if (m.dir === 'client') {
      const step: Step = { client: m, answers: [] }
      steps.push(step)
      byIndex.set(m.index, step)
    }
  }
  for (const m of list) {
    if (m.dir !== 'server') continue
    const paired = m.pair !== undefined ? byIndex.get(m.pair) : undefined
    let owner = paired
    if (!owner) {
      // The client message last sent before it.
      owner = steps[0]
      for (const s of steps) if (s.client && s.client.index < m.index) owner = s
    }
    owner.answers.push(m)
  }
  return steps[0].answers.length === 0 ? steps.slice(1) : steps
}

/** The connection's messages and steps; a one-line error when it is not cut into messages or has no client message. */
export async function messageScript(view: CaptureView, connId: number, messages: Messages, frame: string | undefined, signal?: AbortSignal): Promise<MessageScript> {
  const { list, framing } = await allMessages(view, connId, messages, frame, signal)
  const codec = codecFor(framingOf(framing))
  if (!codec) throw new UserError(`connection #${connId} is not cut into messages (no framing was chosen and no protocol recognised): choose one with "Decode as…" or --frame`, 'EINVAL')
  const steps = stepsOf(list)
  if (!steps.some((s) => s.client)) throw new UserError(`connection #${connId} has no client message to replay`, 'EINVAL')
  return { framing, codec, list, steps }
}

/** A message's summary line; never throws (a decoder's failure is the summary). */
export function summaryOf(codec: MessageCodec, dir: Direction, bytes: Uint8Array, note: MessageNote, length: number, complete = true): string {
  try {
    return codec.describe(dir, bytes.subarray(0, MESSAGE_DECODE_BYTES), note, length, complete).summary
  } catch (err) {
    return `not decoded: ${(err as Error).message}`
  }
}
