// The TLS ClientHello at the start of a connection's client stream, read by its decoder:
// the name the client asked for (SNI) and the protocols it offered (ALPN), which is all a
// connection passed through encrypted shows of itself. The reading itself is injected
// (ReadClientHello: client-hello.ts, which bounds what it waits for); this keeps the bytes
// between calls, and never more than MAX_HELLO_BYTES of them whatever the reader says.

import type { TlsHello } from '../../shared/tls-types'
import type { ReadClientHello } from './stream-decoder'

/** Above any hello a reader waits for (client-hello.ts gives up at 40 KiB). */
const MAX_HELLO_BYTES = 64 * 1024

export class TlsHelloReader {
  private buf = new Uint8Array(0)
  /** Done reading: a hello was found, or there is none to find. */
  done = false
  hello: TlsHello | undefined

  /** `from`: the stream offset the client's first byte has (the hello starts there). */
  constructor(
    private readonly from: number,
    private readonly read: ReadClientHello
  ) {}

  /** The client stream offset it wants next. */
  get next(): number {
    return this.from + this.buf.length
  }

  /** Client bytes at stream offset `offset`; what it has already is skipped, a gap ends the reading. */
  push(bytes: Uint8Array, offset: number): void {
    if (this.done) return
    const skip = this.next - offset
    if (skip < 0) return this.stop()
    if (skip >= bytes.length) return
    const take = bytes.subarray(skip, skip + MAX_HELLO_BYTES - this.buf.length)
    const grown = new Uint8Array(this.buf.length + take.length)
    grown.set(this.buf)
    grown.set(take, this.buf.length)
    this.buf = grown
    const r = this.read(this.buf)
    if (r.state === 'hello') {
      const hello: TlsHello = {}
      if (r.sni !== undefined) hello.sni = r.sni
      if (r.alpn !== undefined) hello.alpn = r.alpn
      this.hello = hello
      this.stop()
    } else if (r.state !== 'need-more' || this.buf.length >= MAX_HELLO_BYTES) this.stop()
  }

  /** The client will send nothing more. */
  stop(): void {
    this.done = true
    this.buf = new Uint8Array(0)
  }
}
