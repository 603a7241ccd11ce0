// The target's direction of an HTTP/2 connection under traffic rules. Its frames go on as
// they came, except a response whose request's rule rewrites it (held whole, then rewritten)
// and anything the target sends on a stream it never got. The answers made here go out this
// way too, on the client's stream: a response (HEADERS, DATA, END_STREAM) or a reset, with
// blocks that leave the client's HPACK table as the target's encoder knows it.

import { T_HEADERS, T_PRIORITY, T_PUSH_PROMISE, T_WINDOW_UPDATE } from '../../protocols/http2/frame-reader'
import type { FramePart } from '../../breakpoint/h2/h2-frame-feed'
import type { Block } from '../../breakpoint/h2/h2-blocks'
import { dataFrames, headerFrames, rstStream } from '../../breakpoint/h2/h2-frames'
import { H2Leg, type LegHost, type ResponsePlan } from './h2-leg'
import { NO_ERROR, responseStatus, type Answer } from './h2-message'

export class ResponseLeg extends H2Leg {
  /** Response rewrites waiting for the target's answer, by stream. */
  readonly plans = new Map<number, ResponsePlan>()

  constructor(host: LegHost) {
    super('server', host)
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
