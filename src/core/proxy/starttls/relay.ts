// The cleartext before a switch to TLS, on a proxy that terminates TLS (`--tls-listen`):
// both legs' bytes are relayed and recorded as any connection's are, and followed by a
// StartTlsWatch until the opening switches (both legs then secured by tls-listen.ts), is
// declined or is none (plain forwarding from then on), or breaks its rules (closed, with the
// one line why). Bounded: LOOK_LIMIT bytes at most, a few round trips of a mail dialogue,
// so backpressure is left to the ProxyConnection that takes over.

import type { Socket } from 'node:net'
import type { ConnectionEnd } from '../../../shared/capture-types'
import type { Direction } from '../../../shared/direction'
import type { StartTlsProtocol } from '../../../shared/tls-types'
import type { RecordedConnection } from '../../capture/write/recorded-connection'
import { errorInfo } from '../../net/net-errors'
import { isResetError } from '../../net/sockets'
import { StartTlsWatch } from './starttls-watch'

const TLS_HANDSHAKE = 0x16
const WATCH_ONLY = { kind: 'watch' } as const

export type RelayOutcome =
  /** Both sides start TLS now (their sockets paused, nothing of the TLS read yet). `protocol` undefined: no opening, the client's TLS hello came late. */
  | { kind: 'switch'; protocol: StartTlsProtocol | undefined }
  /** No switch will come: forward in the clear from here (the sockets paused, nothing lost). */
  | { kind: 'clear' }
  /** The first bytes are no opening tcpscope can switch to TLS (`dir` spoke them): the client cannot be served. */
  | { kind: 'none'; dir: Direction }
  /** Over: broken rules (recorded), a FIN or an error; both sockets are closing. */
  | { kind: 'closed'; end: ConnectionEnd }

export interface RelayOptions {
  /** The switch (or the client's hello) must come within this long. */
  timeoutMs: number
  /** Bytes that are no opening are passed on before the relay stops (a forward proxy carries any TCP), not held back (a TLS listener refuses them). */
  passOn?: boolean
  /** The socket's owner records the client's errors itself. */
  ownerHearsClientErrors?: boolean
}

export class StartTlsRelay {
  private readonly watch = new StartTlsWatch({ intercept: true })
  private done = false
  private readonly finned: Record<Direction, boolean> = { client: false, server: false }
  private readonly timer: NodeJS.Timeout
  private answerTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly rec: RecordedConnection,
    clientHead: Buffer,
    private readonly opts: RelayOptions,
    private readonly finish: (outcome: RelayOutcome) => void
  ) {
    const timeoutMs = opts.timeoutMs
    // A client and a server that both wait for the other: neither is a protocol tcpscope can serve.
    this.timer = setTimeout(() => this.silence(), timeoutMs)
    this.timer.unref()
    client.on('data', this.fromClient)
    upstream.on('data', this.fromServer)
    client.on('end', this.onClientEnd)
    upstream.on('end', this.onServerEnd)
    if (opts.ownerHearsClientErrors !== true) client.on('error', this.onClientError)
    if (clientHead.length > 0) this.fromClient(clientHead)
    if (this.done) return
    client.resume()
    upstream.resume()
  }

  private readonly fromClient = (chunk: Buffer): void => this.relay('client', chunk)
  private readonly fromServer = (chunk: Buffer): void => this.relay('server', chunk)

  private relay(dir: Direction, chunk: Buffer): void {
    if (this.done) return
    clearTimeout(this.timer)
    // TLS from the client with no opening before it: a client slower than the wait for a server that speaks first.
    if (dir === 'client' && this.watch.protocol === undefined && chunk[0] === TLS_HANDSHAKE) {
      // Paused and unheard first: a flowing socket would emit what is unshifted back to this handler at once.
      return this.stop({ kind: 'switch', protocol: undefined }, chunk)
    }
    this.rec.data(dir, chunk)
    // After a FIN the opening cannot switch any more: what the other side says is only passed on.
    const step = this.finned.client || this.finned.server ? WATCH_ONLY : this.watch.see(dir, chunk)
    const to = dir === 'client' ? this.upstream : this.client
    switch (step.kind) {
      case 'watch':
        to.write(chunk)
        return this.awaitAnswer()
      case 'answer':
        this.rec.event('action', 'server', { action: 'inject', message: step.message, size: step.bytes.length })
        return void this.client.write(step.bytes)
      case 'switch':
        to.write(chunk)
        return this.stop({ kind: 'switch', protocol: this.watch.protocol })
      case 'over':
        if (this.watch.protocol === undefined) {
          if (this.opts.passOn === true) to.write(chunk)
          return this.stop({ kind: 'none', dir })
        }
        if (step.note !== undefined) this.rec.event('tls', 'server', { ok: false, side: 'server', code: 'ESTARTTLS', message: step.note })
        to.write(chunk)
        return this.stop({ kind: 'clear' })
      case 'bad':
        this.rec.event('error', step.dir, { code: 'ESTARTTLS', message: step.message })
        return this.close('error')
    }
  }

  /** A request to switch was passed on: its answer must come within the handshake timeout, as a hello must. */
  private awaitAnswer(): void {
    if (!this.watch.waiting) {
      clearTimeout(this.answerTimer)
      this.answerTimer = undefined
      return
    }
    if (this.answerTimer !== undefined) return
    this.answerTimer = setTimeout(() => {
      if (this.done || this.client.destroyed || this.upstream.destroyed) return
      this.rec.event('timeout', undefined, { ms: this.opts.timeoutMs, what: 'starttls' })
      this.rec.event('error', 'server', { code: 'ETIMEDOUT', message: `the target did not answer the request to switch to TLS (${this.watch.protocol ?? 'starttls'}) within ${this.opts.timeoutMs} ms: closed` })
      this.close('error')
    }, this.opts.timeoutMs)
    this.answerTimer.unref()
  }

  private silence(): void {
    const ms = this.opts.timeoutMs
    // Gone meanwhile (the target's error, the proxy stopping): the setup recorded that already.
    if (this.done || this.client.destroyed || this.upstream.destroyed) return
    this.rec.event('timeout', undefined, { ms, what: 'starttls' })
    this.rec.event('tls', 'client', { ok: false, side: 'client', code: 'ETIMEDOUT', message: `neither the client (a TLS hello) nor the target (a greeting tcpscope can switch to TLS) spoke within ${ms} ms` })
    this.close('error')
  }

  private readonly onClientEnd = (): void => this.ended('client')
  private readonly onServerEnd = (): void => this.ended('server')

  /** A FIN during the opening: passed on, and the other side still relayed until it ends too. */
  private ended(dir: Direction): void {
    if (this.done) return
    this.rec.event('fin', dir)
    this.finned[dir] = true
    const other = dir === 'client' ? this.upstream : this.client
    other.end()
    if (!this.finned.client || !this.finned.server) return
    this.stopListening()
    this.done = true
    this.finish({ kind: 'closed', end: 'closed' })
  }

  private readonly onClientError = (err: NodeJS.ErrnoException): void => {
    if (this.done) return
    const reset = isResetError(err)
    this.rec.event(reset ? 'reset' : 'error', 'client', errorInfo(err))
    this.close(reset ? 'client-reset' : 'error')
  }

  /** Both sides closed cleanly (FIN): what went wrong is recorded. */
  private close(end: ConnectionEnd): void {
    this.stop({ kind: 'closed', end })
    for (const s of [this.client, this.upstream]) {
      s.destroySoon()
      s.resume()
    }
  }

  private stopListening(): void {
    clearTimeout(this.timer)
    clearTimeout(this.answerTimer)
    this.client.off('data', this.fromClient)
    this.upstream.off('data', this.fromServer)
    this.client.off('end', this.onClientEnd)
    this.upstream.off('end', this.onServerEnd)
  }

  /** `unread`: bytes of the client's given back to it, for the next owner to read. */
  private stop(outcome: RelayOutcome, unread?: Buffer): void {
    if (this.done) return
    this.done = true
    this.stopListening()
    // The client's errors stay heard until its next owner listens (a TLSSocket, a ProxyConnection).
    this.client.pause()
    this.upstream.pause()
    if (unread !== undefined) this.client.unshift(unread)
    this.finish(outcome)
  }

}
