// The proxy commands' argument schemas (contract.ts lists the commands).

import { bool, int, obj, optional, str, type Infer } from './schema'
import { MAX_CONNECT_TIMEOUT_MS } from './limits'

export const proxyStartArgs = obj({
  listen: str({ nonEmpty: true, max: 4096 }),
  target: str({ nonEmpty: true, max: 4096 }),
  /** Give up on the upstream connect after this long (default 10 s). */
  connectTimeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** TCP_NODELAY on both legs (default true: the proxy adds no Nagle delay). */
  noDelay: optional(bool())
})
export type ProxyStartArgs = Infer<typeof proxyStartArgs>

export const proxyRef = obj({ proxyId: str({ nonEmpty: true, max: 64 }) })
export const proxyStopArgs = obj({
  proxyId: str({ nonEmpty: true, max: 64 }),
  /** Also close (destroy) the proxy's live connections; otherwise they run to their end. */
  closeConnections: optional(bool())
})
