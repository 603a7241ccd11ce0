// A recorded server's script message by message: what a client sends is cut with the
// connection's framing, and each of its messages is answered with the server messages
// recorded for the client message in the same place (in order: the k-th message the client
// sends gets the k-th recorded one's answers, whatever its length), a greeting first. A
// client that sends nothing for the timeout is answered anyway, as turn by turn. Each
// message is compared with the recorded one by bytes and told by its summary.

import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { MESSAGE_DECODE_BYTES } from '../../shared/message-types'
import type { RecordedClientReport, RecordedClientTurn } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { MessageCutter, type CutMessage } from '../protocols/messages/message-cutter'
import type { MessageScript, Step } from './message-steps'
import { summaryOf } from './message-steps'
import { PlayedClient } from './played-client'
import { RangeHashes } from './recorded-bytes'
import type { ClientScript } from './recorded-script'
import type { ReplayPlan } from './replay-plan'

/** A message the client sent: what the report needs of it. */
interface SentMessage {
  length: number
  hash: string
  summary: string
}

/**
 * A client's bytes from the start of the message the cutter is inside: a cut message's bytes
 * are taken from here (hashed in pieces, its first bytes described), then dropped.
 */
class HeldBytes {
  private chunks: Buffer[] = []
  /** Stream offset of the first held byte. */
  private at = 0

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
  }

  /** The message at [offset, offset + length): its hash and first bytes; everything before its end is let go. */
  take(offset: number, length: number): { hash: string; head: Buffer } {
    const hash = createHash('sha256')
    const head: Buffer[] = []
    let headLength = 0
    let pos = this.at
    const end = offset + length
    let i = 0
    for (; i < this.chunks.length && pos < end; i++) {
      const c = this.chunks[i]
      const from = Math.max(0, offset - pos)
      const to = Math.min(c.length, end - pos)
      if (to > from) {
        const part = c.subarray(from, to)
        hash.update(part)
        if (headLength < MESSAGE_DECODE_BYTES) {
          head.push(part.subarray(0, MESSAGE_DECODE_BYTES - headLength))
          headLength += head[head.length - 1].length
        }
      }
      if (pos + c.length > end) {
        // The chunk holds the next message's first bytes too: kept from there.
        this.chunks[i] = c.subarray(end - pos)
        pos = end
        break
      }
      pos += c.length
    }
    this.chunks = this.chunks.slice(i)
    this.at = pos
    return { hash: hash.digest('hex'), head: Buffer.concat(head, headLength) }
  }

  /** Cutting stopped: nothing more is taken. */
  clear(): void {
    this.chunks = []
  }
}

export class MessageScriptPlayer implements ClientScript {
  /** The recorded client messages' hashes, read once for all clients. */
  private readonly hashes: RangeHashes
  private readonly greeting: Step | undefined
  private readonly steps: Step[]

  constructor(
    private readonly view: CaptureView,
    private readonly connId: number,
    private readonly script: MessageScript,
    private readonly plan: Pick<ReplayPlan, 'serverFin' | 'firstFin'>,
    private readonly reset: boolean,
    private readonly timeoutMs: number
  ) {
    this.hashes = new RangeHashes(view, connId, 'client')
    this.greeting = script.steps[0]?.client === undefined ? script.steps[0] : undefined
    this.steps = script.steps.filter((s) => s.client !== undefined)
  }

  get size(): number {
    return this.steps.length
  }

  get framing(): string {
    return this.script.framing
  }

  refused(client: string, error: string): RecordedClientReport {
    return { client, byMessage: true, played: 0, of: this.steps.length, turns: [], matched: false, error }
  }

  async play(socket: Socket, name: string): Promise<RecordedClientReport> {
    const { codec } = this.script
    const sent: SentMessage[] = []
    const held = new HeldBytes()
    let clientAt = 0
    let serverAt = 0
    let unfit: string | undefined
    // A codec state of its own, fed both directions (a protocol's phase follows the server's answers too).
    const cutter = new MessageCutter(codec, (m: CutMessage) => {
      if (m.dir !== 'client') return
      const { hash, head } = held.take(m.offset, m.length)
      sent.push({ length: m.length, hash, summary: m.error ?? summaryOf(codec, 'client', head, m.note, m.length, m.incomplete !== true) })
    })
    const c = new PlayedClient(socket, (chunk) => {
      if (unfit !== undefined) return
      held.push(chunk)
      cutter.push('client', chunk, clientAt, Date.now())
      clientAt += chunk.length
      const stuck = cutter.pending('client')?.error
      if (stuck !== undefined) {
        unfit = `what it sent stopped fitting the framing (${this.script.framing}) at byte ${clientAt}: ${stuck}`
        held.clear()
      }
    })
    const answer = async (step: Step): Promise<boolean> => {
      for (const a of step.answers) {
        const ok = await c.send(this.view, this.connId, a.range, (bytes) => {
          cutter.push('server', bytes, serverAt, Date.now())
          serverAt += bytes.length
        })
        if (!ok) return false
      }
      return c.open
    }
    let played = 0
    let error: string | undefined
    try {
      if (this.greeting === undefined || (await answer(this.greeting))) {
        for (let k = 0; k < this.steps.length && c.open; k++) {
          await c.wait(() => sent.length > k || c.clientEnded, this.timeoutMs)
          if (!(await answer(this.steps[k]))) break
          played++
        }
        if (played === this.steps.length) await c.endAsRecorded(this.plan, this.reset)
      }
    } catch (err) {
      error = (err as Error).message
      c.socket.destroy()
    }
    await c.closed
    // A message the client was inside when it left counts, cut short.
    if (unfit === undefined) cutter.end('client', Date.now())
    return this.report(sent, name, played, error ?? unfit)
  }

  private async report(sent: SentMessage[], client: string, played: number, error: string | undefined): Promise<RecordedClientReport> {
    const turns = await Promise.all(
      this.steps.map(async (s, k): Promise<RecordedClientTurn> => {
        const recorded = s.client!
        const got = sent[k]
        const t: RecordedClientTurn = { index: recorded.index, expected: recorded.range.length, received: got?.length ?? 0, matched: false, recorded: recorded.summary }
        if (got) {
          t.got = got.summary
          t.matched = got.length === recorded.range.length && got.hash === (await this.hashes.of(recorded.index, recorded.range).catch(() => ''))
        }
        return t
      })
    )
    const extra = Math.max(0, sent.length - this.steps.length)
    const r: RecordedClientReport = { client, byMessage: true, played, of: turns.length, turns, matched: extra === 0 && error === undefined && turns.every((t) => t.matched) }
    if (extra > 0) r.extra = extra
    if (error !== undefined) r.error = error
    return r
  }
}
