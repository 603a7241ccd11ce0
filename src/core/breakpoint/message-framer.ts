// Where a raw connection's messages begin and end as its bytes pass, so a `message`
// breakpoint can hold a whole message (a redis command written a byte at a time, a
// length-prefixed message split across reads) and let every other one through whole. The
// connection is cut as msg.page cuts it, with the same codec and MessageCutter: the framing
// its proxy was given (`--frame`, or "decode as"), else the protocol its first bytes or its
// port say. While the client's first bytes cannot tell yet they wait, briefly
// (RECOGNISE_WAIT_MS, MAX_RECOGNISE_BYTES, or its FIN); a server that speaks first is not
// waited on (its port, or --frame, decides). A framing error (an absurd length, a line past
// its max) ends cutting for that direction: what it kept goes on, and the rest passes as it
// comes, so a stream that does not fit never hangs.

import type { Direction } from '../../shared/direction'
import { MESSAGE_DECODE_BYTES, type FrameSpec } from '../../shared/message-types'
import type { Described, MessageCodec, MessageNote } from '../protocols/messages/message-codec'
import { MessageCutter, type CutMessage } from '../protocols/messages/message-cutter'
import { carriedProtocol, codecFor, MAX_RECOGNISE_BYTES } from '../protocols/messages/message-decoders'

/** How long a client's first bytes wait for enough of them to tell their protocol. */
export const RECOGNISE_WAIT_MS = 250

/** One piece of a direction, in order: a whole message (with what cutting knows of it), or bytes no framing covers. */
export interface FramedPiece {
  bytes: Buffer
  /** Where it starts in its direction's stream. */
  offset: number
  message?: CutMessage
}

export interface MessageFramingDeps {
  /** The connection's framing when chosen (`--frame`, "decode as"); undefined: recognise it. */
  framing(): FrameSpec | undefined
  /** The target's port, for protocols known by theirs. */
  port(): number | undefined
}

/** Both directions of one connection: one codec state, as msg.page keeps one per connection. */
export class MessageConversation {
  /** undefined: not decided yet; null: no framing (the connection passes as chunks). */
  codec: MessageCodec | null | undefined
  private cutter: MessageCutter | undefined
  private readonly seen: Record<Direction, Buffer[]> = { client: [], server: [] }
  private readonly seenBytes: Record<Direction, number> = { client: 0, server: 0 }
  /** Messages the cutter emitted during the current push. */
  private emitted: CutMessage[] = []
  readonly sides: Record<Direction, MessageSide>

  constructor(private readonly deps: MessageFramingDeps) {
    this.sides = { client: new MessageSide('client', this), server: new MessageSide('server', this) }
  }

  /** Decides the framing once it can; `final` (a FIN, the wait over, enough bytes): decide with what there is. */
  decide(final: boolean): void {
    if (this.codec !== undefined) return
    const chosen = this.deps.framing()
    if (chosen !== undefined) return this.start(codecFor(chosen) ?? null)
    const first = (dir: Direction): Uint8Array => Buffer.concat(this.seen[dir]).subarray(0, MAX_RECOGNISE_BYTES)
    const client = first('client')
    const server = first('server')
    const protocol = carriedProtocol(client, server, this.deps.port(), final)
    if (protocol === undefined) return
    this.start(protocol ? codecFor({ kind: 'protocol', protocol }) ?? null : null)
  }

  /** Keeps a direction's first bytes to recognise the protocol by. */
  note(dir: Direction, bytes: Buffer): void {
    if (this.codec !== undefined || this.seenBytes[dir] >= MAX_RECOGNISE_BYTES) return
    this.seen[dir].push(bytes)
    this.seenBytes[dir] += bytes.length
  }

  private start(codec: MessageCodec | null): void {
    this.codec = codec
    this.seen.client = []
    this.seen.server = []
    // Each direction is cut from where its side begins to frame (bytes before passed as they came).
    // Live: what cannot be a message's start passes at once, never waits on bytes that may not come.
    if (codec) this.cutter = new MessageCutter(codec, (m) => this.emitted.push(m), { client: Math.max(0, this.sides.client.from), server: Math.max(0, this.sides.server.from) }, true)
  }

  /** Cuts `bytes` (at `offset` of `dir`'s stream): the messages they complete, in order. */
  push(dir: Direction, bytes: Buffer, offset: number): { messages: CutMessage[]; stopped: boolean } {
    this.emitted = []
    const cutter = this.cutter!
    cutter.push(dir, bytes, offset, Date.now())
    const messages = this.emitted
    this.emitted = []
    return { messages, stopped: cutter.pending(dir)?.error !== undefined }
  }

  /** A message as a person reads it: its summary and field tree. */
  describe(dir: Direction, bytes: Buffer, note: MessageNote, complete: boolean): Described {
    try {
      return (this.cutter ?? this.codec!).describe(dir, bytes.subarray(0, MESSAGE_DECODE_BYTES), note, bytes.length, complete)
    } catch (err) {
      return { summary: `not decoded: ${(err as Error).message}`, fields: [], error: (err as Error).message }
    }
  }
}

type SideState = 'waiting' | 'framing' | 'passing'

/** One direction: the bytes the cutter holds (a message not whole yet), taken back as messages come out whole. */
export class MessageSide {
  /** Stream offset this side began at (a rule added mid-connection frames from there). */
  from = -1
  private state: SideState = 'waiting'
  /** Bytes given and not yet given back, from stream offset `base`. */
  private parts: Buffer[] = []
  private partsLength = 0
  private base = 0

  constructor(
    private readonly dir: Direction,
    private readonly conv: MessageConversation
  ) {}

  /** No framing for this direction (none decided, or an error ended it): everything passes as it comes. */
  get passing(): boolean {
    return this.state === 'passing'
  }

  /** Whether its bytes wait for the protocol to be recognised. */
  get undecided(): boolean {
    return this.conv.codec === undefined
  }

  feed(chunk: Buffer, offset: number): FramedPiece[] {
    if (this.from < 0) {
      this.from = offset
      this.base = offset
    }
    if (this.state === 'passing') return [{ bytes: chunk, offset }]
    if (this.conv.codec === undefined) {
      this.conv.note(this.dir, chunk)
      // Only the client's bytes wait for the protocol; a server that speaks first is not held back.
      this.conv.decide(this.dir === 'server')
    }
    this.keep(chunk)
    if (this.conv.codec === undefined) return []
    if (this.state === 'waiting') return this.begin()
    return this.cut(chunk, offset)
  }

  /** The wait is over (a timer, or the FIN): decide with what came, and cut it. */
  settle(): FramedPiece[] {
    if (this.state !== 'waiting' || this.partsLength === 0) return []
    this.conv.decide(true)
    return this.begin()
  }

  /** The sender's FIN: what is left (a message its stream ended inside) goes as it is. */
  finish(): FramedPiece[] {
    const out = this.settle()
    if (this.partsLength > 0) out.push(this.rest())
    this.state = 'passing'
    return out
  }

  /** The framing is decided: what waited is cut (or, with none, goes as it came). */
  private begin(): FramedPiece[] {
    if (!this.conv.codec) {
      this.state = 'passing'
      return this.partsLength > 0 ? [this.rest()] : []
    }
    this.state = 'framing'
    const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsLength)
    return this.cut(all, this.base)
  }

  /** Feeds the cutter bytes it has not seen (kept already), and takes back each whole message's bytes. */
  private cut(fresh: Buffer, at: number): FramedPiece[] {
    const { messages, stopped } = this.conv.push(this.dir, fresh, at)
    const out: FramedPiece[] = []
    for (const m of messages) {
      if (m.dir !== this.dir) continue
      const offset = m.offset
      out.push({ bytes: this.take(m.offset, m.length), offset, message: m })
    }
    if (stopped) {
      // Cutting ended at an error: what it kept goes on as it is, and so does the rest.
      this.state = 'passing'
      if (this.partsLength > 0) out.push(this.rest())
    }
    return out
  }

  /** Everything kept, as one piece. */
  private rest(): FramedPiece {
    const offset = this.base
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsLength)
    this.base += this.partsLength
    this.parts = []
    this.partsLength = 0
    return { bytes, offset }
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return
    this.parts.push(bytes)
    this.partsLength += bytes.length
  }

  /** The bytes from stream offset `offset` (the first kept), `length` of them. */
  private take(offset: number, length: number): Buffer {
    if (offset !== this.base) {
      // Not expected (the cutter cuts from where the side began): drop what lies before.
      const skip = Math.min(this.partsLength, Math.max(0, offset - this.base))
      this.splice(skip)
    }
    return this.splice(Math.min(length, this.partsLength))
  }

  private splice(n: number): Buffer {
    const picked: Buffer[] = []
    let left = n
    while (left > 0) {
      const p = this.parts[0]
      if (p.length <= left) {
        picked.push(p)
        this.parts.shift()
        left -= p.length
      } else {
        picked.push(p.subarray(0, left))
        this.parts[0] = p.subarray(left)
        left = 0
      }
    }
    this.partsLength -= n
    this.base += n
    return picked.length === 1 ? picked[0] : Buffer.concat(picked, n)
  }
}
