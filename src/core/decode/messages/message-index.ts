// One connection's messages as cut so far, in columns: a pipelined redis conversation of a
// million commands keeps about forty bytes a message, not an object each. What a message
// says (its summary and fields) is not kept: it is described again from its bytes when a
// page is asked for. The index follows a live connection: each read feeds it the records
// recorded since the last.

import type { Direction } from '../../../shared/capture-types'
import type { StreamMessage } from '../../../shared/message-types'
import type { CaptureView } from '../../capture/query/capture-queries'
import type { Described, MessageCodec, MessageNote } from '../../protocols/messages/message-codec'
import { MessageCutter, type CutMessage } from '../../protocols/messages/message-cutter'
import { replay } from '../replay'
import { grown } from '../message-list'

/** Messages one connection's index keeps at most (about 90 MB of columns); past it the list says it stops there. */
export const MAX_INDEXED_MESSAGES = 2_000_000

const F_SERVER = 1
const F_ERROR = 2
const F_INCOMPLETE = 4


export class MessageIndex {
  size = 0
  /** The list stopped at MAX_INDEXED_MESSAGES. */
  full = false
  private flags = new Uint8Array(64)
  /** offset, length, time, endedAt */
  private nums = new Float64Array(64 * 4)
  /** The message it answers, or -1. */
  private pairs = new Int32Array(64)
  /** Its command's id in `names` (0: none). */
  private commands = new Uint32Array(64)
  private readonly names: string[] = ['']
  private readonly nameIds = new Map<string, number>()
  private readonly contexts = new Map<number, unknown>()
  private readonly errors = new Map<number, string>()
  private readonly cutter: MessageCutter
  private ended: Record<Direction, boolean> = { client: false, server: false }
  /** Set while a direction whose cutting stopped ends: the rest of its stream comes out then, but is put in its place. */
  private placing = false
  /** Where such messages went (`at`) and how many messages the cutter had cut before (`count`): the codec's numbers (a note's pair) name messages as it cut them. */
  private readonly placed: Array<{ at: number; count: number }> = []
  private busy: Promise<void> = Promise.resolve()

  constructor(
    readonly codec: MessageCodec,
    /** The framing as `--frame` takes it. */
    readonly framing: string
  ) {
    this.cutter = new MessageCutter(codec, (m) => this.put(m))
  }

  /** Feeds the records recorded since the last call (one at a time: reads of one index queue). */
  follow(view: CaptureView, connId: number, signal?: AbortSignal): Promise<void> {
    const run = this.busy.then(async () => {
      const s = await view.connection(connId)
      if (!s) return
      const have = { client: this.cutter.wantFrom('client'), server: this.cutter.wantFrom('server') }
      const recorded = s.recorded ?? s.bytes
      if (have.client < recorded.client || have.server < recorded.server) {
        await replay(view, connId, have, this.feeder(), () => signal?.aborted === true || this.full)
      }
      // Every byte fed: a connection that ended ends its streams (a message cut short is whole as it is).
      if (s.end !== 'open' && !signal?.aborted) {
        const at = s.closedAt ?? s.openedAt
        for (const dir of ['client', 'server'] as const) {
          if (!this.ended[dir] && this.cutter.wantFrom(dir) >= recorded[dir]) {
            this.ended[dir] = true
            this.end(dir, at)
          }
        }
      }
    })
    this.busy = run.catch(() => undefined)
    return run
  }

  private feeder(): Parameters<typeof replay>[3] {
    return {
      push: (dir, bytes, offset, time) => {
        if (!this.full) this.cutter.push(dir, bytes, offset, time)
      },
      end: (dir, time) => {
        if (this.ended[dir]) return
        this.ended[dir] = true
        this.end(dir, time)
      },
      wantFrom: (dir) => this.cutter.wantFrom(dir),
      // A command a rule answered never reached the target: the target's answers pair with the others.
      answered: (offset) => this.cutter.answered(offset)
    }
  }

  /**
   * Ends a direction's stream. One whose cutting stopped (frame() threw, a framing that cannot
   * go on) has its rest as one message in error, cut only now: it is put where its first
   * byte's time places it, not after the messages the other direction had meanwhile.
   */
  private end(dir: Direction, time: number): void {
    this.placing = this.cutter.pending(dir)?.error !== undefined
    try {
      this.cutter.end(dir, time)
    } finally {
      this.placing = false
    }
  }

  /** The index of the message the cutter numbered `k`. */
  private indexOf(k: number): number {
    let i = k
    for (const p of this.placed) {
      if (k === p.count) i = p.at
      else if (k < p.count && i >= p.at) i++
    }
    return i
  }

  private put(m: CutMessage): void {
    if (this.size >= MAX_INDEXED_MESSAGES) {
      this.full = true
      return
    }
    if (this.placing) this.putInPlace(m)
    else this.append(m)
  }

  private append(m: CutMessage): void {
    const i = this.size++
    this.flags = grown(this.flags, this.size, (n) => new Uint8Array(n))
    this.nums = grown(this.nums, this.size * 4, (n) => new Float64Array(n))
    this.pairs = grown(this.pairs, this.size, (n) => new Int32Array(n))
    this.commands = grown(this.commands, this.size, (n) => new Uint32Array(n))
    this.flags[i] = (m.dir === 'server' ? F_SERVER : 0) | (m.error !== undefined ? F_ERROR : 0) | (m.incomplete ? F_INCOMPLETE : 0)
    const at = i * 4
    this.nums[at] = m.offset
    this.nums[at + 1] = m.length
    this.nums[at + 2] = m.time
    this.nums[at + 3] = m.endedAt
    const pair = m.note.pair === undefined || m.note.pair < 0 ? undefined : this.indexOf(m.note.pair)
    this.pairs[i] = pair !== undefined && pair < i ? pair : -1
    // The message answered learns its answer (the first one: a SUBSCRIBE's confirmations all point back to it).
    if (this.pairs[i] >= 0 && this.pairs[pair!] < 0) this.pairs[pair!] = i
    this.commands[i] = m.note.command === undefined ? 0 : this.nameId(m.note.command)
    if (m.note.context !== undefined) this.contexts.set(i, m.note.context)
    if (m.error !== undefined) this.errors.set(i, m.error)
  }

  /** `m` put after the last message that started no later than it, those after moved up one. */
  private putInPlace(m: CutMessage): void {
    let at = this.size
    while (at > 0 && this.nums[(at - 1) * 4 + 2] > m.time) at--
    const count = this.size
    this.append({ ...m, note: {} })
    if (at === count) return
    const last = this.size - 1
    const flag = this.flags[last]
    const nums = this.nums.slice(last * 4, last * 4 + 4)
    this.flags.copyWithin(at + 1, at, last)
    this.nums.copyWithin((at + 1) * 4, at * 4, last * 4)
    this.pairs.copyWithin(at + 1, at, last)
    this.commands.copyWithin(at + 1, at, last)
    this.flags[at] = flag
    this.nums.set(nums, at * 4)
    this.pairs[at] = -1
    this.commands[at] = 0
    for (let i = 0; i < this.size; i++) if (this.pairs[i] >= at) this.pairs[i]++
    for (const map of [this.contexts, this.errors] as Map<number, unknown>[]) {
      const moved = [...map].map(([i, v]): [number, unknown] => [i >= at && i < last ? i + 1 : i === last ? at : i, v])
      map.clear()
      for (const [i, v] of moved) map.set(i, v)
    }
    this.placed.push({ at, count })
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name)
    if (id === undefined) {
      id = this.names.length
      this.names.push(name)
      this.nameIds.set(name, id)
    }
    return id
  }

  dir(i: number): Direction {
    return this.flags[i] & F_SERVER ? 'server' : 'client'
  }
  offset(i: number): number {
    return this.nums[i * 4]
  }
  length(i: number): number {
    return this.nums[i * 4 + 1]
  }
  command(i: number): string | undefined {
    return this.commands[i] ? this.names[this.commands[i]] : undefined
  }
  note(i: number): MessageNote {
    const note: MessageNote = {}
    const command = this.command(i)
    if (command !== undefined) note.command = command
    if (this.pairs[i] >= 0 && this.pairs[i] < i) note.pair = this.pairs[i]
    const context = this.contexts.get(i)
    if (context !== undefined) note.context = context
    return note
  }

  /** One of its messages for a person, by the codec's state of this connection (MessageCutter.describe). */
  describe(dir: Direction, msg: Uint8Array, note: MessageNote, length: number, complete: boolean): Described {
    return this.cutter.describe(dir, msg, note, length, complete)
  }

  /** Message `i` as lists show it, before it is described (summary empty). */
  get(i: number): StreamMessage {
    const dir = this.dir(i)
    const at = i * 4
    const m: StreamMessage = {
      index: i,
      dir,
      protocol: this.codec.name,
      range: { dir, offset: this.nums[at], length: this.nums[at + 1] },
      time: this.nums[at + 2],
      endedAt: this.nums[at + 3],
      summary: ''
    }
    const command = this.command(i)
    if (command !== undefined) m.command = command
    if (this.pairs[i] >= 0) m.pair = this.pairs[i]
    const error = this.errors.get(i)
    if (error !== undefined) m.error = error
    if (this.flags[i] & F_INCOMPLETE) m.incomplete = true
    return m
  }

  /** The messages each direction is inside now (a live connection's last bytes), as incomplete ones after the rest. */
  pending(): StreamMessage[] {
    const out: StreamMessage[] = []
    for (const dir of ['client', 'server'] as const) {
      const p = this.cutter.pending(dir)
      if (!p) continue
      out.push({ index: this.size + out.length, dir, protocol: this.codec.name, range: { dir, offset: p.offset, length: p.length }, time: p.time, summary: '', incomplete: true, ...(p.error ? { error: p.error } : {}) })
    }
    return out
  }
}
