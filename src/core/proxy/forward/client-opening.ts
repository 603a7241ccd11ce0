// The first bytes of a forward proxy's client, up to the moment it has said where it goes:
// sniffed (0x05: SOCKS5; an HTTP request line: CONNECT or absolute-form), authenticated
// when the proxy wants credentials, and refused in one clear answer otherwise (an HTTP
// status with a one-line body, or the SOCKS5 reply code). Bounded: at most one request
// head (16 KiB) or one SOCKS5 exchange is buffered, and a client that says nothing within
// the handshake timeout is closed.

import type { Socket } from 'node:net'
import type { PeerAddress } from '../../../shared/capture-types'
import type { Via } from '../../../shared/tls-types'
import type { ConnectFailure } from '../../net/target/connect-target'
import { CONNECT_ESTABLISHED, proxyAnswer, readProxyRequest, type Destination } from './http-proxy-request'
import { PROXY_AUTHENTICATE, type ProxyAuth } from './proxy-auth'
import {
  METHOD_NONE_ACCEPTABLE,
  METHOD_USER_PASS,
  REPLY,
  SOCKS5,
  authReply,
  chooseMethod,
  methodReply,
  readGreeting,
  readRequest,
  readUserPass,
  replyFor,
  socksReply
} from './socks5'

/** What the opening needs of its proxy. */
export interface OpeningSettings {
  auth: ProxyAuth | undefined
  handshakeTimeoutMs: number
  /** A client was refused: told why in one line (the client got its answer already). */
  refused?(why: string): void
}

/** How a client's tunnel request is answered, as its protocol answers. */
export interface TunnelAnswers {
  /** The destination is reached: tell the client (`bound`: the proxy's end of the upstream, for SOCKS5). */
  opened(bound: PeerAddress | undefined): void
  /** It could not be reached: tell the client why, then close. */
  failed(failure: ConnectFailure): void
}

export interface TunnelRequest extends Destination {
  via: Via
  /** What the client sent after its request (an absolute-form request: the request itself): the tunnel's first bytes. */
  early: Buffer
  answers: TunnelAnswers
}

/** A refused client is given this long to read the answer and close before it is dropped. */
const LINGER_MS = 2000
const SOCKS4 = 0x04
const TLS_HANDSHAKE = 0x16

/** Sends the last bytes and a FIN, discards what the client still sends, and drops it after LINGER_MS. */
export function closeWith(socket: Socket, bytes?: Buffer): void {
  if (socket.destroyed) return
  socket.removeAllListeners('data')
  socket.on('data', () => {})
  socket.on('end', () => socket.destroy())
  socket.resume()
  if (!socket.writableEnded) {
    if (bytes !== undefined) socket.end(bytes)
    else socket.end()
  }
  setTimeout(() => socket.destroy(), LINGER_MS).unref()
}

type Phase = 'sniff' | 'http' | 'socks-greeting' | 'socks-auth' | 'socks-request' | 'done'

/**
 * Reads one client's opening; calls `opened` with its request (once), or answers a refusal
 * and closes the socket itself. The socket is left paused for the caller once opened.
 */
export class ClientOpening {
  private phase: Phase = 'sniff'
  private buf: Buffer = Buffer.alloc(0)
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly socket: Socket,
    private readonly settings: OpeningSettings,
    private readonly opened: (req: TunnelRequest) => void
  ) {
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    this.timer = setTimeout(this.onTimeout, settings.handshakeTimeoutMs)
    this.timer.unref()
  }

  /** Stops reading the opening (the client went away, or the proxy is stopping). */
  dispose(): void {
    clearTimeout(this.timer)
    this.socket.off('data', this.onData)
    this.socket.off('end', this.onEnd)
    this.phase = 'done'
  }

  private readonly onTimeout = (): void => {
    if (this.phase === 'done') return
    const secs = `${Math.round(this.settings.handshakeTimeoutMs / 100) / 10} s`
    if (this.phase === 'http' || this.phase === 'sniff') this.refuseHttp(408, `no whole request within ${secs}`)
    else if (this.phase === 'socks-greeting') this.refuseSocksMethod()
    else this.refuseSocks(REPLY.generalFailure)
  }

  private readonly onEnd = (): void => {
    if (this.phase === 'done') return
    // The client finished sending before it said where it goes: nothing to answer.
    this.dispose()
    closeWith(this.socket)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    this.step()
  }

  private step(): void {
    for (;;) {
      if (this.phase === 'done' || this.buf.length === 0) return
      if (this.phase === 'sniff') this.phase = this.sniff(this.buf[0])
      else if (this.phase === 'http') return this.readHttp()
      else if (!this.readSocks()) return
    }
  }

  private sniff(first: number): Phase {
    if (first === SOCKS5) return 'socks-greeting'
    if (first === SOCKS4) {
      // A SOCKS4 reply (VN 0, CD 91: rejected) is all a SOCKS4 client understands.
      this.refused('SOCKS4, which is not served: use SOCKS5')
      this.finish(Buffer.from([0, 91, 0, 0, 0, 0, 0, 0]))
      return 'done'
    }
    if (first === TLS_HANDSHAKE) {
      // TLS to the proxy itself (an https:// proxy URL): it cannot read an HTTP answer, so it is just closed.
      this.refused('TLS to the proxy itself (an https:// proxy URL?): use http:// or socks5:// for the proxy')
      this.finish()
      return 'done'
    }
    return 'http'
  }

  private readHttp(): void {
    const read = readProxyRequest(this.buf)
    if (read.state === 'need-more') return
    if (read.state === 'bad') return this.refuseHttp(read.status, read.reason)
    const req = read.request
    if (this.settings.auth !== undefined && !this.settings.auth.checkHeader(req.proxyAuthorization)) {
      const why = req.proxyAuthorization.length === 0 ? 'this proxy needs a user name and password (Proxy-Authorization)' : 'wrong proxy user name or password'
      return this.refuseHttp(407, why, { 'Proxy-Authenticate': PROXY_AUTHENTICATE })
    }
    const connect = req.via === 'CONNECT'
    // A CONNECT's head is the proxy's; an absolute-form request is the tunnel's first request.
    const early = connect ? this.buf.subarray(req.headLength) : this.buf
    this.open({
      via: req.via,
      host: req.host,
      port: req.port,
      early,
      answers: {
        opened: () => {
          if (connect && !this.socket.destroyed) this.socket.write(CONNECT_ESTABLISHED)
        },
        failed: (f) => closeWith(this.socket, proxyAnswer(502, f.message))
      }
    })
  }

  /** One SOCKS5 step; false when it needs more bytes. */
  private readSocks(): boolean {
    if (this.phase === 'socks-greeting') {
      const r = readGreeting(this.buf)
      if (r.state === 'need-more') return false
      if (r.state === 'bad') {
        this.refused('an unreadable SOCKS5 greeting')
        this.finish(methodReply(METHOD_NONE_ACCEPTABLE))
        return false
      }
      const method = chooseMethod(r.methods, this.settings.auth !== undefined)
      if (method === METHOD_NONE_ACCEPTABLE) return this.refuseSocksMethod()
      this.consume(r.length, methodReply(method))
      this.phase = method === METHOD_USER_PASS ? 'socks-auth' : 'socks-request'
      return true
    }
    if (this.phase === 'socks-auth') {
      const r = readUserPass(this.buf)
      if (r.state === 'need-more') return false
      const ok = r.state === 'ok' && (this.settings.auth === undefined || this.settings.auth.check(r.user, r.pass))
      if (!ok) {
        this.refused('SOCKS5 user/password did not match --proxy-auth')
        this.finish(authReply(false))
        return false
      }
      this.consume(r.length, authReply(true))
      this.phase = 'socks-request'
      return true
    }
    const r = readRequest(this.buf)
    if (r.state === 'need-more') return false
    if (r.state === 'bad') {
      this.refuseSocks(r.reply)
      return false
    }
    this.open({
      via: 'SOCKS5',
      host: r.host,
      port: r.port,
      early: this.buf.subarray(r.length),
      answers: {
        opened: (bound) => {
          if (!this.socket.destroyed) this.socket.write(socksReply(REPLY.succeeded, bound))
        },
        failed: (f) => closeWith(this.socket, socksReply(replyFor(f.code)))
      }
    })
    return false
  }

  private consume(n: number, reply: Buffer): void {
    this.buf = this.buf.subarray(n)
    this.socket.write(reply)
  }

  private open(req: TunnelRequest): void {
    this.dispose()
    this.socket.pause()
    this.opened(req)
  }

  private refuseSocksMethod(): boolean {
    this.refused(this.settings.auth !== undefined ? 'SOCKS5 without a method it accepts (user/password is required)' : 'SOCKS5 without a method it accepts')
    this.finish(methodReply(METHOD_NONE_ACCEPTABLE))
    return false
  }

  private refuseSocks(code: number): void {
    this.refused(`SOCKS5, reply ${code}`)
    this.finish(socksReply(code))
  }

  private refuseHttp(status: number, message: string, headers?: Record<string, string>): void {
    this.refused(`${status}: ${message}`)
    this.finish(proxyAnswer(status, message, headers))
  }

  /** Tells the proxy's owner (the CLI's stderr, the app's warnings) that a client was turned away, and why. */
  private refused(why: string): void {
    const s = this.socket
    this.settings.refused?.(`refused ${s.remoteAddress ?? 'a client'}${s.remotePort !== undefined ? `:${s.remotePort}` : ''}: ${why}`)
  }

  private finish(bytes?: Buffer): void {
    this.dispose()
    closeWith(this.socket, bytes)
  }
}
