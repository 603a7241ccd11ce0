// One client of a forward proxy, from accept to close: its opening (client-opening.ts), then,
// once it has said where it goes, its own capture connection (target: the real destination,
// `via`: how it asked) and the upstream dial (connect-target.ts, recorded there), the answer
// to the client (the tunnel is open, or a 502 / SOCKS5 code with the connect's reason), a
// look at the tunnel's first bytes, and the hand-over to a ProxyConnection that runs it like
// any proxied connection. The proxy's bytes (a CONNECT head, the SOCKS5 exchange) are not
// part of the tunnel's streams; an absolute-form request is (it is the first request).
//
// The look at the first bytes decides how the tunnel runs: a TLS ClientHello is intercepted
// (tunnel-tls.ts) unless the proxy passes it through, in which case the hello's SNI and ALPN
// are recorded (`tls` passthrough) and the bytes pass untouched; anything else is raw TCP.
// A server that speaks first (SMTP, SSH) is never TLS from the client, so its first bytes
// end the look at once. TLS may then start midway, after a STARTTLS opening: intercepted
// like TLS from the first byte when the proxy intercepts the destination (the opening
// relayed and recorded by starttls/relay.ts), else passed through untouched and labelled
// (hello-sniff.ts).
//
// A destination that cannot be reached may still be answered for by the proxy's traffic
// rules (target-down.ts decides): the client is told the tunnel is open, and it runs with
// the target down. Its first bytes are looked at as above; a ClientHello the proxy intercepts
// has only the client's leg secured (tunnel-tls.ts), and the connection's stages answer the
// cleartext, told the target is down (ProxyConnection.targetFailed, as a target proxy's). TLS
// that would pass through cannot reach anyone: the client is closed (FIN), the hello recorded.

import type { Socket } from 'node:net'
import type { StartTlsProtocol, TlsFailure } from '../../../shared/tls-types'
import type { RecordedConnection } from '../../capture/write/recorded-connection'
import type { LiveSetMember } from '../../net/live-set'
import { errorInfo, outOfDescriptors } from '../../net/net-errors'
import { isResetError, localPeer, remotePeer, resetSocket } from '../../net/sockets'
import type { ConnectFailure, DialHandler, Target } from '../../net/target/connect-target'
import { HelloBytes, type ClientHelloRead } from '../../protocols/client-hello'
import { badHello, HELLO_CUT_SHORT, helloTimeout } from '../../tls/tls-errors'
import { readHello } from '../../tls/tls-accept'
import { StartTlsRelay, type RelayOutcome } from '../starttls/relay'
import type { ForwardStages, StagePair } from '../forward-stage'
import { recordPassthrough } from '../hello-sniff'
import { ConnectionSetup } from '../connection-setup'
import { AbsoluteFormStage } from './absolute-form-stage'
import { ClientOpening, closeWith, type TunnelRequest } from './client-opening'
import { authorityText } from './http-proxy-request'
import { closePair, stagesTakingOver } from './target-down'
import type { TunnelHost } from './tunnel-host'

/** A tunnel's own stages: an absolute-form request's heads rewritten for the origin (the other ways carry bytes as they are). */
function ownStages(req: TunnelRequest): ForwardStages | undefined {
  return req.via === 'HTTP' ? () => ({ client: new AbsoluteFormStage(req) }) : undefined
}

type State = 'opening' | 'dialing' | 'sniffing' | 'securing' | 'running' | 'closing'

export class Tunnel extends ConnectionSetup<State> implements LiveSetMember, DialHandler {
  liveSlot = -1
  private readonly opening: ClientOpening
  private req: TunnelRequest | undefined
  private rec: RecordedConnection | undefined
  private target: Target | undefined
  private descriptors = 1
  /** The client's (and the server's) first bytes, while they are looked at. */
  private readonly clientBytes = new HelloBytes<Buffer>(Buffer.concat)
  /** What the client's bytes so far are: a hello, not one, or not enough yet. */
  private helloRead: ClientHelloRead = { state: 'need-more' }
  private serverBytes: Buffer[] = []
  private clientEnded = false
  private serverEnded = false
  private helloTimer: NodeJS.Timeout | undefined
  /** The destination could not be reached and these stages answer for it (target-down.ts); `upstream` is the failed socket. */
  private down: { pair: StagePair; failure: ConnectFailure } | undefined

  constructor(
    client: Socket,
    private readonly host: TunnelHost<Tunnel>,
    captureHeld: boolean
  ) {
    super(client, 'opening', captureHeld)
    client.on('error', this.onClientError)
    client.on('close', this.onSocketClosed)
    this.opening = new ClientOpening(client, host.opening, (req) => this.open(req))
  }

  get id(): number | undefined {
    return this.rec?.id
  }

  /** The client said where it goes: its capture connection opens, and the dial starts. */
  private open(req: TunnelRequest): void {
    if (this.client.destroyed) return
    this.req = req
    this.state = 'dialing'
    const host = this.host
    this.rec = host.capture.openConnection({
      kind: 'proxy',
      ownerId: host.ownerId,
      client: remotePeer(this.client),
      target: authorityText(req),
      via: req.via
    })
    if (!host.budget.room(1)) {
      const message = outOfDescriptors(host.budget.limit)
      this.rec.event('connect-failed', 'server', { code: 'EMFILE', message })
      this.end = 'connect-failed'
      host.fdExhausted()
      req.answers.failed({ code: 'EMFILE', message, end: 'connect-failed' })
      return
    }
    host.budget.opened(1)
    this.descriptors = 2
    this.openSockets = 2
    this.target = host.targetFor(req)
    this.upstream = this.target.dial(this.rec, this)
    this.upstream.on('close', this.onSocketClosed)
  }

  targetConnected(): void {
    if (this.state !== 'dialing') return
    const up = this.upstream!
    up.setNoDelay(true)
    this.req!.answers.opened(localPeer(up))
    this.state = 'sniffing'
    this.look()
  }

  targetFailed(failure: ConnectFailure): void {
    if (this.state === 'closing' || this.client.destroyed) {
      this.end ??= failure.end
      return
    }
    // The connect failure is recorded (connect-target.ts) either way; rules may answer for the destination.
    const pair = stagesTakingOver(this.host.stagesFor(ownStages(this.req!)), this.rec!.id, failure, this.rec!)
    if (pair !== undefined) return this.runDown(pair, failure)
    this.end ??= failure.end
    this.state = 'closing'
    this.req!.answers.failed(failure)
  }

  /** The rules answer for the unreachable destination: the client is told the tunnel is open, and its first bytes looked at. */
  private runDown(pair: StagePair, failure: ConnectFailure): void {
    this.down = { pair, failure }
    this.req!.answers.opened(undefined)
    this.state = 'sniffing'
    this.look()
  }

  targetError(err: NodeJS.ErrnoException): void {
    if (this.conn !== undefined) return this.conn.targetError(err)
    this.failBoth('server', err)
  }

  private readonly onClientError = (err: NodeJS.ErrnoException): void => {
    // Before a capture connection exists there is nothing to record: the client just goes.
    if (this.rec === undefined) return void this.client.destroy()
    this.failBoth('client', err)
  }

  /** An error on one side before the hand-over: recorded, and both sides reset. */
  private failBoth(side: 'client' | 'server', err: NodeJS.ErrnoException): void {
    if (this.state === 'closing' || this.state === 'running') return
    this.state = 'closing'
    const reset = isResetError(err)
    this.rec?.event(reset ? 'reset' : 'error', side, errorInfo(err))
    this.end ??= reset ? (side === 'client' ? 'client-reset' : 'server-reset') : 'error'
    resetSocket(this.client)
    if (this.upstream !== undefined) resetSocket(this.upstream)
  }

  // --- The look at the tunnel's first bytes ---

  private look(): void {
    const client = this.client
    const up = this.upstream!
    const early = this.req!.early
    if (early.length > 0) this.helloRead = this.clientBytes.push(early)
    client.on('data', this.onClientData)
    client.on('end', this.onClientEnd)
    up.on('data', this.onServerData)
    up.on('end', this.onServerEnd)
    client.resume()
    if (early.length > 0) this.decide()
  }

  private stopLooking(): void {
    clearTimeout(this.helloTimer)
    this.client.off('data', this.onClientData)
    this.client.off('end', this.onClientEnd)
    this.upstream!.off('data', this.onServerData)
    this.upstream!.off('end', this.onServerEnd)
    this.client.pause()
    this.upstream!.pause()
  }

  private readonly onClientData = (chunk: Buffer): void => {
    this.helloRead = this.clientBytes.push(chunk)
    this.decide()
  }

  private readonly onServerData = (chunk: Buffer): void => {
    this.serverBytes.push(chunk)
    // The server spoke first: not a TLS client's tunnel (whatever the client sent so far is not a whole hello),
    // though TLS may start midway, after its opening (STARTTLS).
    this.noHelloFirst()
  }

  private readonly onClientEnd = (): void => {
    this.clientEnded = true
    this.decide()
  }

  private readonly onServerEnd = (): void => {
    this.serverEnded = true
    this.runRaw()
  }

  private decide(): void {
    if (this.state !== 'sniffing') return
    let read = this.helloRead
    if (read.state === 'need-more') {
      if (!this.clientEnded) return this.armHelloTimer()
      if (this.clientBytes.length === 0) return this.runRaw()
      read = { state: 'bad', reason: HELLO_CUT_SHORT }
    }
    if (read.state === 'not-tls') return this.noHelloFirst()
    const dest = this.req!
    if (read.state === 'bad') {
      // Passed through, a bad hello is the destination's to refuse; intercepted, it is ours.
      if (!this.host.intercepts(dest.host)) return this.runRaw()
      return this.refuseTls(badHello(read.reason))
    }
    const name = read.sni ?? dest.host
    if (this.host.interceptor === undefined || !this.host.intercepts(name)) {
      recordPassthrough(this.rec!, read)
      return this.down === undefined ? this.runRaw() : this.closeDown()
    }
    const hello = this.clientBytes.take()
    this.step(this.intercept(hello, read.sni, read.alpn, undefined))
  }

  /**
   * No TLS hello came first. TLS may still start midway, after a STARTTLS opening: when the
   * proxy intercepts this destination, the opening is relayed and recorded
   * (starttls/relay.ts) and a switch intercepted as a hello from the first byte is;
   * otherwise the tunnel runs raw, and a switch passes through, labelled.
   */
  private noHelloFirst(): void {
    if (this.state !== 'sniffing') return
    const dest = this.req!
    const canIntercept = this.host.interceptor !== undefined && this.host.intercepts(dest.host) && dest.via !== 'HTTP'
    // A FIN heard by the look would not be heard again by the relay; with the destination down, no opening can be relayed.
    if (!canIntercept || this.clientEnded || this.serverEnded || this.down !== undefined) return this.runRaw(true)
    this.stopLooking()
    this.state = 'opening'
    const up = this.upstream!
    for (let i = this.serverBytes.length - 1; i >= 0; i--) up.unshift(this.serverBytes[i])
    this.serverBytes = []
    const head = this.clientBytes.take()
    const timeoutMs = this.host.opening.handshakeTimeoutMs
    new StartTlsRelay(this.client, up, this.rec!, head, { timeoutMs, passOn: true, ownerHearsClientErrors: true }, (outcome) => this.afterOpening(outcome))
  }

  private afterOpening(outcome: RelayOutcome): void {
    if (this.state !== 'opening') return
    switch (outcome.kind) {
      case 'switch':
        return this.step(this.switchToTls(outcome.protocol))
      case 'clear':
      case 'none':
        return this.handOver(this.client, this.upstream!)
      case 'closed':
        this.state = 'closing'
        this.end ??= outcome.end
    }
  }

  /** Both sides agreed to start TLS midway: the client's hello read, then intercepted as one from the first byte. */
  private async switchToTls(starttls: StartTlsProtocol | undefined): Promise<void> {
    this.state = 'sniffing'
    const first = await readHello(this.client, { timeoutMs: this.host.opening.handshakeTimeoutMs })
    if (this.state !== 'sniffing') return
    if (first.state === 'hello') return this.intercept(first.bytes, first.hello.sni, first.hello.alpn, starttls)
    if (first.state === 'bad' || first.state === 'timeout') return this.refuseTls(first.failure)
    this.refuseTls({ side: 'client', code: 'ENOTTLS', message: `the client sent no TLS hello${starttls !== undefined ? ` after its STARTTLS (${starttls})` : ''}: closed` })
  }

  /** A hello that never completes is not waited for past the handshake timeout. */
  private armHelloTimer(): void {
    if (this.helloTimer !== undefined) return
    this.helloTimer = setTimeout(() => {
      if (this.state !== 'sniffing') return
      const dest = this.req!
      if (!this.host.intercepts(dest.host)) return this.runRaw()
      this.refuseTls(helloTimeout(this.host.opening.handshakeTimeoutMs, this.clientBytes.length))
    }, this.host.opening.handshakeTimeoutMs)
    this.helloTimer.unref()
  }

  /** A client TLS failure before any handshake: recorded, and both sides closed cleanly. */
  /**
   * Runs a step of interception that waits on the peers. One that throws (a fault of ours,
   * not a peer's) closes this tunnel, recorded, and never reaches the process.
   */
  private step(p: Promise<void>): void {
    p.catch((err: unknown) => {
      if (this.state === 'closing') return
      if (this.state === 'running' || this.upstream === undefined || this.rec === undefined) {
        this.client.destroy()
        this.upstream?.destroy()
        return
      }
      this.refuseTls({ side: 'client', code: 'EINTERNAL', message: `tcpscope failed while intercepting TLS: ${(err as Error).message}` })
    })
  }

  private refuseTls(failure: TlsFailure): void {
    this.stopLooking()
    this.state = 'closing'
    this.rec!.event('tls', 'client', { ok: false, ...failure })
    this.end ??= 'error'
    closeWith(this.client)
    // Nothing reached the destination yet: there is nothing to finish with it.
    this.upstream!.destroy()
  }

  /** A TLS hello that would pass through, to a destination that is down: nothing can answer it, so the client is closed cleanly. */
  private closeDown(): void {
    this.stopLooking()
    this.state = 'closing'
    this.end ??= this.down!.failure.end
    closeWith(this.client)
  }

  private async intercept(hello: Buffer, sni: string | undefined, alpn: string[] | undefined, starttls: StartTlsProtocol | undefined): Promise<void> {
    this.stopLooking()
    this.state = 'securing'
    const dest = this.req!
    // With the destination down, only the client's leg is secured: there is no upstream to lose meanwhile.
    const up = this.down === undefined ? this.upstream! : undefined
    let secured: { client: Socket; upstream?: Socket } | undefined
    try {
      secured = await this.host.interceptor!({
        client: this.client,
        upstream: up,
        hello,
        sni,
        alpn,
        dest,
        where: authorityText(dest),
        rec: this.rec!,
        ...(starttls !== undefined ? { starttls } : {}),
        gone: () => this.state !== 'securing' || this.client.destroyed || up?.destroyed === true
      })
    } catch (err) {
      this.rec!.event('error', undefined, { code: 'EINTERCEPT', message: `cannot intercept TLS to ${authorityText(dest)}: ${err instanceof Error ? err.message : String(err)}` })
      secured = undefined
    }
    if (this.state !== 'securing') return
    if (secured === undefined || this.client.destroyed || up?.destroyed === true) {
      // The reason is recorded (a `tls` failure); the client sees a clean close, as the issue asks.
      this.state = 'closing'
      this.end ??= 'error'
      closeWith(this.client)
      // The destination's leg failed, or the client's did before anything went through it. A
      // turn later: see secureUpstream in tunnel-tls.ts for why not in the handshake's turn.
      const tcp = this.upstream!
      setImmediate(() => tcp.destroy())
      return
    }
    this.handOver(secured.client, secured.upstream ?? this.upstream!)
  }

  /**
   * The tunnel carries the bytes as they are, from here to its end. `sniff`: no TLS was
   * seen, but it may start midway (a STARTTLS opening): the connection follows its opening
   * and records the hello after it as passed through (hello-sniff.ts).
   */
  private runRaw(sniff = false): void {
    if (this.state !== 'sniffing') return
    this.stopLooking()
    const client = this.client
    const up = this.upstream!
    if (this.clientBytes.length > 0) client.unshift(this.clientBytes.take())
    for (let i = this.serverBytes.length - 1; i >= 0; i--) up.unshift(this.serverBytes[i])
    this.serverBytes = []
    this.handOver(client, up, sniff)
    // A FIN that came while the bytes were looked at was heard by the look; the connection hears it again, after those bytes.
    if (this.clientEnded) setImmediate(() => client.emit('end'))
    if (this.serverEnded) setImmediate(() => up.emit('end'))
  }

  /**
   * The connection runs as any proxied one from here, with the tunnel's stages (tunnel's own,
   * then the proxy's). With the destination down, they are the stages that said they answer
   * for it, and the connection is told its target failed, as a target proxy's is.
   */
  private handOver(client: Socket, upstream: Socket, sniff = false): void {
    this.client.off('error', this.onClientError)
    this.client.off('close', this.onSocketClosed)
    this.upstream!.off('close', this.onSocketClosed)
    const down = this.down
    const stages = down !== undefined ? () => down.pair : this.host.stagesFor(ownStages(this.req!))
    const ctx = this.host.contextFor(this.target!, stages, () => this.host.done(this, 2))
    if (sniff) ctx.sniffHellos = true
    this.handOverTo(client, upstream, this.rec!, ctx, upstream !== this.upstream)
    if (down !== undefined) this.conn!.targetFailed(down.failure)
  }

  private readonly onSocketClosed = (): void => {
    if (--this.openSockets > 0) {
      // One side is gone before the tunnel ran: the other goes too.
      if (this.client.destroyed && this.upstream !== undefined && !this.upstream.destroyed) this.upstream.destroy()
      // (A destination that is down closed its socket already: the client stays for the rules.)
      else if (this.upstream?.destroyed === true && !this.client.destroyed && this.state !== 'closing' && this.down === undefined) this.client.destroy()
      return
    }
    this.opening.dispose()
    clearTimeout(this.helloTimer)
    // Over before it ran: the stages made to answer for a destination that is down never will.
    if (this.down !== undefined) closePair(this.down.pair)
    this.rec?.close(this.end ?? 'closed')
    this.host.done(this, this.descriptors)
  }
}
