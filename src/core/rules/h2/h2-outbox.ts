// What one direction of an HTTP/2 connection under traffic rules sends its receiver, kept
// within the receiver's flow-control windows (RFC 9113 section 6.9).
//
// The sender counts its DATA against the windows as it sees them; the receiver counts what it
// gets. Rules make the two differ: a request answered here never reaches the target, an
// answer made here reaches the client without the target knowing, a body is rewritten longer
// or shorter, and a message kept whole is given its window back at once (so a client never
// waits on a window the target cannot open for a stream it has not seen). So:
//
// - DATA the stage took over ("ours": a held message's, a rewritten body, an answer made here)
//   adds to `debt`: what the receiver's WINDOW_UPDATEs going back to the sender are reduced
//   by, the sender having been given that window already or never having used it;
// - the sender may therefore believe in more window than the receiver has: DATA waits here,
//   in its stream's order, until the receiver's window takes it (a body made here is cut to
//   fit, at most SETTINGS_MAX_FRAME_SIZE a frame). What waits is bounded by the debt.
// - frames no window holds (SETTINGS, PING, GOAWAY, WINDOW_UPDATE, PRIORITY, RST_STREAM) go at
//   once; a header block of a stream whose DATA waits goes in its turn (`inTurn`).

import { F_END_STREAM, T_DATA } from '../../protocols/http2/frame-reader'
import { DEFAULT_MAX_FRAME, frame } from '../../breakpoint/h2/h2-frames'
import { FlowWindow } from '../../breakpoint/h2/h2-flow'

type Waiting =
  | { kind: 'data'; frame: Buffer; flow: number; end: boolean; ours: boolean }
  | { kind: 'body'; bytes: Uint8Array; end: boolean }
  | { kind: 'then'; run: () => void }

/** SETTINGS_MAX_FRAME_SIZE's largest (RFC 9113 section 6.5.2). */
const MAX_FRAME_LIMIT = 16_777_215

export class H2Outbox {
  /** The receiver's windows, as what is sent here uses them. */
  readonly window = new FlowWindow()
  private frameMax = DEFAULT_MAX_FRAME
  /** Connection window to take off the receiver's WINDOW_UPDATEs before they go back to the sender. */
  debt = 0
  private readonly streamDebt = new Map<number, number>()
  /** Streams with something waiting, in the order they began to wait. */
  private readonly waiting = new Map<number, Waiting[]>()
  private out: Buffer[] = []
  /** Gives each whole frame its receiver's stream id (the client's direction: the target's ids, h2-stream-ids.ts); undefined: it is not sent. */
  ids: ((frame: Buffer) => Buffer | undefined) | undefined
  /** The sender's connection preface (its first SETTINGS) went on: frames made here may follow it. */
  private started = false
  private early: Buffer[] = []

  constructor(
    /** DATA the sender counted that will never reach the receiver (its stream was reset): its window goes back to the sender. */
    private readonly giveBack: (flow: number) => void
  ) {}

  get maxFrame(): number {
    return this.frameMax
  }

  /** The receiver's SETTINGS_MAX_FRAME_SIZE (a value out of range leaves it as it was: the receiver's peer will say so). */
  set maxFrame(n: number) {
    if (Number.isInteger(n) && n >= DEFAULT_MAX_FRAME && n <= MAX_FRAME_LIMIT) this.frameMax = n
  }

  /** Whether something still waits for the receiver's window (or for the sender's preface). */
  get pending(): boolean {
    return this.waiting.size > 0 || this.early.length > 0
  }

  /** Frames that no window holds back, sent at once. */
  now(...frames: Buffer[]): void {
    this.put(frames)
  }

  /** Bytes that are not whole frames (a preface, what a stopped reader lets through), sent at once as they are. */
  raw(bytes: Buffer): void {
    this.out.push(bytes)
  }

  /** Frames made here (an answer's head, a reset, a window given back): after the sender's connection preface, which must come first (RFC 9113 section 3.4). */
  own(...frames: Buffer[]): void {
    if (this.started) this.put(frames)
    else this.early.push(...frames)
  }

  /** The sender's first SETTINGS went on (the target's: and its ACK of the client's): what was made here meanwhile follows it. */
  start(): void {
    if (this.started) return
    this.started = true
    this.put(this.early)
    this.early = []
    this.drain()
  }

  /** `run` sends something of `stream` that must come after its waiting DATA: now, or in its turn. True when it waits. */
  inTurn(stream: number, run: () => void): boolean {
    const q = this.waiting.get(stream)
    if (q === undefined) {
      run()
      return false
    }
    q.push({ kind: 'then', run })
    return true
  }

  /** A DATA frame as the sender sent it (`ours`: the stage took it over and gave the sender its window back). */
  data(stream: number, frameBytes: Buffer, flow: number, end: boolean, ours: boolean): void {
    this.enqueue(stream, { kind: 'data', frame: frameBytes, flow, end, ours })
  }

  /** A body made here, cut into DATA frames as the receiver's windows and frame size allow. */
  body(stream: number, bytes: Uint8Array, end: boolean): void {
    if (bytes.length === 0 && !end) return
    this.enqueue(stream, { kind: 'body', bytes, end })
  }

  /** The stream is reset: what waits of it is not sent (its header blocks still are: the receiver's HPACK table needs them), and the window of DATA the sender counted goes back to it. */
  drop(stream: number): void {
    const q = this.waiting.get(stream)
    this.waiting.delete(stream)
    let back = 0
    for (const w of q ?? []) {
      if (w.kind === 'then') w.run()
      else if (w.kind === 'data' && !w.ours) back += w.flow
    }
    if (back > 0) this.giveBack(back)
    this.window.close(stream)
    this.streamDebt.delete(stream)
  }

  /** The receiver's WINDOW_UPDATE: its window grows, what waited may go; returns the increment to pass on to the sender (0: none). */
  update(stream: number, increment: number): number {
    this.window.update(stream, increment)
    let pass = increment
    if (stream === 0) {
      const owed = Math.min(this.debt, pass)
      this.debt -= owed
      pass -= owed
    } else {
      const debt = this.streamDebt.get(stream)
      if (debt !== undefined) {
        const owed = Math.min(debt, pass)
        if (debt - owed > 0) this.streamDebt.set(stream, debt - owed)
        else this.streamDebt.delete(stream)
        pass -= owed
      }
    }
    this.drain()
    return pass
  }

  /** Sends what waited and now fits (after a WINDOW_UPDATE, or a SETTINGS that grew the streams' windows). */
  drain(): void {
    for (const [stream, q] of [...this.waiting]) {
      while (q.length > 0 && this.send(stream, q[0])) q.shift()
      if (q.length === 0) this.waiting.delete(stream)
    }
  }

  /** The frames to write now, in order. */
  take(): Buffer[] {
    const out = this.out
    this.out = []
    return out
  }

  private enqueue(stream: number, w: Waiting): void {
    const q = this.waiting.get(stream)
    if (q !== undefined) q.push(w)
    else if (!this.send(stream, w)) this.waiting.set(stream, [w])
  }

  /** Sends `w` if the windows take it (a body: as much as they take); true when it is all sent. */
  private send(stream: number, w: Waiting): boolean {
    if (w.kind === 'then') {
      w.run()
      return true
    }
    if (w.kind === 'data') {
      if (w.flow > 0 && w.flow > this.window.room(stream)) return false
      this.sent(stream, w.frame, w.flow, w.end, w.ours)
      return true
    }
    if (!this.started) return false
    for (;;) {
      const n = Math.min(w.bytes.length, this.frameMax, Math.max(0, this.window.room(stream)))
      if (n === 0 && w.bytes.length > 0) return false
      const piece = w.bytes.subarray(0, n)
      w.bytes = w.bytes.subarray(n)
      const last = w.bytes.length === 0
      this.sent(stream, frame(T_DATA, last && w.end ? F_END_STREAM : 0, stream, piece), n, last && w.end, true)
      if (last) return true
    }
  }

  /** Whole frames onto the wire, in order, each with its receiver's stream id. */
  private put(frames: Buffer[]): void {
    const ids = this.ids
    if (ids === undefined) return void this.out.push(...frames)
    for (const f of frames) {
      const out = ids(f)
      if (out !== undefined) this.out.push(out)
    }
  }

  private sent(stream: number, bytes: Buffer, flow: number, end: boolean, ours: boolean): void {
    this.put([bytes])
    this.window.sent(stream, flow)
    if (ours && flow > 0) {
      this.debt += flow
      if (!end) this.streamDebt.set(stream, (this.streamDebt.get(stream) ?? 0) + flow)
    }
    if (end) {
      this.window.close(stream)
      this.streamDebt.delete(stream)
    }
  }
}
