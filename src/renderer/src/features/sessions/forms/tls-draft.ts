// The TLS and forward-proxy parts of the start forms as plain values: TLS toward a target
// (verify, CA file, SNI, ALPN, client certificate), TLS toward clients (a leaf from the CA
// for a name, or a certificate and key given), and a forward proxy's authentication,
// interception and pass-through hosts. Each turns what was typed into the contract's
// options (tls-args.ts), naming every problem by its field (`PREFIX.name`), so the engine's
// errors about them land beside the same fields (tlsRoutes).

import type { ForwardOptions, TlsConnectOptions, TlsListenOptions } from '../../../../../shared/tls-args'
import { escapePath, type FieldRoute } from '../../../ui/form/engine-error-fields'
import type { FieldProblems } from '../../../ui/form/field-problems'

const MAX_PATH = 4096
const MAX_HOST = 253
/** A DNS name or an IP address as typed for SNI or a leaf's name (IPv6 without brackets). */
const HOST_NAME = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?)(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?)*\.?$|^[0-9A-Fa-f:.]+$/
/** A pass-through host: a name, or `*.suffix` for a domain and every name under it. */
const PASS_HOST = /^(?:\*\.)?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/

export interface TlsConnectDraft {
  enabled: boolean
  verify: boolean
  ca: string
  sni: string
  alpn: string
  cert: string
  key: string
}
export const tlsConnectDraft = (): TlsConnectDraft => ({ enabled: false, verify: true, ca: '', sni: '', alpn: '', cert: '', key: '' })

export interface TlsListenDraft {
  enabled: boolean
  /** `ca`: a leaf from tcpscope's CA; `files`: the certificate and key given. */
  source: 'ca' | 'files'
  name: string
  cert: string
  key: string
  alpn: string
}
export const tlsListenDraft = (): TlsListenDraft => ({ enabled: false, source: 'ca', name: '', cert: '', key: '', alpn: '' })

export interface ForwardDraft {
  proxyAuth: string
  intercept: boolean
  /** Hosts, one per line (or separated by commas or spaces). */
  passThrough: string
}
export const forwardDraft = (): ForwardDraft => ({ proxyAuth: '', intercept: true, passThrough: '' })

function path(value: string, field: string, problems: FieldProblems): string | undefined {
  const v = value.trim()
  if (v === '') return undefined
  if (v.length > MAX_PATH) problems[field] = { key: 'tlsForm.problem.long', params: { max: MAX_PATH } }
  return v
}

function hostName(value: string, field: string, problems: FieldProblems): string | undefined {
  const v = value.trim()
  if (v === '') return undefined
  if (v.length > MAX_HOST || !HOST_NAME.test(v)) problems[field] = { key: 'tlsForm.problem.hostName' }
  return v
}

/** Words separated by commas, spaces or lines. */
const listOf = (value: string): string[] => value.split(/[\s,]+/).filter(Boolean)

/** `h2, http/1.1` -> ['h2', 'http/1.1']; each id 1-255 bytes, at most 16. */
function alpnList(value: string, field: string, problems: FieldProblems): string[] | undefined {
  const ids = listOf(value)
  if (ids.length === 0) return undefined
  if (ids.length > 16 || ids.some((id) => new TextEncoder().encode(id).length > 255)) problems[field] = { key: 'tlsForm.problem.alpn' }
  return ids
}

/** A client certificate needs its key, and a key its certificate: the missing one is the problem. */
function certAndKey(d: { cert: string; key: string }, prefix: string, problems: FieldProblems): { cert?: string; key?: string } {
  const cert = path(d.cert, `${prefix}.cert`, problems)
  const key = path(d.key, `${prefix}.key`, problems)
  if (cert && !key) problems[`${prefix}.key`] = { key: 'tlsForm.problem.needKey' }
  if (key && !cert) problems[`${prefix}.cert`] = { key: 'tlsForm.problem.needCert' }
  return { ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
}

/** TLS toward a target; undefined when off. `only` limits it to verification (a forward proxy's upstream). */
export function tlsConnectFromDraft(d: TlsConnectDraft, prefix: string, problems: FieldProblems, only?: 'verify'): TlsConnectOptions | undefined {
  if (!d.enabled && only === undefined) return undefined
  const ca = path(d.ca, `${prefix}.ca`, problems)
  const opts: TlsConnectOptions = { ...(d.verify ? {} : { verify: false }), ...(ca ? { ca } : {}) }
  if (only === 'verify') return Object.keys(opts).length ? opts : undefined
  const sni = hostName(d.sni, `${prefix}.sni`, problems)
  const alpn = alpnList(d.alpn, `${prefix}.alpn`, problems)
  return { ...opts, ...(sni ? { sni } : {}), ...(alpn ? { alpn } : {}), ...certAndKey(d, prefix, problems) }
}

/** TLS toward clients; undefined when off. `withAlpn`: a server session chooses what it accepts. */
export function tlsListenFromDraft(d: TlsListenDraft, prefix: string, problems: FieldProblems, withAlpn = false): TlsListenOptions | undefined {
  if (!d.enabled) return undefined
  const alpn = withAlpn ? alpnList(d.alpn, `${prefix}.alpn`, problems) : undefined
  const alpnPart = alpn ? { alpn } : {}
  if (d.source === 'files') {
    const cert = path(d.cert, `${prefix}.cert`, problems)
    const key = path(d.key, `${prefix}.key`, problems)
    if (!cert) problems[`${prefix}.cert`] = { key: 'form.problem.required' }
    if (!key) problems[`${prefix}.key`] = { key: 'form.problem.required' }
    return { ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...alpnPart }
  }
  const name = hostName(d.name, `${prefix}.name`, problems)
  return { ...(name ? { name } : {}), ...alpnPart }
}

export function forwardFromDraft(d: ForwardDraft, problems: FieldProblems): ForwardOptions {
  const auth = d.proxyAuth.trim()
  if (auth !== '' && !/^[^:]+:.+$/s.test(auth)) problems['forward.proxyAuth'] = { key: 'tlsForm.problem.auth' }
  const hosts = listOf(d.passThrough)
  const bad = hosts.find((h) => h.length > MAX_HOST || !PASS_HOST.test(h))
  if (bad !== undefined) problems['forward.passThrough'] = { key: 'tlsForm.problem.passHost', params: { host: bad } }
  return {
    ...(auth !== '' ? { proxyAuth: auth } : {}),
    ...(d.intercept ? {} : { intercept: false }),
    ...(hosts.length ? { passThrough: hosts } : {})
  }
}

/** The engine's errors about `prefix.field` (and anything under it) beside that field; the rest beside the section's first. */
export function tlsRoutes(prefix: string, first: string): FieldRoute[] {
  const p = escapePath(prefix)
  return [
    [new RegExp(`^${p}\\.(\\w+)`), (m) => `${prefix}.${m[1]}`],
    [new RegExp(`^${p}$`), `${prefix}.${first}`]
  ]
}
