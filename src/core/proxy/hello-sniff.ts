// A plain proxy (no TLS of its own) that forwards a TLS connection passes its bytes through
// untouched, and says what the client asked for: the ClientHello's SNI and ALPN, read from
// the client's first bytes as they are forwarded, recorded as the connection's `tls`
// pass-through record. So the capture itself labels the connection TLS (the list, `ls`,
// filters and exports agree), whether or not anything decoded it.
//
// TLS may also start midway, after a protocol's opening (STARTTLS: PostgreSQL's SSLRequest,
// SMTP, IMAP, POP3, MySQL; starttls/starttls-watch.ts): then the look follows the opening in
// both directions, and the hello that follows the switch is recorded with the protocol
// (`starttls`), so the connection reads "TLS after STARTTLS (smtp)".
//
// It looks only at the start of the streams: bytes that are neither a TLS handshake nor an
// opening end the look at their first chunk, an opening is followed for a bounded number of
// bytes (LOOK_LIMIT), and a hello is read up to its bound (client-hello.ts), so a connection
// costs at most a few small copies and parses, whatever it carries after.

import type { Direction } from '../../shared/direction'
import type { StartTlsProtocol, TlsEventInfo } from '../../shared/tls-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { helloOf, HelloBytes } from '../protocols/client-hello'
import { mayOpen, StartTlsWatch } from './starttls/starttls-watch'

const TLS_HANDSHAKE = 0x16

/** Records a hello forwarded untouched as the connection's `tls` pass-through record (also the forward proxy's tunnels'). */
export function recordPassthrough(rec: RecordedConnection, read: { sni?: string; alpn?: string[] }, starttls?: StartTlsProtocol): void {
  const info: TlsEventInfo = { ok: true, passthrough: true, side: 'client', ...helloOf(read), ...(starttls !== undefined ? { starttls } : {}) }
  rec.event('tls', 'client', info as unknown as Record<string, unknown>)
}

export class HelloSniff {
  /** The client's bytes so far, while a hello may still be coming (copied: read buffers are reused). */
  private head: HelloBytes<Buffer> | undefined
  /** The opening followed until its switch, when TLS may start midway. */
  private watch: StartTlsWatch | undefined
  /** The opening's protocol, once it switched: the hello that follows is recorded with it. */
  private starttls: StartTlsProtocol | undefined

  /** Looks at the connection's first chunk (either side's): a sniff still looking, or undefined when the look is over. */
  static first(dir: Direction, chunk: Buffer, rec: RecordedConnection): HelloSniff | undefined {
    if (chunk.length === 0) return undefined
    const tls = dir === 'client' && chunk[0] === TLS_HANDSHAKE
    if (!tls && !mayOpen(dir, chunk)) return undefined
    const sniff = new HelloSniff(rec, tls ? undefined : new StartTlsWatch({ intercept: false }))
    return sniff.more(dir, chunk) ? undefined : sniff
  }

  private constructor(
    private readonly rec: RecordedConnection,
    watch: StartTlsWatch | undefined
  ) {
    this.watch = watch
  }

  /** True when the look is over (a hello recorded, or none to be had). */
  more(dir: Direction, chunk: Buffer): boolean {
    if (this.watch !== undefined) {
      const step = this.watch.see(dir, chunk)
      if (step.kind === 'watch') return false
      if (step.kind !== 'switch') return true
      this.starttls = this.watch.protocol
      this.watch = undefined
      return false
    }
    // A TLS server says nothing before the client's hello.
    if (dir !== 'client') return true
    return this.helloMore(chunk)
  }

  private helloMore(chunk: Buffer): boolean {
    this.head ??= new HelloBytes<Buffer>(Buffer.concat)
    const read = this.head.push(Buffer.from(chunk))
    if (read.state === 'need-more') return false
    if (read.state === 'hello') recordPassthrough(this.rec, read, this.starttls)
    this.head = undefined
    return true
  }
}
