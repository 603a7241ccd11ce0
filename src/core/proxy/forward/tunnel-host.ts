// What a forward proxy's tunnel (tunnel.ts) needs of its proxy (forward-mode.ts), and how
// TLS inside a tunnel is intercepted (tunnel-tls.ts): the seams between them, in a module of
// their own so that the proxy and the interceptor need not import the tunnel for them.

import type { Socket } from 'node:net'
import type { StartTlsProtocol } from '../../../shared/tls-types'
import type { ConnectionSink, RecordedConnection } from '../../capture/write/recorded-connection'
import type { FdBudget } from '../../net/fd-budget'
import type { Target } from '../../net/target/connect-target'
import type { ForwardStages } from '../forward-stage'
import type { ProxyContext } from '../proxy-connection'
import type { OpeningSettings } from './client-opening'
import type { Destination } from './http-proxy-request'

/** What a tunnel needs of its forward proxy. */
/** `T`: the tunnel it is told of (tunnel.ts's Tunnel; generic so this module needs nothing of it). */
export interface TunnelHost<T> {
  readonly ownerId: string
  readonly capture: ConnectionSink
  readonly budget: FdBudget
  readonly opening: OpeningSettings
  /** The client was turned away for lack of descriptors (the engine warns). */
  fdExhausted(): void
  /** The Target for a destination (shared by its tunnels: one timer, one TLS session cache). */
  targetFor(dest: Destination): Target
  /** A tunnel's stages: its own (absolute-form rewriting) first, then the proxy's (rules, breakpoints, toxics); undefined: none. */
  stagesFor(own: ForwardStages | undefined): ForwardStages | undefined
  /** The context a tunnel's ProxyConnection runs in (`stages` from stagesFor); `done` is called once both its sockets closed. */
  contextFor(target: Target, stages: ForwardStages | undefined, done: () => void): ProxyContext
  /** Whether TLS to this name is intercepted (else it passes through). */
  intercepts(name: string): boolean
  /** Terminates TLS on both legs of a tunnel (tunnel-tls.ts); undefined: it cannot (no CA). */
  readonly interceptor: TunnelInterceptor | undefined
  /** The tunnel is over: its sockets (`descriptors` of them) are closed and its record is closed. */
  done(tunnel: T, descriptors: number): void
}

/**
 * Secures a tunnel's legs; resolves with the TLS sockets, or undefined once it recorded why
 * it could not. Without an upstream (the destination is down, the rules answer instead:
 * tunnel.ts) only the client's leg is secured, and `upstream` is left out of the answer.
 */
export type TunnelInterceptor = (job: InterceptJob) => Promise<{ client: Socket; upstream?: Socket } | undefined>

export interface InterceptJob {
  client: Socket
  /** The connected TCP socket to the destination; undefined when it could not be reached. */
  upstream: Socket | undefined
  /** The client's first bytes: its whole ClientHello (handed back to the client socket before the handshake). */
  hello: Buffer
  sni: string | undefined
  alpn: string[] | undefined
  dest: Destination
  /** Where people see the destination (`host:port`), for messages. */
  where: string
  rec: RecordedConnection
  /** TLS starts midway, after this protocol's opening (recorded with both legs). */
  starttls?: StartTlsProtocol
  /** Whether the tunnel was closed meanwhile: the interceptor drops what it made. */
  gone(): boolean
}
