// One connection of a proxy that terminates TLS from its clients (`--tls-listen`), from
// accept until its two legs are secure, then handed to a ProxyConnection that runs it like
// any other (over the TLS sockets, so the capture holds the cleartext).
//
// The order: the client's ClientHello is read (bounded and timed, tls-accept.ts readHello);
// the target is dialed with the client's SNI (unless `--sni`) and ALPN (unless `--alpn`),
// TLS or not (`--tls-upstream`); once the target's leg is up (its handshake done, so its
// ALPN is known), the client is answered with a leaf from tcpscope's CA for its SNI (else
// `--tls-name`, else the target's host or IP) and the ALPN the target settled on. Each
// leg's handshake is recorded as its `tls` record; a failure is recorded with its one line.
// A client that cannot be served is closed cleanly (FIN), never reset: nothing it did was a
// TCP error. The hello and handshake bytes are not part of the recorded streams.
//
// TLS may also start midway (STARTTLS, starttls/): a client whose first bytes are a
// PostgreSQL SSLRequest, or that stays silent a moment (SMTP, IMAP, POP3 and MySQL servers
// speak first), has the target dialed in the clear and the opening relayed and recorded
// (starttls/relay.ts) until it switches. Then the same securing step runs as for TLS from
// the first byte: the client's hello read, the target's leg secured over its TCP connection
// (tls-connect.ts secureOver) with the client's SNI and ALPN, the client answered with a
// leaf; both legs' `tls` records name the protocol (`starttls`). The recorded streams go on
// from the cleartext before the switch to the cleartext after it.

import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { StartTlsProtocol, TlsFailure, TlsHello } from '../../shared/tls-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { errorInfo } from '../net/net-errors'
import { isResetError, resetSocket } from '../net/sockets'
import type { ConnectFailure, DialHandler } from '../net/target/connect-target'
import { secureOver, type TlsLeg } from '../net/target/tls-connect'
import type { CertificateSource } from '../tls/certificate-source'
import { acceptTls, readHello, TlsAcceptError, type FirstBytes } from '../tls/tls-accept'
import { noCertificate } from '../tls/tls-errors'
import type { ProxyContext } from './proxy-connection'
import { ConnectionSetup } from './connection-setup'
import { postgresRequest } from './starttls/postgres'
import { StartTlsRelay, type RelayOutcome } from './starttls/relay'

/** How a proxy answers its clients' TLS. */
export interface TlsListenSettings extends CertificateSource {
  /** The leaf's name when the client sent no SNI (`--tls-name`, else the target's host or IP). */
  defaultName: string
  /** The hello, then each handshake, must come within this long. */
  timeoutMs: number
  /** `--sni`: sent to the target instead of the client's. */
  sni?: string
  /** `--alpn`: offered to the target instead of what the client offered. */
  alpn?: string[]
  /** How long a silent client waits before the target is asked whether it speaks first (a STARTTLS protocol); 0 on their well-known ports. */
  serverFirstWaitMs: number
  /** The target's TLS after a STARTTLS (`--tls-upstream`'s options, else its defaults: verified against the system's roots). */
  starttlsLeg: TlsLeg
}

/** What a setup needs of its proxy. */
export interface TlsListenHost {
  settings: TlsListenSettings
  /** The connection is over: both sockets closed, its record closed. */
  done(setup: TlsListenSetup): void
}

type State = 'hello' | 'dialing' | 'opening' | 'switching' | 'securing' | 'running' | 'closing'

const NOT_TLS: TlsFailure = { side: 'client', code: 'ENOTTLS', message: 'the client did not speak TLS (its first bytes are no TLS hello): connect with TLS, or run the proxy without --tls-listen' }
const NO_OPENING: TlsFailure = { side: 'client', code: 'ENOTTLS', message: 'the target spoke first, with no opening tcpscope can switch to TLS (SMTP, IMAP, POP3, MySQL), and the client sent no TLS hello: run the proxy without --tls-listen' }

export class TlsListenSetup extends ConnectionSetup<State> implements DialHandler {
  liveSlot = -1
  private hello: TlsHello = {}
  private helloBytes: Buffer = Buffer.alloc(0)
  /** The cleartext opening path (STARTTLS): the client's first bytes, relayed once the target is up. */
  private openingHead: Buffer | undefined
  /** The TCP connection under the target's TLS, when TLS started midway. */
  private raw: Socket | undefined

  constructor(
    client: Socket,
    private readonly rec: RecordedConnection,
    private readonly ctx: ProxyContext,
    private readonly host: TlsListenHost,
    captureHeld: boolean
  ) {
    super(client, 'hello', captureHeld)
    client.setNoDelay(ctx.noDelay)
    client.on('close', this.onSocketClosed)
    this.step(this.readClientHello())
  }

  /**
   * Runs a step of the handshake that waits on the peers. One that throws (a fault of ours,
   * not a peer's) closes this connection, recorded, and never reaches the process.
   */
  private step(p: Promise<void>): void {
    p.catch((err: unknown) => {
      if (this.state === 'closing') return
      if (this.state === 'running') return void [this.client, this.upstream].forEach((s) => s?.destroy())
      this.refuse({ side: 'client', code: 'EINTERNAL', message: `tcpscope failed while setting up TLS: ${(err as Error).message}` })
    })
  }

  private async readClientHello(): Promise<void> {
    const { settings } = this.host
    const first = await readHello(this.client, {
      timeoutMs: settings.timeoutMs,
      silentMs: settings.serverFirstWaitMs,
      waitFor: (bytes) => postgresRequest(bytes) === 'need-more'
    })
    if (this.state !== 'hello') return
    switch (first.state) {
      case 'hello':
        this.hello = first.hello
        this.helloBytes = first.bytes
        return this.dial()
      case 'silent':
        return this.dialClear(first.bytes)
      case 'not-tls':
        if (postgresRequest(first.bytes) !== undefined) return this.dialClear(first.bytes)
        return this.refuse(NOT_TLS)
      case 'bad':
      case 'timeout':
        return this.refuse(first.failure)
      case 'closed':
        return this.clientGone(first)
    }
  }

  /** The client closed, reset or failed before its hello: recorded as it was. */
  private clientGone(first: Extract<FirstBytes, { state: 'closed' }>): void {
    this.state = 'closing'
    if (first.error === undefined) {
      this.rec.event('fin', 'client')
      this.end ??= 'closed'
    } else {
      this.rec.event(isResetError(first.error) ? 'reset' : 'error', 'client', errorInfo(first.error))
      this.end ??= isResetError(first.error) ? 'client-reset' : 'error'
    }
    this.client.destroy()
    this.upstream?.end()
  }

  /** A client that cannot be served: its failure recorded, and a clean close (of the target's leg too, when it is up). */
  private refuse(failure: TlsFailure): void {
    this.state = 'closing'
    this.rec.event('tls', 'client', { ok: false, ...failure })
    this.end = 'error'
    this.closeCleanly()
  }

  private closeCleanly(): void {
    for (const s of [this.client, this.upstream]) {
      if (s === undefined) continue
      s.destroySoon()
      s.resume()
    }
  }

  /** The target dialed in the clear, for an opening relayed before TLS starts midway. */
  private dialClear(head: Buffer): void {
    this.state = 'dialing'
    this.openingHead = head
    this.upstream = this.ctx.target.dialClear(this.rec, this)
    this.openSockets++
    this.upstream.on('close', this.onSocketClosed)
    this.upstream.pause()
  }

  private relayOpening(head: Buffer): void {
    this.state = 'opening'
    new StartTlsRelay(this.client, this.upstream!, this.rec, head, { timeoutMs: this.host.settings.timeoutMs }, (outcome) => this.afterOpening(outcome))
  }

  private afterOpening(outcome: RelayOutcome): void {
    if (this.state !== 'opening') return
    switch (outcome.kind) {
      case 'switch':
        return this.step(this.switchToTls(outcome.protocol))
      case 'clear':
        return this.handOver(this.client, this.upstream!)
      case 'none':
        return this.refuse(outcome.dir === 'client' ? NOT_TLS : NO_OPENING)
      case 'closed':
        this.state = 'closing'
        this.end ??= outcome.end
    }
  }

  /** Both sides agreed to start TLS (or the client's hello came late): the client's hello read, then the target's leg secured over its TCP connection where it takes TLS, then the client's. */
  private async switchToTls(starttls: StartTlsProtocol | undefined): Promise<void> {
    this.state = 'switching'
    const { settings } = this.host
    const first = await readHello(this.client, { timeoutMs: settings.timeoutMs })
    if (this.state !== 'switching') return
    if (first.state === 'closed') return this.clientGone(first)
    if (first.state !== 'hello') {
      const after = starttls !== undefined ? ` after its STARTTLS (${starttls})` : ''
      return this.refuse(first.state === 'bad' || first.state === 'timeout' ? first.failure : { side: 'client', code: 'ENOTTLS', message: `the client sent no TLS hello${after}: closed` })
    }
    this.hello = first.hello
    this.helloBytes = first.bytes
    // A hello with no opening before it came from a client only slower than the wait for a
    // server that speaks first: the target's leg is what it would have been had the hello come
    // at once, TLS where the target is set to it, else the clear connection already up (a
    // STARTTLS leg there waited out the handshake timeout against a plain target).
    const leg = this.ctx.target.tls ?? (starttls !== undefined ? settings.starttlsLeg : undefined)
    if (leg === undefined) return this.secureClient(undefined)
    const raw = this.upstream!
    const secure = await secureOver(leg, raw, {
      rec: this.rec,
      where: this.ctx.target.where,
      servername: settings.sni ?? this.hello.sni,
      alpn: settings.alpn ?? this.hello.alpn,
      timeoutMs: settings.timeoutMs,
      starttls
    })
    if (this.state !== 'switching') return void secure?.destroy()
    if (secure === undefined) {
      // The target's leg failed (recorded): the client, mid-handshake, sees a clean close.
      this.state = 'closing'
      this.end ??= 'error'
      return this.closeCleanly()
    }
    this.raw = raw
    this.upstream = secure
    secure.pause()
    await this.secureClient(starttls)
  }

  private dial(): void {
    this.state = 'dialing'
    const { settings } = this.host
    this.upstream = this.ctx.target.dial(this.rec, this, { servername: settings.sni ?? this.hello.sni, alpn: settings.alpn ?? this.hello.alpn })
    this.openSockets++
    this.upstream.on('close', this.onSocketClosed)
    // Until the client's leg is secure, a FIN or bytes from the target wait in its socket.
    this.upstream.pause()
  }

  targetConnected(): void {
    if (this.state !== 'dialing') return
    if (this.openingHead !== undefined) return this.relayOpening(this.openingHead)
    this.step(this.secureClient(undefined))
  }

  /** The target could not be reached (recorded by connect-target.ts): the client, mid-handshake, sees a clean close. */
  targetFailed(failure: ConnectFailure): void {
    this.end ??= failure.end
    if (this.state === 'closing') return
    this.state = 'closing'
    this.client.destroySoon()
    this.client.resume()
  }

  targetError(err: NodeJS.ErrnoException): void {
    if (this.conn !== undefined) return this.conn.targetError(err)
    if (this.state === 'closing') return
    this.state = 'closing'
    const reset = isResetError(err)
    this.rec.event(reset ? 'reset' : 'error', 'server', errorInfo(err))
    this.end ??= reset ? 'server-reset' : 'error'
    // A reset passes on as a reset (the client has had no byte of the target's yet, or only its cleartext opening).
    if (reset) resetSocket(this.client)
    else this.client.destroy()
  }

  /** The client's leg, once the target's is up: the one securing step, whether TLS began at the first byte or midway. */
  private async secureClient(starttls: StartTlsProtocol | undefined): Promise<void> {
    this.state = 'securing'
    const { settings } = this.host
    const up = this.upstream!
    const settled = (up as Partial<TLSSocket>).alpnProtocol
    const alpn = typeof settled === 'string' && settled !== '' ? [settled] : undefined
    const name = this.hello.sni ?? settings.defaultName
    let secure: TLSSocket
    try {
      const context = await settings.contextFor(name)
      if (this.state !== 'securing') return
      secure = await acceptTls(this.client, { head: this.helloBytes, context, alpn, leafFromCa: settings.leafFromCa, record: this.rec, timeoutMs: settings.timeoutMs, starttls })
    } catch (err) {
      if (!(err instanceof TlsAcceptError)) {
        // No certificate for the name (the CA could not be opened or could not issue): recorded, and a clean close.
        this.rec.event('tls', 'client', { ok: false, ...noCertificate(name, err) })
        this.client.destroySoon()
      }
      this.end ??= 'error'
      this.state = 'closing'
      if (!up.destroyed) up.end()
      up.resume()
      return
    }
    if (this.state !== 'securing') return void secure.destroy()
    this.handOver(secure, up)
  }

  /** The connection runs as any other from here: over the TLS sockets, or in the clear when an opening did not switch. */
  private handOver(client: Socket, up: Socket): void {
    this.client.off('close', this.onSocketClosed)
    ;(this.raw ?? up).off('close', this.onSocketClosed)
    this.handOverTo(client, up, this.rec, { ...this.ctx, done: () => this.host.done(this) }, this.raw !== undefined)
  }

  private readonly onSocketClosed = (): void => {
    if (--this.openSockets > 0) return
    this.rec.close(this.end ?? 'closed')
    this.host.done(this)
  }
}
