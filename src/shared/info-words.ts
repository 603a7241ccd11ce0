// The words of the connection list's Info column that read the same in every language: the
// first HTTP exchange in short ("GET /api/items → 200 application/json 3.10 KiB") and what a TLS
// hello asked for ("api.example (h2, http/1.1)"). The UI writes its Info cell from them, and
// the list's filter matches plain words against them, so a word a person reads there finds
// its row in the UI, the CLI and the engine alike.

import { formatBytes } from './human-readable'
import type { ProtocolSummary } from './protocol-types'

/** `application/json` of `application/json; charset=utf-8`. */
export const mediaType = (contentType: string | undefined): string => contentType?.split(';', 1)[0].trim() ?? ''

/** An HTTP connection's first exchange in short (HTTP/1 or HTTP/2, in cleartext or after TLS); empty for any other. */
export function exchangeInfo(p: ProtocolSummary): string {
  const f = p.first
  if ((p.protocol !== 'http1' && p.protocol !== 'http2') || !f || (f.method === undefined && f.status === undefined)) return ''
  const parts = [`${f.method ?? '?'} ${f.target ?? ''}`.trim(), '→']
  if (f.status === undefined) parts.push('…')
  else {
    parts.push(String(f.status))
    const type = mediaType(f.contentType)
    if (type) parts.push(type)
    if (f.size !== undefined && f.size > 0) parts.push(formatBytes(f.size))
  }
  return parts.join(' ')
}

/** The server name and the ALPN protocols a TLS client's hello asked for. */
export function helloInfo(p: ProtocolSummary): string {
  const parts: string[] = []
  if (p.hello?.sni) parts.push(p.hello.sni)
  if (p.hello?.alpn?.length) parts.push(`(${p.hello.alpn.join(', ')})`)
  return parts.join(' ')
}

/** What a plain filter word is looked for in, besides the endpoints. */
export const infoWords = (p: ProtocolSummary): string => [exchangeInfo(p), helloInfo(p)].filter(Boolean).join(' ')
