// The TLS flags of `connect`, `serve` and `replay`, and how each becomes the engine's TLS
// arguments (shared/tls-args.ts). A flag that needs TLS without it is a usage error, not
// ignored. Paths are passed on as typed: the engine reads them (relative to where tcpscope
// runs) and words a missing or bad file in one line naming the flag.

import type { ReplayTlsOptions, TlsConnectOptions, TlsListenOptions } from '../shared/tls-args'
import { UsageError } from './args'
import type { OptionTable } from './command-spec'

/** `--alpn h2,http/1.1`: ALPN protocol ids, 1 to 255 bytes each, at most 16. */
export function parseAlpn(command: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const ids = value.split(',').map((s) => s.trim())
  if (ids.length > 16 || ids.some((id) => id === '' || Buffer.byteLength(id) > 255)) {
    throw new UsageError(`${command}: --alpn takes a comma-separated list of protocol ids (e.g. h2,http/1.1), each 1 to 255 bytes, at most 16`)
  }
  return ids
}

/** The first flag of `given` that was given. */
const firstGiven = (given: Record<string, unknown>): string | undefined => Object.keys(given).find((k) => given[k] !== undefined && given[k] !== false)

/** Refuses a TLS flag given without `--tls`. */
function needsTls(command: string, tls: boolean, given: Record<string, unknown>): void {
  const flag = tls ? undefined : firstGiven(given)
  if (flag !== undefined) throw new UsageError(`${command}: --${flag} goes with --tls`)
}

export const CONNECT_TLS_OPTIONS = {
  tls: { type: 'boolean', about: "connect with TLS; the server's certificate is verified against the system's roots (and --ca) unless --insecure" },
  ca: { type: 'string', arg: 'FILE', about: 'with --tls: also trust the CA certificate(s) in FILE (PEM)' },
  insecure: { type: 'boolean', about: "with --tls: do not verify the server's certificate (why it would have failed is still recorded)" },
  sni: { type: 'string', arg: 'NAME', about: "with --tls: the name to ask for (SNI) and verify (default: the target's host name)" },
  alpn: { type: 'string', arg: 'LIST', about: 'with --tls: ALPN protocols to offer, comma-separated (e.g. h2,http/1.1)' },
  'client-cert': { type: 'string', arg: 'FILE', about: 'with --tls: a client certificate (PEM) for a server that asks for one (mTLS); with --client-key' },
  'client-key': { type: 'string', arg: 'FILE', about: "with --tls: the client certificate's key (PEM)" }
} as const satisfies OptionTable

interface ConnectTlsValues {
  tls?: boolean
  ca?: string
  insecure?: boolean
  sni?: string
  alpn?: string
  'client-cert'?: string
  'client-key'?: string
}

export function tlsConnectFrom(command: string, v: ConnectTlsValues): TlsConnectOptions | undefined {
  needsTls(command, v.tls === true, { ca: v.ca, insecure: v.insecure, sni: v.sni, alpn: v.alpn, 'client-cert': v['client-cert'], 'client-key': v['client-key'] })
  if (v.tls !== true) return undefined
  const out: TlsConnectOptions = {}
  if (v.insecure === true) out.verify = false
  if (v.ca !== undefined) out.ca = v.ca
  if (v.sni !== undefined) out.sni = v.sni
  const alpn = parseAlpn(command, v.alpn)
  if (alpn !== undefined) out.alpn = alpn
  if (v['client-cert'] !== undefined) out.cert = v['client-cert']
  if (v['client-key'] !== undefined) out.key = v['client-key']
  return out
}

export const SERVE_TLS_OPTIONS = {
  tls: { type: 'boolean', about: "answer clients in TLS, with a leaf from tcpscope's CA (see `tcpscope ca`) for the name each client asks for (SNI)" },
  'tls-name': { type: 'string', arg: 'NAME', about: 'with --tls: the leaf\'s name for clients that send no SNI (default: the listen host, or localhost)' },
  cert: { type: 'string', arg: 'FILE', about: "with --tls: answer with this certificate (PEM) instead of the CA's leaves; with --key" },
  key: { type: 'string', arg: 'FILE', about: "with --tls: --cert's key (PEM)" },
  alpn: { type: 'string', arg: 'LIST', about: 'with --tls: ALPN protocols to accept, in order of preference, comma-separated' }
} as const satisfies OptionTable

interface ServeTlsValues {
  tls?: boolean
  'tls-name'?: string
  cert?: string
  key?: string
  alpn?: string
}

export function tlsListenFrom(command: string, v: ServeTlsValues): TlsListenOptions | undefined {
  needsTls(command, v.tls === true, { 'tls-name': v['tls-name'], cert: v.cert, key: v.key, alpn: v.alpn })
  if (v.tls !== true) return undefined
  const out: TlsListenOptions = {}
  if (v['tls-name'] !== undefined) out.name = v['tls-name']
  if (v.cert !== undefined) out.cert = v.cert
  if (v.key !== undefined) out.key = v.key
  const alpn = parseAlpn(command, v.alpn)
  if (alpn !== undefined) out.alpn = alpn
  return out
}

export const REPLAY_TLS_OPTIONS = {
  tls: { type: 'boolean', about: 'replay over TLS even a connection recorded as plain TCP (one whose target spoke TLS always is)' },
  'no-tls': { type: 'boolean', about: 'replay in plain TCP even a connection whose target spoke TLS' },
  insecure: { type: 'boolean', about: "TLS: do not verify the target's certificate" },
  'upstream-ca': { type: 'string', arg: 'FILE', about: "TLS: also trust the CA certificate(s) in FILE (PEM) for the target's certificate" },
  sni: { type: 'string', arg: 'NAME', about: 'TLS: the name to ask for (SNI) and verify, instead of the one the connection recorded' },
  'client-cert': { type: 'string', arg: 'FILE', about: 'TLS: a client certificate (PEM) for a target that asks for one (mTLS); with --client-key' },
  'client-key': { type: 'string', arg: 'FILE', about: "TLS: the client certificate's key (PEM)" }
} as const satisfies OptionTable

interface ReplayTlsValues {
  tls?: boolean
  'no-tls'?: boolean
  insecure?: boolean
  'upstream-ca'?: string
  sni?: string
  'client-cert'?: string
  'client-key'?: string
}

/** Undefined when no TLS flag was given: the engine's defaults (TLS as recorded, verified). */
export function replayTlsFrom(command: string, v: ReplayTlsValues): ReplayTlsOptions | undefined {
  if (v.tls === true && v['no-tls'] === true) throw new UsageError(`${command}: --tls and --no-tls contradict each other; give one`)
  if (v['no-tls'] === true) {
    const flag = firstGiven({ insecure: v.insecure, 'upstream-ca': v['upstream-ca'], sni: v.sni, 'client-cert': v['client-cert'], 'client-key': v['client-key'] })
    if (flag !== undefined) throw new UsageError(`${command}: --${flag} is for a replay over TLS; drop it or --no-tls`)
    return { enabled: false }
  }
  const out: ReplayTlsOptions = {}
  if (v.tls === true) out.enabled = true
  if (v.insecure === true) out.verify = false
  if (v['upstream-ca'] !== undefined) out.ca = v['upstream-ca']
  if (v.sni !== undefined) out.sni = v.sni
  if (v['client-cert'] !== undefined) out.cert = v['client-cert']
  if (v['client-key'] !== undefined) out.key = v['client-key']
  return Object.keys(out).length > 0 ? out : undefined
}
