// Replay by message: a raw connection's client messages (cut as its Messages list cuts
// them) sent one at a time, each once the server's answer messages recorded after it have
// come (as many as were recorded, cut from what the target sends with the same codec), and
// the answers compared message by message: summary and bytes. An edited message has its
// lengths refit by the codec (a length prefix, RESP's bulk lengths).

import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import type { StreamMessage } from '../../shared/message-types'
import type { MessageAnswer, MessageReplayResult, MessageReplayStep } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Messages } from '../decode/messages/messages'
import type { MessageCodec } from '../protocols/messages/message-codec'
import { MessageCutter, type CutMessage } from '../protocols/messages/message-cutter'
import { messageScript, summaryOf } from './message-steps'
import { UserError, cancelled } from '../net/net-errors'
import { connectReplay, ReplayLink, type RawReplayOptions } from './raw-replay'

export interface MessageEdit {
  /** The message's index in the connection's messages (from 0). */
  message: number
  bytes: Uint8Array
}

export interface MessageReplayOptions extends Pick<RawReplayOptions, 'target' | 'timeoutMs' | 'connectTimeoutMs' | 'signal' | 'record' | 'tls'> {
  frame?: string
  edits?: readonly MessageEdit[]
  /** Default true: an edit's lengths are refit by the framing. */
  fixLength?: boolean
}

/** The server's answer bytes kept to compare and describe, at most; past it, answers are counted and their sizes told. */
const KEPT_ANSWERS = 64 * 1024 * 1024

function editsOf(list: StreamMessage[], codec: MessageCodec, connId: number, opts: MessageReplayOptions): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  for (const e of opts.edits ?? []) {
    const m = list[e.message]
    if (m === undefined) throw new UserError(`cannot edit message ${e.message + 1}: connection #${connId} has ${list.length} message${list.length === 1 ? '' : 's'}`, 'EINVAL')
    if (m.dir !== 'client') throw new UserError(`cannot edit message ${e.message + 1} of connection #${connId}: the server sent it (replay sends the client's messages)`, 'EINVAL')
    if (out.has(e.message)) throw new UserError(`message ${e.message + 1} is edited twice`, 'EINVAL')
    let bytes: Uint8Array | { error: string } = e.bytes
    if (opts.fixLength !== false && codec.refit) bytes = codec.refit('client', e.bytes)
    if (!(bytes instanceof Uint8Array)) throw new UserError(`message ${e.message + 1}'s edit: ${bytes.error}`, 'EINVAL')
    out.set(e.message, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  }
  return out
}

export async function replayByMessage(view: CaptureView, connId: number, messages: Messages, opts: MessageReplayOptions): Promise<MessageReplayResult> {
  const signal = opts.signal
  const { list, framing, codec, steps } = await messageScript(view, connId, messages, opts.frame, signal)
  const edits = editsOf(list, codec, connId, opts)
  if (signal?.aborted) throw cancelled()

  const { socket, rec, where } = await connectReplay(opts)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS
  const link = new ReplayLink(socket, rec, opts.record?.hold, signal, timeoutMs)
  // What came back, cut with a codec state of its own fed both directions (a reply is paired with what was sent).
  const got: CutMessage[] = []
  const cutter = new MessageCutter(codec, (m) => m.dir === 'server' && got.push(m), {}, true)
  const kept: Buffer[] = []
  let keptBytes = 0
  let serverAt = 0
  let clientAt = 0
  link.onData = (chunk) => {
    if (keptBytes + chunk.length <= KEPT_ANSWERS) {
      kept.push(chunk)
      keptBytes += chunk.length
    }
    cutter.push('server', chunk, serverAt, Date.now())
    serverAt += chunk.length
  }
  const starts: number[] = []
  const sent: Array<{ summary: string; size: number; edited?: boolean } | undefined> = []
  try {
    let expected = 0
    for (const step of steps) {
      if (!link.open || link.stalled) break
      starts.push(got.length)
      if (step.client) {
        const edited = edits.get(step.client.index)
        const bytes = edited ?? Buffer.from(await view.readBytes(connId, 'client', step.client.range.offset, step.client.range.length))
        cutter.push('client', bytes, clientAt, Date.now())
        clientAt += bytes.length
        const ok = await link.write(bytes)
        sent.push(ok ? { summary: edited ? summaryOf(codec, 'client', bytes, {}, bytes.length) : step.client.summary, size: bytes.length, ...(edited ? { edited: true } : {}) } : undefined)
      } else sent.push(undefined)
      expected += step.answers.length
      const want = expected
      if (step.answers.length > 0) await link.wait(() => got.length >= want || link.serverEnded, timeoutMs)
      if (signal?.aborted) throw cancelled()
    }
  } finally {
    await link.close(signal?.aborted ? 'stopped' : 'closed')
  }
  cutter.end('server', Date.now())

  const received = keptBytes > 0 ? Buffer.concat(kept, keptBytes) : Buffer.alloc(0)
  const out: MessageReplayStep[] = []
  for (const [i, step] of steps.entries()) {
    // A step never reached (the target closed first) got nothing.
    const mine = i < starts.length ? got.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : got.length) : []
    const answers: MessageAnswer[] = []
    for (let j = 0; j < Math.max(mine.length, step.answers.length); j++) {
      const r = step.answers[j]
      const g = mine[j]
      const answer: MessageAnswer = { matched: false }
      let recorded: Buffer | undefined
      if (r) {
        answer.recorded = { summary: r.summary, size: r.range.length }
        recorded = Buffer.from(await view.readBytes(connId, 'server', r.range.offset, r.range.length))
      }
      if (g) {
        const bytes = g.offset + g.length <= received.length ? received.subarray(g.offset, g.offset + g.length) : undefined
        answer.got = { summary: bytes ? summaryOf(codec, 'server', bytes, g.note, g.length, g.incomplete !== true) : `(${g.length} bytes, not kept)`, size: g.length }
        answer.matched = recorded !== undefined && bytes !== undefined && recorded.equals(bytes)
      }
      answers.push(answer)
    }
    const s: MessageReplayStep = { answers, matched: answers.every((a) => a.matched) }
    if (step.client) s.message = step.client.index
    const what = sent[i]
    if (what) s.sent = what
    out.push(s)
  }
  const result: MessageReplayResult = { target: where, framing, steps: out, matched: out.filter((s) => s.matched).length, of: out.length, end: link.ending }
  if (rec) result.connId = rec.id
  return result
}
