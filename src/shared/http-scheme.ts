// Whether HTTP a connection carried was HTTPS: one rule for the exchange list, HAR, curl,
// pcapng and the renderer. The capture holds the bytes the applications exchanged, so HTTP is
// decoded the same either way; what tells HTTPS is a TLS leg tcpscope terminated (its `tls` records).

import type { TlsSummary } from './tls-types'

/** Whether tcpscope terminated TLS on either leg: the capture then holds that connection's decrypted bytes. */
export const tlsTerminated = (tls: TlsSummary | undefined): boolean => tls?.client !== undefined || tls?.server !== undefined

/** `https` when TLS was terminated on either leg (the request went over TLS somewhere on its way), else `http`. */
export function httpScheme(tls: TlsSummary | undefined): 'http' | 'https' {
  return tlsTerminated(tls) ? 'https' : 'http'
}

/** The scheme toward the target alone (the `server` leg): what a client sending the request to the target itself must speak. */
export function targetScheme(tls: TlsSummary | undefined): 'http' | 'https' {
  return tls?.server !== undefined ? 'https' : 'http'
}
