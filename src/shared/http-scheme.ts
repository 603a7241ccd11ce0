// Whether HTTP a connection carried was HTTPS: one rule for the exchange list, HAR and the
// renderer. The capture holds the bytes the applications exchanged, so HTTP is decoded the
// same either way; what tells HTTPS is a TLS leg tcpscope terminated (its `tls` records).

import type { TlsSummary } from './tls-types'

/** `https` when TLS was terminated on either leg (the request went over TLS somewhere on its way), else `http`. */
export function httpScheme(tls: TlsSummary | undefined): 'http' | 'https' {
  return tls?.client !== undefined || tls?.server !== undefined ? 'https' : 'http'
}
