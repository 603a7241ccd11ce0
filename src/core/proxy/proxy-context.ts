// What a proxy's connections are built with (proxy-connection.ts): the target they dial and
// the stages between their legs, from a proxy's options or, for a forward proxy, per tunnel;
// and the read buffers every proxy of the process shares.

import type { Endpoint } from '../../shared/endpoint'
import { ReadBuffers } from '../net/read-buffers'
import { Target, type TlsConnect } from '../net/target/connect-target'
import type { ForwardStages } from './forward-stage'
import type { ProxyConnection, ProxyContext } from './proxy-connection'

export interface UpstreamOptions {
  target: Endpoint
  connectTimeoutMs: number
  noDelay: boolean
  /** What sits between the two legs of each connection (forward-stage.ts); without it bytes pass as they came, on the fast path. */
  stages?: ForwardStages
  /** Speak TLS to the target (`--tls-upstream`), loaded by loadTlsConnect. */
  tls?: TlsConnect
  /** TLS from clients passes through untouched (no TLS of tcpscope's on either leg): record each hello's SNI and ALPN. */
  sniffHellos?: boolean
}

const readBuffers = new ReadBuffers()

/** Throws a one-line UserError for a target no connect could reach as named. */
export function proxyContext(opts: UpstreamOptions, done: (conn: ProxyConnection) => void): ProxyContext {
  const target = new Target({ target: opts.target, connectTimeoutMs: opts.connectTimeoutMs, noDelay: opts.noDelay, tls: opts.tls })
  const ctx = tunnelContext(target, opts.noDelay, opts.stages, done)
  if (opts.sniffHellos === true) ctx.sniffHellos = true
  return ctx
}

/** The context of connections whose Target is chosen per connection (a forward proxy's tunnels). */
export function tunnelContext(target: Target, noDelay: boolean, stages: ForwardStages | undefined, done: (conn: ProxyConnection) => void): ProxyContext {
  return { target, noDelay, stages, readBuffers, done }
}
