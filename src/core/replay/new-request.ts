// A request composed from scratch (replay.send, the Replay tab's "New request"): its head
// made from the method, the URL and the headers as given (checked by shared/new-request.ts),
// Host (HTTP/2: :authority) from the URL unless a Host header names another, and
// Content-Length fitted to the body. It is then sent as a replayed request is, by sendOnce
// (HTTP/1) or sendH2 (HTTP/2): the same connect (connect-target.ts, TLS for https with SNI
// from the URL's host, verified unless `insecure`), the same recording in the live capture,
// the same response reading and decoding. There is no recording to compare the response with.

import { UserError } from '../../shared/errors'
import type { Endpoint } from '../../shared/endpoint'
import { newRequestProblem, parseRequestUrl, saysLength, type RequestUrl } from '../../shared/new-request'
import type { HttpReplayOutcome } from '../../shared/replay-types'
import { cancelled } from '../net/net-errors'
import { loadTlsConnect, type TlsConnect } from '../net/target/connect-target'
import type { TlsFlagWords } from '../tls/tls-errors'
import type { H2Request } from './h2-replay-request'
import { sendH2 } from './h2-replay'
import type { RequestBytes } from './http-replay-request'
import { sendOnce } from './http-replay'
import type { ReplayRecording } from './raw-replay'

/** replay.send's own fields, as a TLS failure names the fix (the app's composer has the same words). */
export const SEND_TLS_FLAGS: TlsFlagWords = {
  ca: 'ca',
  insecure: 'insecure',
  sni: 'sni',
  clientCert: 'cert',
  clientKey: 'key',
  tls: 'https',
  plain: 'send it to an http:// URL'
}

export interface NewRequest {
  url: string
  method: string
  /** As given, in order; duplicates kept. */
  headers: ReadonlyArray<readonly [string, string]>
  body: Uint8Array
  /** HTTP/2 (h2c with prior knowledge for http://, ALPN h2 for https://); else HTTP/1.1. */
  http2: boolean
}

export interface NewRequestOptions {
  /** https: skip verifying the server's certificate (why it would have failed is still recorded). */
  insecure?: boolean
  /** https: a PEM file of extra CA certificates to trust. */
  ca?: string
  /** https: the name to ask for (SNI) and verify; default the URL's host name. */
  sni?: string
  timeoutMs?: number
  signal?: AbortSignal
  record?: ReplayRecording
}

const lower = (name: string): string => name.toLowerCase()

/** The HTTP/1.1 request's bytes: the request line, Host first unless one is given, the headers as given, Content-Length fitted, the body. */
export function composedHttp1(r: NewRequest, url: RequestUrl): RequestBytes {
  const fixed: string[] = []
  const lines = [`${r.method} ${url.path} HTTP/1.1`]
  if (!r.headers.some(([name]) => lower(name) === 'host')) {
    lines.push(`Host: ${url.authority}`)
    fixed.push('host')
  }
  // A chunked body is the person's to frame: a Content-Length beside it would contradict it.
  const chunked = r.headers.some(([name]) => lower(name) === 'transfer-encoding')
  const length = String(r.body.length)
  let hasLength = false
  for (const [name, value] of r.headers) {
    if (lower(name) === 'content-length' && !chunked) {
      hasLength = true
      if (value !== length && !fixed.includes('content-length')) fixed.push('content-length')
      lines.push(`${name}: ${length}`)
    } else lines.push(`${name}: ${value}`)
  }
  if (!hasLength && !chunked && saysLength(r.method, r.body.length)) {
    lines.push(`Content-Length: ${length}`)
    fixed.push('content-length')
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  return { head: Buffer.concat([head, r.body]), fixed }
}

/** The HTTP/2 request: the pseudo-headers from the method and URL (:authority from a Host header when one is given), the headers in lower case, content-length fitted. */
export function composedH2(r: NewRequest, url: RequestUrl): H2Request {
  const fixed: string[] = []
  const host = r.headers.find(([name]) => lower(name) === 'host')?.[1]
  const headers = [
    { name: ':method', value: r.method },
    { name: ':scheme', value: url.scheme },
    { name: ':authority', value: host ?? url.authority },
    { name: ':path', value: url.path }
  ]
  const length = String(r.body.length)
  let hasLength = false
  for (const [name, value] of r.headers) {
    const n = lower(name)
    if (n === 'host') continue
    if (n === 'content-length') {
      hasLength = true
      if (value !== length && !fixed.includes('content-length')) fixed.push('content-length')
      headers.push({ name: n, value: length })
    } else headers.push({ name: n, value })
  }
  if (!hasLength && saysLength(r.method, r.body.length)) {
    headers.push({ name: 'content-length', value: length })
    fixed.push('content-length')
  }
  return { headers, body: { bytes: r.body }, bodySize: r.body.length, fixed }
}

/** Checks the request (one line for the first thing wrong), builds it, and sends it once. */
export async function sendNewRequest(r: NewRequest, opts: NewRequestOptions): Promise<HttpReplayOutcome> {
  const problem = newRequestProblem(r)
  const url = parseRequestUrl(r.url)
  if (problem !== undefined || 'error' in url) throw new UserError(problem ?? 'the URL cannot be read', 'EINVAL')
  const target: Endpoint = { kind: 'tcp', host: url.host, port: url.port }
  const tls = url.scheme === 'https' ? await tlsFor(r, opts) : undefined
  if (opts.signal?.aborted) throw cancelled()
  const send = { target, tls, timeoutMs: opts.timeoutMs, signal: opts.signal, record: opts.record }
  const first = r.http2 ? await sendH2({ request: composedH2(r, url), edited: false }, send) : await sendOnce({ bytes: composedHttp1(r, url), edited: false }, send)
  return { first }
}

/** https: verified against the system's roots (and `ca`), asking for the URL's host (or `sni`); HTTP/1.1 asks for http/1.1 by ALPN (HTTP/2's session asks for h2). */
async function tlsFor(r: NewRequest, opts: NewRequestOptions): Promise<TlsConnect> {
  const tls = await loadTlsConnect({ verify: opts.insecure !== true, ca: opts.ca, sni: opts.sni }, SEND_TLS_FLAGS)
  return r.http2 ? tls : { ...tls, alpn: ['http/1.1'] }
}
