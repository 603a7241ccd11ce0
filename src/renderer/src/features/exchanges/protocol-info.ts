// The connection list's protocol and Info cells, from what decoding found (ProtocolSummary),
// as Wireshark's Info column reads: "GET /api/items → 200 application/json 3.1 KiB +3 more",
// "WebSocket 42 messages". Words come through `say` (vue-i18n's t), numbers and sizes as the
// rest of the list writes them.

import type { ProtocolSummary } from '../../../../shared/protocol-types'
import { exchangeInfo, helloInfo } from '../../../../shared/info-words'
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

export { mediaType } from '../../../../shared/info-words'

/** The Info cell: the words every language shares (info-words.ts, which the filter's plain words match), and the translated ones between. */
export function protocolInfo(p: ProtocolSummary | undefined, say: Say): string {
  if (!p) return ''
  const parts = [exchangeInfo(p)]
  if (p.protocol === 'websocket') parts.push(say('exchanges.info.websocket', { n: p.messages ?? 0 }, p.messages ?? 0))
  else if ((p.protocol === 'http1' || p.protocol === 'http2') && (p.exchanges ?? 0) > 1) parts.push(say('exchanges.info.more', { n: (p.exchanges ?? 1) - 1 }))
  else if (p.protocol === 'tls') parts.push(say('exchanges.info.tls'))
  // Passed through encrypted, its hello is all it shows: the name it asked for and what it offered.
  parts.push(helloInfo(p))
  if (p.problem) parts.push(say('exchanges.info.problem'))
  return parts.filter(Boolean).join(' ')
}
