// The connection list's protocol and Info cells, from what decoding found (ProtocolSummary),
// as Wireshark's Info column reads: "GET /api/items → 200 application/json 3.1 KiB +3 more",
// "WebSocket 42 messages". Words come through `say` (vue-i18n's t), numbers and sizes as the
// rest of the list writes them.

import type { ProtocolSummary } from '../../../../shared/protocol-types'
import { formatBytes } from '../../ui/ui-readable'
import { MESSAGE_PROTOCOL_NAMES, MESSAGE_PROTOCOLS, type MessageProtocol } from '../../../../shared/message-types'

export type Say = (key: string, named?: Record<string, unknown>, plural?: number) => string

/**
 * The protocol cell's short name: HTTP, WS, TLS, H2, raw; for a raw connection whose messages
 * are decoded, their protocol (RESP, PostgreSQL...) or the framing chosen (`length`); empty
 * while unknown.
 */
export function protocolLabel(p: ProtocolSummary | undefined, say: Say): string {
  if (!p || p.protocol === 'unknown') return ''
  if (p.protocol === 'raw' && p.carries) return (MESSAGE_PROTOCOLS as readonly string[]).includes(p.carries) ? MESSAGE_PROTOCOL_NAMES[p.carries as MessageProtocol] : p.carries
  return say(`exchanges.proto.${p.protocol}`)
}

/** `application/json` of `application/json; charset=utf-8`. */
export const mediaType = (contentType: string | undefined): string => contentType?.split(';', 1)[0].trim() ?? ''

/** The Info cell. */
export function protocolInfo(p: ProtocolSummary | undefined, say: Say): string {
  if (!p) return ''
  const parts: string[] = []
  const f = p.first
  if (p.protocol === 'http1' && f && (f.method !== undefined || f.status !== undefined)) {
    parts.push(`${f.method ?? '?'} ${f.target ?? ''}`.trim())
    if (f.status !== undefined) {
      parts.push('→', String(f.status))
      const type = mediaType(f.contentType)
      if (type) parts.push(type)
      if (f.size !== undefined && f.size > 0) parts.push(formatBytes(f.size))
    } else parts.push('→', '…')
  }
  if (p.protocol === 'websocket') parts.push(say('exchanges.info.websocket', { n: p.messages ?? 0 }, p.messages ?? 0))
  else if (p.protocol === 'http1' && (p.exchanges ?? 0) > 1) parts.push(say('exchanges.info.more', { n: (p.exchanges ?? 1) - 1 }))
  else if (p.protocol === 'tls' || p.protocol === 'http2') parts.push(say(`exchanges.info.${p.protocol}`))
  // Passed through encrypted, its hello is all it shows: the name it asked for and what it offered.
  if (p.hello?.sni) parts.push(p.hello.sni)
  if (p.hello?.alpn?.length) parts.push(`(${p.hello.alpn.join(', ')})`)
  if (p.problem) parts.push(say('exchanges.info.problem'))
  return parts.join(' ')
}
