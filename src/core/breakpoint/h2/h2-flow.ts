// The flow-control window (RFC 9113 section 6.9) a receiver grants for one direction of an
// HTTP/2 connection, as the stage sees it: the receiver's SETTINGS_INITIAL_WINDOW_SIZE and
// WINDOW_UPDATEs, less the DATA sent on to it. An edited body is checked against it before it
// goes: one that does not fit is refused, never sent and then broken.
//
// Streams are tracked from a request's HEADERS (or a PUSH_PROMISE) until the direction's
// END_STREAM or a reset, so the map holds the streams open now, no more.

/** RFC 9113 section 6.5.2: SETTINGS_INITIAL_WINDOW_SIZE's initial value, and the connection window's. */
export const DEFAULT_WINDOW = 65535

export class FlowWindow {
  /** The connection's window. */
  conn = DEFAULT_WINDOW
  /** The receiver's SETTINGS_INITIAL_WINDOW_SIZE: every stream's start. */
  initial = DEFAULT_WINDOW
  /** Each open stream's WINDOW_UPDATEs less its DATA, over `initial`. */
  private readonly streams = new Map<number, number>()

  open(stream: number): void {
    if (!this.streams.has(stream)) this.streams.set(stream, 0)
  }

  close(stream: number): void {
    this.streams.delete(stream)
  }

  /** What may still be sent on `stream` (and on the connection): the least of the two. */
  room(stream: number): number {
    const delta = this.streams.get(stream)
    return Math.min(this.conn, delta === undefined ? this.conn : this.initial + delta)
  }

  /** DATA of `length` (its whole payload, padding counted) went to the receiver. */
  sent(stream: number, length: number): void {
    this.conn -= length
    const delta = this.streams.get(stream)
    if (delta !== undefined) this.streams.set(stream, delta - length)
  }

  /** The receiver's WINDOW_UPDATE. */
  update(stream: number, increment: number): void {
    if (stream === 0) this.conn += increment
    else {
      const delta = this.streams.get(stream)
      if (delta !== undefined) this.streams.set(stream, delta + increment)
    }
  }
}
