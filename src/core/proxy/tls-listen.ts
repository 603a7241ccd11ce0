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

import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ConnectionEnd } from '../../shared/capture-types'
import type { TlsFailure, TlsHello } from '../../shared/tls-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { errorInfo } from '../net/net-errors'
import { isResetError, resetSocket } from '../net/sockets'
import type { ConnectFailure, DialHandler } from '../net/target/connect-target'
import type { CertificateSource } from '../tls/certificate-source'
import { acceptTls, readHello, TlsAcceptError } from '../tls/tls-accept'
import { noCertificate } from '../tls/tls-errors'
import { ProxyConnection, type ProxyContext } from './proxy-connection'

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
}

/** What a setup needs of its proxy. */
export interface TlsListenHost {
  settings: TlsListenSettings
  /** The connection is over: both sockets closed, its record closed. */
  done(setup: TlsListenSetup): void
}

type State = 'hello' | 'dialing' | 'securing' | 'running' | 'closing'

export class TlsListenSetup implements DialHandler {
  liveSlot = -1
  private state: State = 'hello'
  private upstream: Socket | undefined
  private conn: ProxyConnection | undefined
  private end: ConnectionEnd | undefined
  /** Sockets still open before the hand-over (after it, the ProxyConnection counts). */
  private openSockets = 1
  private hello: TlsHello = {}
  private helloBytes: Buffer = Buffer.alloc(0)

  constructor(
    private readonly client: Socket,
    private readonly rec: RecordedConnection,
    private readonly ctx: ProxyContext,
    private readonly host: TlsListenHost,
    private captureHeld: boolean
  ) {
    client.setNoDelay(ctx.noDelay)
    client.on('close', this.onSocketClosed)
    void this.readClientHello()
  }

  private async readClientHello(): Promise<void> {
    const first = await readHello(this.client, { timeoutMs: this.host.settings.timeoutMs })
    if (this.state !== 'hello') return
    switch (first.state) {
      case 'hello':
        this.hello = first.hello
        this.helloBytes = first.bytes
        return this.dial()
      case 'not-tls':
        return this.refuse({ side: 'client', code: 'ENOTTLS', message: 'the client did not speak TLS (its first bytes are no TLS hello): connect with TLS, or run the proxy without --tls-listen' })
      case 'bad':
      case 'timeout':
        return this.refuse(first.failure)
      case 'closed':
        this.state = 'closing'
        if (first.error === undefined) {
          this.rec.event('fin', 'client')
          this.end = 'closed'
          return void this.client.destroy()
        }
        this.rec.event(isResetError(first.error) ? 'reset' : 'error', 'client', errorInfo(first.error))
        this.end = isResetError(first.error) ? 'client-reset' : 'error'
        return void this.client.destroy()
    }
  }

  /** A client that cannot be served: its failure recorded, and a clean close. */
  private refuse(failure: TlsFailure): void {
    this.state = 'closing'
    this.rec.event('tls', 'client', { ok: false, ...failure })
    this.end = 'error'
    this.client.destroySoon()
    this.client.resume()
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
    void this.secureClient()
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
    // The client has had no byte of the target's yet: a reset passes on as a reset.
    if (reset) resetSocket(this.client)
    else this.client.destroy()
  }

  private async secureClient(): Promise<void> {
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
      secure = await acceptTls(this.client, { head: this.helloBytes, context, alpn, leafFromCa: settings.leafFromCa, record: this.rec, timeoutMs: settings.timeoutMs })
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

  private handOver(secure: TLSSocket, up: Socket): void {
    this.state = 'running'
    this.client.off('close', this.onSocketClosed)
    up.off('close', this.onSocketClosed)
    const ctx: ProxyContext = { ...this.ctx, done: () => this.host.done(this) }
    this.conn = new ProxyConnection(secure, this.rec, ctx, this.captureHeld, up)
    if (!this.captureHeld) up.resume()
  }

  private readonly onSocketClosed = (): void => {
    if (--this.openSockets > 0) return
    this.rec.close(this.end ?? 'closed')
    this.host.done(this)
  }

  /** The proxied connection, once the hand-over made it (conn.pause, conn.inject, late stages). */
  get connection(): ProxyConnection | undefined {
    return this.conn
  }

  setCaptureHeld(held: boolean): void {
    this.captureHeld = held
    this.conn?.setCaptureHeld(held)
  }

  /** Closes both sides now (the proxy is stopping). */
  kill(): void {
    if (this.conn !== undefined) return this.conn.kill()
    this.end ??= 'stopped'
    this.state = 'closing'
    this.client.destroy()
    this.upstream?.destroy()
  }
}
