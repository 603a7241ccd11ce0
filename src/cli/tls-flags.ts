// `tcpscope proxy`'s TLS flags: what --help says of each, and how they become the
// proxy.start command's tlsListen / tlsUpstream (a usage error for a flag that does nothing
// where it was given). Files are named, never read here: the engine reads them.

import type { TlsConnectOptions, TlsListenOptions } from '../shared/tls-args'
import { UsageError } from './args'
import type { OptionTable } from './command-spec'
import { parseAlpn } from './tls-options'

export const PROXY_TLS_OPTIONS = {
  'tls-listen': { type: 'boolean', about: "terminate TLS from clients: answer with a certificate from tcpscope's CA for the name each client asks for (SNI); clients must trust the CA (tcpscope ca --export FILE)" },
  'tls-name': { type: 'string', arg: 'NAME', about: "with --tls-listen: the certificate's name for clients that send no SNI (default: the target's host or IP)" },
  'tls-cert': { type: 'string', arg: 'FILE', about: "with --tls-listen: answer with this certificate (PEM) instead of the CA's, with --tls-key" },
  'tls-key': { type: 'string', arg: 'FILE', about: "with --tls-cert: that certificate's private key (PEM)" },
  'tls-upstream': { type: 'boolean', about: "speak TLS to the target; its certificate is verified against the system's roots plus --upstream-ca" },
  'upstream-ca': { type: 'string', arg: 'FILE', about: 'also trust this CA (PEM or DER) when verifying a TLS target' },
  insecure: { type: 'boolean', about: "do not verify TLS targets' certificates (why one would fail is still recorded)" },
  sni: { type: 'string', arg: 'NAME', about: "with --tls-upstream: the name sent to the target and verified (default: the client's SNI, else the target's host name)" },
  alpn: { type: 'string', arg: 'LIST', about: 'with --tls-upstream: ALPN protocols to offer the target, comma-separated, e.g. h2,http/1.1 (default: what the client offered)' },
  'client-cert': { type: 'string', arg: 'FILE', about: 'with --tls-upstream: a client certificate (PEM) for a target that asks for one (mTLS), with --client-key' },
  'client-key': { type: 'string', arg: 'FILE', about: "with --client-cert: that certificate's private key (PEM)" }
} as const satisfies OptionTable

export const PROXY_TLS_USAGE = '[--tls-listen [--tls-name NAME] [--tls-cert FILE --tls-key FILE]] [--tls-upstream [--sni NAME] [--alpn LIST] [--client-cert FILE --client-key FILE]] [--upstream-ca FILE] [--insecure]'

type TlsValues = { [K in keyof typeof PROXY_TLS_OPTIONS]?: (typeof PROXY_TLS_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string }

/**
 * The proxy's TLS arguments from its flags. A forward proxy takes only the upstream's
 * verification flags (its tunnels' TLS is intercepted by default).
 */
export function proxyTlsArgs(v: TlsValues, forward: boolean): { tlsListen?: TlsListenOptions; tlsUpstream?: TlsConnectOptions } {
  const given = (names: (keyof TlsValues)[]): string[] => names.filter((n) => v[n] !== undefined && v[n] !== false).map((n) => `--${n}`)
  const out: { tlsListen?: TlsListenOptions; tlsUpstream?: TlsConnectOptions } = {}
  if (forward) {
    const wrong = given(['tls-listen', 'tls-name', 'tls-cert', 'tls-key', 'tls-upstream', 'sni', 'alpn', 'client-cert', 'client-key'])
    if (wrong.length > 0) throw new UsageError(`proxy: ${wrong.join(', ')} ${wrong.length === 1 ? 'goes' : 'go'} with --target, not --forward (a forward proxy intercepts each tunnel's TLS by itself)`)
    if (v['upstream-ca'] !== undefined || v.insecure === true) out.tlsUpstream = { ca: v['upstream-ca'], verify: v.insecure !== true }
    return out
  }
  if (v['tls-listen'] === true) {
    const listen: TlsListenOptions = {}
    if (v['tls-name'] !== undefined) listen.name = v['tls-name']
    if (v['tls-cert'] !== undefined) listen.cert = v['tls-cert']
    if (v['tls-key'] !== undefined) listen.key = v['tls-key']
    out.tlsListen = listen
  } else {
    const wrong = given(['tls-name', 'tls-cert', 'tls-key'])
    if (wrong.length > 0) throw new UsageError(`proxy: ${wrong.join(', ')} ${wrong.length === 1 ? 'goes' : 'go'} with --tls-listen`)
  }
  if (v['tls-upstream'] === true) {
    const up: TlsConnectOptions = {}
    if (v.insecure === true) up.verify = false
    if (v['upstream-ca'] !== undefined) up.ca = v['upstream-ca']
    if (v.sni !== undefined) up.sni = v.sni
    const alpn = parseAlpn('proxy', v.alpn)
    if (alpn !== undefined) up.alpn = alpn
    if (v['client-cert'] !== undefined) up.cert = v['client-cert']
    if (v['client-key'] !== undefined) up.key = v['client-key']
    out.tlsUpstream = up
  } else {
    const wrong = given(['upstream-ca', 'insecure', 'sni', 'alpn', 'client-cert', 'client-key'])
    if (wrong.length > 0) throw new UsageError(`proxy: ${wrong.join(', ')} ${wrong.length === 1 ? 'goes' : 'go'} with --tls-upstream (TLS toward the target)`)
  }
  return out
}
