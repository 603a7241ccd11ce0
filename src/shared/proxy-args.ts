// The proxy commands' argument schemas (contract.ts lists the commands).

import { bool, int, obj, optional, str, type Infer, type Schema } from './schema'
import { ValidationError } from './schema'
import { MAX_CONNECT_TIMEOUT_MS } from './limits'
import { forwardOptions, tlsConnectOptions, tlsListenOptions } from './tls-args'
import { frameText } from './message-args'

/** The most forwarding threads a proxy takes (`--workers`). */
export const MAX_PROXY_WORKERS = 64

/** `--workers`: a count of threads, or `auto` (the cores, capped). */
const workerCount: Schema<number | 'auto'> = {
  parse: (v, path) => {
    if (v === 'auto') return v
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= MAX_PROXY_WORKERS) return v
    throw new ValidationError(`${path}: expected auto or a whole number from 1 to ${MAX_PROXY_WORKERS}`)
  }
}

export const proxyStartArgs = obj({
  listen: str({ nonEmpty: true, max: 4096 }),
  /** Where every connection goes; absent for a forward proxy (`forward`), required otherwise. */
  target: optional(str({ nonEmpty: true, max: 4096 })),
  /** A forward proxy: each client says where it goes (CONNECT, absolute-form HTTP, SOCKS5). */
  forward: optional(forwardOptions),
  /** Terminate TLS from clients with a leaf from tcpscope's CA (or a cert given). */
  tlsListen: optional(tlsListenOptions),
  /** Speak TLS to the target (a forward proxy: the options for intercepted tunnels' upstream TLS). */
  tlsUpstream: optional(tlsConnectOptions),
  /** Give up on the upstream connect after this long (default 10 s). */
  connectTimeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** TCP_NODELAY on both legs (default true: the proxy adds no Nagle delay). */
  noDelay: optional(bool()),
  /** How its connections are cut into messages (`--frame`: `resp`, `length:size=2`, ...); default: recognised from their bytes or port. */
  frame: optional(frameText),
  /**
   * Threads that accept and forward (Node 22.12+ on Linux; elsewhere one, said in `note`):
   * each listens on the same port, and the kernel spreads connections over them. Default 1.
   */
  workers: optional(workerCount),
  /**
   * Started for something that also stops it (an intercepted browser, a Toxiproxy API
   * client): no part of a setup, so restoring one never takes the port it will ask for.
   */
  ephemeral: optional(bool())
})
export type ProxyStartArgs = Infer<typeof proxyStartArgs>

export const proxyRef = obj({ proxyId: str({ nonEmpty: true, max: 64 }) })
export const proxyStopArgs = obj({
  proxyId: str({ nonEmpty: true, max: 64 }),
  /** Also close (destroy) the proxy's live connections; otherwise they run to their end. */
  closeConnections: optional(bool())
})
