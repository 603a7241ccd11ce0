// The buffers proxied sockets read into (node-internals.ts readInto), kept for reuse: a
// socket holds one while it is open and gives it back when it closes. Bounded: at most
// MAX_HELD sockets read this way at a time (16 MiB); the others read as Node does by
// default, so thousands of idle connections cost no buffer each.

/** Node's own read size for a stream (libuv is asked for 64 KiB per read). */
export const READ_BUFFER_SIZE = 64 * 1024
const MAX_HELD = 256
const MAX_FREE = 64

export class ReadBuffers {
  private readonly free: Buffer[] = []
  private held = 0

  /** A buffer for a socket to read into, or undefined when MAX_HELD sockets hold one. */
  take(): Buffer | undefined {
    if (this.held >= MAX_HELD) return undefined
    this.held++
    return this.free.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_SIZE)
  }

  /**
   * A socket's buffer, back: it has closed, and nothing refers to the buffer's bytes (a
   * buffer whose bytes something kept was replaced by `fresh()` at the time).
   */
  give(b: Buffer): void {
    this.held--
    if (this.free.length < MAX_FREE) this.free.push(b)
  }

  /** A new buffer for a socket that handed its old one on (its bytes are still referenced). */
  fresh(): Buffer {
    return Buffer.allocUnsafeSlow(READ_BUFFER_SIZE)
  }
}
