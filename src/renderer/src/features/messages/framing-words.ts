// A framing as people read it: a protocol by its name (RESP, PostgreSQL...), any other as
// `--frame` writes it (`length:size=2`), and where it came from.

import type { ConnectionKind } from '../../../../shared/capture-types'
import { MESSAGE_PROTOCOL_NAMES, MESSAGE_PROTOCOLS, type MessageProtocol } from '../../../../shared/message-types'
import type { FramingSource } from './messages-store'

type Say = (key: string, named?: Record<string, unknown>) => string

const isProtocol = (s: string): s is MessageProtocol => (MESSAGE_PROTOCOLS as readonly string[]).includes(s)

/** `RESP` for `resp`, the spec itself for a framing (`length:size=2`). */
export const framingName = (framing: string): string => (isProtocol(framing) ? MESSAGE_PROTOCOL_NAMES[framing] : framing)

/**
 * The tab's header: "RESP — recognised", "length:size=2 — chosen with Decode as…",
 * "ksy:blob.ksy — set on proxy p1 (--frame)", "No framing". A framing is no traffic rule: it
 * came from the proxy's (or session's) `--frame`, or from Decode as… (for this connection or
 * every one of its owner). `kind` is the connection's: a proxy's, else a session's.
 */
export function framingWords(framing: string | undefined, source: FramingSource | undefined, owner: { id: string; kind: ConnectionKind }, say: Say): string {
  if (framing === undefined || source === undefined) return ''
  if (source === 'none' || framing === 'none') return say('msgView.source.none')
  const key = source === 'owner' && owner.kind !== 'proxy' ? 'ownerSession' : source
  return say(`msgView.source.${key}`, { framing: framingName(framing), owner: owner.id })
}
