// A plain proxy (no TLS of its own) that forwards a TLS connection passes its bytes through
// untouched, and says what the client asked for: the ClientHello's SNI and ALPN, read from
// the client's first bytes as they are forwarded, recorded as the connection's `tls`
// pass-through record. So the capture itself labels the connection TLS (the list, `ls`,
// filters and exports agree), whether or not anything decoded it.
//
// It looks only at the start of the client's stream: a first byte that is no TLS handshake
// ends the look at once, and a hello is read up to its bound (client-hello.ts), so a
// connection costs at most one small copy and one parse, whatever it carries after.

import type { TlsEventInfo } from '../../shared/tls-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { helloOf, MAX_CLIENT_HELLO_WIRE_BYTES, readClientHello } from '../tls/client-hello'

const TLS_HANDSHAKE = 0x16

/** Records a hello forwarded untouched as the connection's `tls` pass-through record (also the forward proxy's tunnels'). */
export function recordPassthrough(rec: RecordedConnection, read: { sni?: string; alpn?: string[] }): void {
  const info: TlsEventInfo = { ok: true, passthrough: true, side: 'client', ...helloOf(read) }
  rec.event('tls', 'client', info as unknown as Record<string, unknown>)
}

export class HelloSniff {
  /** The client's bytes so far, while a hello may still be coming (copied: read buffers are reused). */
  private head: Buffer | undefined

  /** Looks at the client's first chunk: a sniff still waiting for the rest of a hello, or undefined when the look is over. */
  static first(chunk: Buffer, rec: RecordedConnection): HelloSniff | undefined {
    if (chunk.length === 0 || chunk[0] !== TLS_HANDSHAKE) return undefined
    const sniff = new HelloSniff(rec)
    return sniff.more(chunk) ? undefined : sniff
  }

  private constructor(private readonly rec: RecordedConnection) {}

  /** True when the look is over (a hello recorded, or none to be had). */
  more(chunk: Buffer): boolean {
    const room = MAX_CLIENT_HELLO_WIRE_BYTES - (this.head?.length ?? 0)
    const piece = Buffer.from(chunk.subarray(0, Math.max(0, room)))
    this.head = this.head === undefined ? piece : Buffer.concat([this.head, piece])
    const read = readClientHello(this.head)
    if (read.state === 'need-more') return this.head.length >= MAX_CLIENT_HELLO_WIRE_BYTES
    if (read.state === 'hello') recordPassthrough(this.rec, read)
    this.head = undefined
    return true
  }
}
