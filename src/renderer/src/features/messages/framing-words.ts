// A framing as people read it: a protocol by its name (RESP, PostgreSQL...), any other as
// `--frame` writes it (`length:size=2`), and where it came from.

import { MESSAGE_PROTOCOL_NAMES, MESSAGE_PROTOCOLS, type MessageProtocol } from '../../../../shared/message-types'
import type { FramingSource } from './messages-store'

type Say = (key: string, named?: Record<string, unknown>) => string

const isProtocol = (s: string): s is MessageProtocol => (MESSAGE_PROTOCOLS as readonly string[]).includes(s)

/** `RESP` for `resp`, the spec itself for a framing (`length:size=2`). */
export const framingName = (framing: string): string => (isProtocol(framing) ? MESSAGE_PROTOCOL_NAMES[framing] : framing)

/** The tab's header: "RESP — recognised", "length:size=2 — chosen", "RESP — from p1's rule", "No framing". */
export function framingWords(framing: string | undefined, source: FramingSource | undefined, owner: string, say: Say): string {
  if (framing === undefined || source === undefined) return ''
  if (source === 'none' || framing === 'none') return say('msgView.source.none')
  return say(`msgView.source.${source}`, { framing: framingName(framing), owner })
}
