// The target's direction of an HTTP/2 connection under traffic rules. Its frames go on as
// they came, except a response whose request's rule rewrites it (held whole, then rewritten)
// and anything the target sends on a stream it never got. The answers made here go out this
// way too, on the client's stream: a response (HEADERS, DATA, END_STREAM) or a reset, with
// blocks that leave the client's HPACK table as the target's encoder knows it.
//
// The target's frames are read with the client's stream ids (h2-stream-ids.ts: a request a
// rule held went to the target under a later id), so everything here speaks the client's;
// its GOAWAY's last stream becomes the client's, and the client's streams the target did not
// get by then are refused here (RST_STREAM REFUSED_STREAM: the client may send them again).

import { F_END_STREAM, FRAME_HEADER, T_DATA, T_GOAWAY, T_HEADERS, T_PRIORITY, T_PUSH_PROMISE, T_RST_STREAM, T_WINDOW_UPDATE } from '../../protocols/http2/frame-reader'
import type { FramePart } from '../../breakpoint/h2/h2-frame-feed'
import type { Block } from '../../breakpoint/h2/h2-blocks'
import { dataFrames, headerFrames, rstStream } from '../../breakpoint/h2/h2-frames'
import { H2Leg, type LegHost, type ResponsePlan } from './h2-leg'
import { NO_ERROR, responseStatus, type Answer } from './h2-message'
import type { StagePort } from '../../proxy/forward-stage'

const MAX_STREAM = 0x7fffffff

export class ResponseLeg extends H2Leg {
  /** Response rewrites waiting for the target's answer, by stream. */
  readonly plans = new Map<number, ResponsePlan>()
  /** The target's first SETTINGS (its preface) went on. */
  private targetSettings = false

  constructor(host: LegHost) {
    super('server', host)
    this.feed.ids = (f) => host.ids.toClient(f.stream, (f.type === T_DATA || f.type === T_HEADERS) && (f.flags & F_END_STREAM) !== 0, f.type === T_RST_STREAM)
  }

  frame(p: FramePart, payload?: Uint8Array): void {
    if (p.type !== T_GOAWAY || p.stream !== 0 || p.frame.length < FRAME_HEADER + 8) return super.frame(p, payload)
    const last = p.frame.readUInt32BE(FRAME_HEADER) & MAX_STREAM
    // The highest id announces a shutdown: every stream may still come.
    if (last === MAX_STREAM) return super.frame(p, payload)
    const theirs = this.host.ids.goaway(last)
    if (theirs.last === last) super.frame(p, payload)
    else {
      const frame = Buffer.from(p.frame)
      frame.writeUInt32BE(theirs.last, FRAME_HEADER)
      this.outbox.now(frame)
    }
    this.host.refuse(last, theirs.last, theirs.unprocessed)
  }

  protected onBlock(b: Block): void {
    const s = b.stream
    // The target never got this stream: whatever it says of it is not the client's.
    if (this.host.local.has(s)) return this.blocks.swallowed(b)
    const held = this.held.get(s)
    if (held !== undefined) return this.toHeld(held, { block: b })
    if (b.type === T_PUSH_PROMISE && b.promised !== undefined) this.outbox.window.open(b.promised)
    const status = b.type === T_HEADERS ? responseStatus(b.decoded.fields) : undefined
    const plan = this.plans.get(s)
    // A 1xx comes before the real answer, and goes on.
    if (plan !== undefined && status !== undefined && status >= 200) {
      this.plans.delete(s)
      if (b.decoded.cut === undefined) return this.startHeld(b, String(status), true, plan)
      plan.release?.()
    }
    this.sendBlock(b)
  }

  /**
   * An answer made here goes after the target's acknowledgement of the client's SETTINGS, as a
   * server's own answer comes after it: made before, it overtook that ACK, and a client that
   * closes once it has its answer (curl does) got the ACK after its close, which its kernel
   * answers with a reset.
   */
  protected ownMayFollow(ack: boolean): boolean {
    if (!ack) this.targetSettings = true
    return ack && this.targetSettings
  }

  /** The target ended without acknowledging: what was made here waits for nothing more. */
  fin(port: StagePort): void {
    if (this.targetSettings) this.outbox.start()
    super.fin(port)
  }

  /** A forward's answer is still to come: the FIN waits for it. */
  protected busy(): boolean {
    return this.host.answering === true
  }

  /** The client knows every stream the target answers: a window or priority of a held response's stream goes on at once (held, it could stall the request still coming). */
  protected route(p: FramePart): void {
    if ((p.type === T_WINDOW_UPDATE || p.type === T_PRIORITY) && this.isHeld(p.stream)) return this.sendPart(p, false)
    super.route(p)
  }

  protected abandon(stream: number): void {
    this.plans.get(stream)?.release?.()
    this.plans.delete(stream)
    super.abandon(stream)
  }

  /**
   * Answers the client's `stream` here: HEADERS (with END_STREAM when nothing follows), then
   * its DATA as the client's windows take it, then its trailers (END_STREAM) in their turn.
   * `endRequest`: the client is still sending its request, and is told it may stop
   * (RST_STREAM NO_ERROR after a complete response, RFC 9113 section 8.1). Returns the
   * frames, as the client gets them at its frame size.
   */
  answer(stream: number, a: Answer, endRequest: boolean): Buffer {
    const trailers = a.trailers !== undefined && a.trailers.length > 0 ? a.trailers : undefined
    const endOnHead = a.body.length === 0 && trailers === undefined
    const max = this.outbox.maxFrame
    const head = headerFrames(T_HEADERS, stream, this.ownBlock(a.fields), endOnHead, max)
    const tail = trailers !== undefined ? headerFrames(T_HEADERS, stream, this.ownBlock(trailers), true, max) : []
    this.outbox.own(...head)
    if (endOnHead) this.outbox.window.close(stream)
    else if (a.body.length > 0) this.outbox.body(stream, a.body, trailers === undefined)
    if (trailers !== undefined) {
      this.outbox.inTurn(stream, () => {
        this.outbox.own(...tail)
        this.outbox.window.close(stream)
      })
    }
    if (endRequest) this.outbox.inTurn(stream, () => this.outbox.own(rstStream(stream, NO_ERROR)))
    return Buffer.concat([...head, ...(a.body.length > 0 ? dataFrames(stream, a.body, trailers === undefined, max) : []), ...tail])
  }

  /** Resets the client's `stream` with `code`; returns the frame. */
  reset(stream: number, code: number): Buffer {
    this.outbox.drop(stream)
    const frame = rstStream(stream, code)
    this.outbox.own(frame)
    return frame
  }

  /** Nothing will ever be sent on the client's `stream` (dropped, timed out). */
  never(stream: number): void {
    this.outbox.window.close(stream)
  }
}
