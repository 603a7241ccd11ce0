// The TLS ClientHello at the start of a connection's client stream, read by its decoder:
// the name the client asked for (SNI) and the protocols it offered (ALPN), which is all a
// connection passed through encrypted shows of itself. The bytes are gathered as every
// reader of hellos gathers them (client-hello.ts's HelloBytes, bounded by the reading).

import type { TlsHello } from '../../shared/tls-types'
import { helloOf, HelloBytes, joinBytes, MAX_CLIENT_HELLO_WIRE_BYTES } from './client-hello'

export class TlsHelloReader {
  private gathered = new HelloBytes(joinBytes)
  /** Done reading: a hello was found, or there is none to find. */
  done = false
  hello: TlsHello | undefined

  /** `from`: the stream offset the client's first byte has (the hello starts there). */
  constructor(private readonly from: number) {}

  /** The client stream offset it wants next. */
  get next(): number {
    return this.from + this.gathered.length
  }

  /** Client bytes at stream offset `offset`; what it has already is skipped, a gap ends the reading. */
  push(bytes: Uint8Array, offset: number): void {
    if (this.done) return
    const skip = this.next - offset
    if (skip < 0) return this.stop()
    if (skip >= bytes.length) return
    // A copy (the decoder's bytes are a window of the capture that the next read reuses), of
    // no more than the reading can ever look at.
    const r = this.gathered.push(bytes.slice(skip, skip + MAX_CLIENT_HELLO_WIRE_BYTES))
    if (r.state === 'hello') this.hello = helloOf(r)
    if (r.state !== 'need-more') this.stop()
  }

  /** The client will send nothing more. */
  stop(): void {
    this.done = true
    this.gathered = new HelloBytes(joinBytes)
  }
}
