// Cuts one connection's two streams into messages with a codec, exactly whatever TCP did:
// a message split across many reads is one message, many messages in one read are many.
// Each direction buffers only the message it is inside (bounded by the codec's own limit,
// which it reports as an error rather than waiting past it). Messages come out whole, in
// the order their first bytes came (the order pushes arrive in, capture order).

import type { Direction } from '../../../shared/capture-types'
import type { ConnectionCodec, Described, MessageCodec, MessageNote } from './message-codec'

export interface CutMessage {
  dir: Direction
  /** Stream offset of its first byte, and its length. */
  offset: number
  length: number
  /** Wall-clock ms of the chunks holding its first and last bytes. */
  time: number
  endedAt: number
  note: MessageNote
  error?: string
  /** The stream ended inside it (or cutting stopped there): fewer bytes than its framing said. */
  incomplete?: boolean
}

interface Side {
  buf: Uint8Array
  /** Buffered bytes are buf[pos, end); their first is at stream offset `at`. */
  pos: number
  end: number
  at: number
  /** Ask measure again once this many bytes are buffered. */
  need: number
  /** Wall-clock of the chunk holding the buffered message's first byte. */
  startTime: number
  /** Cutting stopped at an error: bytes from `at` on are not messages. */
  stopped?: string
  ended: boolean
}

const newSide = (): Side => ({ buf: new Uint8Array(0), pos: 0, end: 0, at: 0, need: 1, startTime: 0, ended: false })

/** The client's last messages whose index a rule record may name by offset (it comes just after them). */
const RECENT_CLIENT = 4096

/** The error of a message the stream ended inside; a codec that read it may say more (messages.ts). */
export const ENDED_INSIDE = 'the stream ended inside this message'

export class MessageCutter {
  private readonly codec: ConnectionCodec
  private readonly sides: Record<Direction, Side> = { client: newSide(), server: newSide() }
  private count = 0
  /** The client's recent messages: their index by stream offset. */
  private readonly recentClient = new Map<number, number>()

  constructor(
    private readonly framing: MessageCodec,
    private readonly emit: (m: CutMessage) => void,
    start: Partial<Record<Direction, number>> = {},
    /** MessageCodec.open's: bytes pass as they are cut (a breakpoint's framing, a replay's answers). */
    live = false
  ) {
    this.codec = framing.open(live ? { live } : undefined)
    this.sides.client.at = start.client ?? 0
    this.sides.server.at = start.server ?? 0
  }

  /** One of this connection's messages for a person (MessageCodec.describe, with what the connection's codec keeps). */
  describe(dir: Direction, msg: Uint8Array, note: MessageNote, length: number, complete: boolean): Described {
    return this.codec.describe ? this.codec.describe(dir, msg, note, length, complete) : this.framing.describe(dir, msg, note, length, complete)
  }

  /** Messages cut so far (the next one's index). */
  get size(): number {
    return this.count
  }

  /** The next stream offset each direction needs: everything from where it stands. */
  wantFrom(dir: Direction): number {
    const s = this.sides[dir]
    return s.at + (s.end - s.pos)
  }

  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void {
    const s = this.sides[dir]
    // Bytes before what it has are old; a gap (not expected: it wants every byte) restarts the buffer there.
    const have = s.at + (s.end - s.pos)
    let from = 0
    if (offset < have) from = have - offset
    else if (offset > have) {
      s.pos = s.end = 0
      s.at = offset
      s.need = 1
    }
    if (from >= bytes.length) return
    if (s.end === s.pos) s.startTime = time
    if (s.stopped) {
      s.end += bytes.length - from
      return
    }
    this.append(s, bytes.subarray(from))
    this.cut(dir, s, time)
  }

  end(dir: Direction, time: number): void {
    const s = this.sides[dir]
    if (s.ended) return
    s.ended = true
    // Bytes the codec waited on to tell noise from a message's start: noise is said as such first.
    while (s.end > s.pos && !s.stopped) {
      const noise = this.settled(dir, s.buf.subarray(s.pos, s.end))
      if (noise === undefined || noise.length <= 0 || noise.length > s.end - s.pos) break
      this.put(dir, s, noise.length, time, noise.error, false, {})
    }
    if (s.end > s.pos) {
      const length = s.end - s.pos
      const msg = s.buf.subarray(s.pos, s.end)
      this.put(dir, s, length, time, s.stopped ?? ENDED_INSIDE, true, s.stopped ? {} : this.noteOf(dir, msg))
    }
  }

  /** The message each direction is inside (its bytes so far), for a live list's last row; nothing is emitted. */
  pending(dir: Direction): { offset: number; length: number; time: number; error?: string } | undefined {
    const s = this.sides[dir]
    if (s.end === s.pos) return undefined
    return { offset: s.at, length: s.end - s.pos, time: s.startTime, ...(s.stopped ? { error: s.stopped } : {}) }
  }

  private append(s: Side, bytes: Uint8Array): void {
    const used = s.end - s.pos
    if (s.end + bytes.length > s.buf.length) {
      if (used + bytes.length <= s.buf.length && s.pos > 0) {
        s.buf.copyWithin(0, s.pos, s.end)
      } else {
        const next = new Uint8Array(Math.max(used + bytes.length, s.buf.length * 2, 4096))
        next.set(s.buf.subarray(s.pos, s.end))
        s.buf = next
      }
      s.pos = 0
      s.end = used
    }
    s.buf.set(bytes, s.end)
    s.end += bytes.length
  }

  private cut(dir: Direction, s: Side, time: number): void {
    while (s.end - s.pos >= s.need && !s.stopped) {
      const avail = s.end - s.pos
      const m = this.codec.measure(dir, s.buf.subarray(s.pos, s.end))
      if (typeof m === 'number') {
        if (m > avail) {
          s.need = m
          return
        }
        const length = Math.max(1, m)
        this.put(dir, s, length, time, undefined, false, this.noteOf(dir, s.buf.subarray(s.pos, s.pos + length)))
      } else if ('need' in m) {
        s.need = Math.max(m.need, avail + 1)
        return
      } else if (m.length !== undefined && m.length > 0 && m.length <= avail) {
        this.put(dir, s, m.length, time, m.error, false, {})
      } else {
        s.stopped = m.error
        return
      }
    }
  }

  /** A rule answered the client's message at `offset` in the target's place (ConnectionCodec.answered). */
  answered(offset: number): void {
    const index = this.recentClient.get(offset)
    if (index === undefined) return
    try {
      this.codec.answered?.(index)
    } catch {
      // A codec that cannot take it pairs as before.
    }
  }

  private settled(dir: Direction, buf: Uint8Array): { error: string; length: number } | undefined {
    try {
      return this.codec.settle?.(dir, buf)
    } catch {
      return undefined
    }
  }

  private noteOf(dir: Direction, msg: Uint8Array): MessageNote {
    try {
      return this.codec.note(dir, msg, this.count)
    } catch {
      return {}
    }
  }

  /** Emits the `length` buffered bytes at the front as the next message. */
  private put(dir: Direction, s: Side, length: number, time: number, error: string | undefined, incomplete: boolean, note: MessageNote): void {
    const m: CutMessage = { dir, offset: s.at, length, time: s.startTime, endedAt: time, note }
    if (error !== undefined) m.error = error
    if (incomplete) m.incomplete = true
    if (dir === 'client') {
      this.recentClient.set(s.at, this.count)
      if (this.recentClient.size > RECENT_CLIENT) this.recentClient.delete(this.recentClient.keys().next().value!)
    }
    this.count++
    s.pos += length
    s.at += length
    s.need = 1
    if (s.pos === s.end) s.pos = s.end = 0
    else s.startTime = time
    this.emit(m)
  }
}
