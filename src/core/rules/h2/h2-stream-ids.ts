// The target's own stream ids for the client's streams, on an HTTP/2 connection under traffic
// rules. A client's new stream ids must increase (RFC 9113 section 5.1.1: a HEADERS on a
// higher id closes every lower one still idle, and a HEADERS on one of those is then a
// connection error), so a request a rule holds or delays cannot reach the target after the
// streams its client opened later under its own id. Rather than keep those streams waiting
// behind it, each client stream is given, as its first HEADERS goes to the target, the
// target's next id: its own while the order is kept (the common case: nothing is copied, and
// every frame goes as it came), else the highest given so far plus 2. Streams answered here
// never reach the target, so their ids are simply skipped (ids only need to increase).
//
// Every frame the client's direction sends the target is given the target's id here
// (`toTarget`, at the outbox, in the order the frames go), and every frame the target sends
// is given the client's (`toClient`, as it is read): so the stages, their records and the
// answers made here speak the client's ids throughout, and the target's are seen only on its
// wire. What is kept: the streams open toward the target (dropped once both sides ended it,
// or either reset it, then kept a while among `recent` for the frames still in flight), and
// the places the difference changed (renumbered-streams.ts), each recorded in the capture
// (`renumber`, a `rule` record) so its decoder pairs the target's streams with the client's.
//
// Also translated: a HEADERS' or PRIORITY's stream dependency (the client's stream, or its
// root when that stream is gone), and the target's GOAWAY, whose last stream becomes the
// highest client stream the target got up to it; client streams below that the target got
// later, and the requests still held here, are refused (h2-rule-pair.ts). Ids of streams the target pushes (even)
// are the same on both sides. Not translated: the raw bytes a stopped frame reader lets
// through (a frame it could not read: the connection is failing anyway).

import { F_END_STREAM, F_PADDED, F_PRIORITY, FRAME_HEADER, T_DATA, T_HEADERS, T_PRIORITY, T_RST_STREAM } from '../../protocols/http2/frame-reader'
import { RenumberedStreams } from '../../protocols/http2/renumbered-streams'
import { MAX_OPEN_STREAMS } from '../../protocols/http2/http2-decoder'
import type { RuleEventInfo } from '../../../shared/rules/rule-types'

/** Closed streams whose ids are still kept, for the frames in flight after their end. */
const MAX_RECENT = 256
const MAX_ID = 0x7fffffff
const CLIENT_END = 1
const TARGET_END = 2

/** `frame` with stream id `stream` (a copy: the bytes as they came are the capture's). */
function withStream(frame: Buffer, stream: number): Buffer {
  const out = Buffer.from(frame)
  out.writeUInt32BE(stream & MAX_ID, 5)
  return out
}

export class StreamIds {
  /** The client's streams open toward the target: their target ids. */
  private readonly open = new Map<number, number>()
  /** Which sides ended each open stream (CLIENT_END, TARGET_END). */
  private readonly ends = new Map<number, number>()
  private readonly recent = new Map<number, number>()
  /** The target's ids back to the client's, by where the ids parted (bounded: for streams not remembered below). */
  private readonly back = new RenumberedStreams()
  /** The target's id of each stream in `open` and `recent`, back to the client's: a long-lived stream keeps its id however many marks came after. */
  private readonly reverse = new Map<number, number>()
  /** The highest target id given. */
  private last = 0
  /** Target id less client id of the stream given it last. */
  private delta = 0

  constructor(
    /** The client's `client` went as the target's `target`, and the difference changed there. */
    private readonly marked: (client: number, target: number) => void
  ) {}

  /** Whether some stream went under another id than the client's. */
  get renumbered(): boolean {
    return this.back.any
  }

  /** The highest target id given (0: none). */
  get highest(): number {
    return this.last
  }

  /** A frame (whole) the client's direction sends the target, with the target's id; undefined when it must not go (of a stream gone from memory). */
  toTarget(frame: Buffer): Buffer | undefined {
    if (frame.length < FRAME_HEADER) return frame
    const type = frame[3]
    const flags = frame[4]
    const c = frame.readUInt32BE(5) & MAX_ID
    let out = frame
    if (c % 2 === 1) {
      let t = this.open.get(c) ?? this.recent.get(c)
      if (t === undefined) {
        if (type === T_HEADERS) t = this.give(c)
        else if (!this.back.any) t = c
        // A stream long closed, or one never opened (a PRIORITY for an idle stream): its id may be another stream's on the target.
        else return undefined
        if (t === undefined) return undefined
      }
      if (type === T_RST_STREAM) this.close(c)
      else if ((type === T_DATA || type === T_HEADERS) && (flags & F_END_STREAM) !== 0) this.ended(c, CLIENT_END)
      if (t !== c) out = withStream(frame, t)
    }
    if (!this.back.any) return out
    if (type === T_PRIORITY && frame.length >= FRAME_HEADER + 5) return this.dependency(out, FRAME_HEADER)
    if (type === T_HEADERS && (flags & F_PRIORITY) !== 0) return this.dependency(out, FRAME_HEADER + ((flags & F_PADDED) !== 0 ? 1 : 0))
    return out
  }

  /** The client's id of the target's stream `target`; notes the target's END_STREAM (`end`) or RST_STREAM (`reset`) on it. */
  toClient(target: number, end = false, reset = false): number {
    if (target === 0) return 0
    const c = this.reverse.get(target) ?? this.back.client(target)
    if (reset) this.close(c)
    else if (end) this.ended(c, TARGET_END)
    return c
  }

  /**
   * The target's GOAWAY names `last` its last stream processed: the client's highest stream
   * the target got up to it, and the client's streams below that which the target got later
   * (it did not process them). As it came while no stream was renumbered.
   */
  goaway(last: number): { last: number; unprocessed: number[] } {
    if (!this.back.any) return { last, unprocessed: [] }
    let highest = 0
    for (const m of [this.open, this.recent]) for (const [c, t] of m) if (t <= last && c > highest) highest = c
    const unprocessed: number[] = []
    for (const [c, t] of this.open) if (t > last && c < highest) unprocessed.push(c)
    return { last: highest, unprocessed }
  }

  /** The client's new stream `c` goes to the target now: its id there (undefined past the last id). */
  private give(c: number): number | undefined {
    const t = c > this.last ? c : this.last + 2
    if (t > MAX_ID) return undefined
    this.last = t
    if (t - c !== this.delta) {
      this.delta = t - c
      this.back.mark(c, t)
      this.marked(c, t)
    }
    this.open.set(c, t)
    this.reverse.set(t, c)
    if (this.open.size > MAX_OPEN_STREAMS) {
      const oldest = this.open.keys().next().value!
      this.reverse.delete(this.open.get(oldest)!)
      this.forget(oldest)
    }
    return t
  }

  private ended(c: number, side: number): void {
    if (!this.open.has(c)) return
    const ends = (this.ends.get(c) ?? 0) | side
    if (ends === (CLIENT_END | TARGET_END)) this.close(c)
    else this.ends.set(c, ends)
  }

  /** Both sides are done with `c`: its id is kept a while for the frames still in flight. */
  private close(c: number): void {
    const t = this.open.get(c)
    if (t === undefined) return
    this.forget(c)
    this.recent.set(c, t)
    if (this.recent.size > MAX_RECENT) {
      const oldest = this.recent.keys().next().value!
      this.reverse.delete(this.recent.get(oldest)!)
      this.recent.delete(oldest)
    }
  }

  private forget(c: number): void {
    this.open.delete(c)
    this.ends.delete(c)
  }

  /** A stream dependency at `at` (exclusive bit kept) as the target knows it: its root when the stream is gone. */
  private dependency(frame: Buffer, at: number): Buffer {
    if (frame.length < at + 4) return frame
    const word = frame.readUInt32BE(at)
    const dep = word & MAX_ID
    if (dep === 0 || dep % 2 === 0) return frame
    const t = this.open.get(dep) ?? this.recent.get(dep) ?? 0
    if (t === dep) return frame
    const out = Buffer.from(frame)
    out.writeUInt32BE(((word & 0x80000000) | t) >>> 0, at)
    return out
  }
}

/** The `rule` record of a place the ids part (no rule's): the capture's decoder pairs the target's streams by it. */
export function renumberRecord(client: number, target: number): Record<string, unknown> {
  const info: RuleEventInfo = { rule: '', label: '', action: 'renumber', message: `stream ${client} went to the target as its stream ${target} (a request held here went after streams opened later)`, stream: client, targetStream: target }
  return info as unknown as Record<string, unknown>
}

/** The `rule` record of the target's GOAWAY as the client was told it, and the streams refused. */
export function goawayRecord(targetLast: number, clientLast: number, refused: number[]): Record<string, unknown> {
  const said = refused.length > 0 ? `; refused its streams ${refused.join(', ')}, which the target got later or not at all (RST_STREAM REFUSED_STREAM)` : ''
  const info: RuleEventInfo = { rule: '', label: '', action: 'renumber', message: `the target's GOAWAY named its stream ${targetLast}: the client was told its stream ${clientLast}${said}`, goaway: clientLast, refused }
  return info as unknown as Record<string, unknown>
}
