// How engine events read on a terminal (one line each) and as JSON lines.

import type { ConnectionSummary } from '../shared/capture-types'
import type { EngineEvent } from '../shared/events'
import { tlsWord, type TlsEventInfo } from '../shared/tls-types'
import { escapePreview, toHex } from '../shared/hexdump'
import { formatBytes, formatDuration, formatPeer, formatTimestamp, WALL_CLOCK_MS } from '../shared/human-readable'
import { rstWords } from './connection-words'

const ARROW: Record<string, string> = { client: 'client ->', server: 'server <-' }

/** Why a connection closed, when not normally: `stopped`, or `tcpscope-reset by toxic, RST to client and server`. */
function endDetail(conn: ConnectionSummary): string {
  const reset = conn.changed?.reset
  return conn.end === 'tcpscope-reset' && reset !== undefined ? `${conn.end} by ${reset.by}, ${rstWords(reset)}` : conn.end
}

function connLine(conn: ConnectionSummary, text: string, time: number): string {
  return `${formatTimestamp(time, false)} #${conn.id} ${text}`
}

/** A `tls` record in one line: a leg's handshake, a hello passed through, or a failure in its own words. */
function tlsText(info: TlsEventInfo): string {
  if (!info.ok) return `TLS failed (${info.side === 'client' ? 'client leg' : 'target leg'}): ${info.message}`
  const parts: string[] = []
  if ('passthrough' in info) {
    if (info.sni !== undefined) parts.push(`SNI ${info.sni}`)
    if (info.alpn !== undefined) parts.push(`ALPN offered ${info.alpn.join(',')}`)
    return `${tlsWord(info.starttls)} passed through${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`
  }
  parts.push(info.version, info.cipher)
  if (info.sni !== undefined) parts.push(`SNI ${info.sni}`)
  if (info.alpn !== undefined) parts.push(`ALPN ${info.alpn}`)
  if (info.resumed === true) parts.push('resumed')
  if (info.unverified !== undefined) parts.push(`NOT verified: ${info.unverified}`)
  return `${tlsWord(info.starttls)} ${info.side === 'client' ? 'with the client' : 'with the target'}: ${parts.join(', ')}`
}

/** The terminal line for an event, or undefined for events that print nothing. */
export function eventText(e: EngineEvent, now = Date.now()): string | undefined {
  switch (e.type) {
    case 'conn-opened':
      return connLine(e.conn, `open ${formatPeer(e.conn.client)} -> ${e.conn.target}${e.conn.via !== undefined ? ` via ${e.conn.via}` : ''}`, e.conn.openedAt)
    case 'conn-data': {
      // The preview's text is cut at 48 characters: `...` says the line shows less than the whole
      // chunk, cut there or past the preview's bytes.
      const preview = escapePreview(e.preview)
      const more = e.length > e.preview.length || preview.length < escapePreview(e.preview, Infinity).length ? '...' : ''
      return `${formatTimestamp(now, false)} #${e.connId} ${ARROW[e.dir]} ${formatBytes(e.length)} (at ${e.offset}) "${preview}"${more}`
    }
    case 'conn-event': {
      const { event, conn } = e
      const info = event.info ?? {}
      switch (event.kind) {
        case 'connecting':
          return undefined
        case 'connected':
          return connLine(conn, `connected ${formatPeer(conn.upstream?.local)} -> ${formatPeer(conn.upstream?.remote)}`, event.time)
        case 'connect-failed':
          // A TLS handshake failure was printed as such a moment ago (its `tls` record came first).
          if (conn.tls?.failure !== undefined && conn.tls.failure.message === info.message) return undefined
          return connLine(conn, `connect failed: ${String(info.message ?? info.code)}`, event.time)
        case 'tls':
          return connLine(conn, tlsText(info as unknown as TlsEventInfo), event.time)
        // What tcpscope did to the connection (a toxic, a breakpoint, a person), in its record's own words.
        case 'fault':
          return connLine(conn, `${ARROW[event.dir ?? 'client']} fault ${String(info.toxic)}: ${String(info.message)}`, event.time)
        case 'break':
          return connLine(conn, `${ARROW[event.dir ?? 'client']} breakpoint${info.rule ? ` ${String(info.rule)}` : ''}: ${String(info.message)}`, event.time)
        case 'action':
          return connLine(conn, `action: ${String(info.message)}`, event.time)
        case 'rule':
          return connLine(conn, `${ARROW[event.dir ?? 'client']} rule ${String(info.label ?? info.rule)}: ${String(info.message)}`, event.time)
        case 'gap':
          return connLine(conn, `${ARROW[event.dir ?? 'client']} ${formatBytes(Number(info.bytes))} (at ${String(info.offset)}) not kept: the disk was slower than the traffic`, event.time)
        case 'fin':
          return connLine(conn, `${event.dir} sent FIN`, event.time)
        case 'reset':
          return connLine(conn, `${event.dir} reset the connection (${String(info.code)})`, event.time)
        case 'error':
          return connLine(conn, `${event.dir} error ${String(info.code)}: ${String(info.message)}`, event.time)
        case 'close':
          return connLine(
            conn,
            `${conn.end === 'closed' ? 'closed' : `closed (${endDetail(conn)})`}: ${formatBytes(conn.bytes.client)} from client, ${formatBytes(conn.bytes.server)} from server${conn.answered ? ` (+${formatBytes(conn.answered)} answered by tcpscope)` : ''}, ${formatDuration(event.time - conn.openedAt, WALL_CLOCK_MS)}`,
            event.time
          )
        default:
          return undefined
      }
    }
    case 'capture-error':
      return `tcpscope: ${e.message}`
    default:
      return undefined
  }
}

/** JSON for one event (or one with more fields); bytes become hex strings. */
export function eventJson(e: EngineEvent | (EngineEvent & Record<string, unknown>)): string {
  return JSON.stringify(e, (_key, value: unknown) => (value instanceof Uint8Array ? toHex(value) : value))
}
