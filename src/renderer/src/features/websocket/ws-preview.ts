// A WebSocket message in one short line for the list: text as text (controls named), binary
// as its first bytes in hex, a close as its code and reason.

import type { WsMessage } from '../../../../shared/protocol-types'
import { HEX } from '../../../../shared/hexdump'
import { visibleText } from '../bytes/text/visible-text'

const TEXT_CHARS = 160
const HEX_BYTES = 24

export function wsPreview(m: WsMessage): string {
  if (m.opcode === 'close') return m.closeCode === undefined ? '' : `${m.closeCode}${m.closeReason ? ` ${m.closeReason}` : ''}`
  if (m.opcode === 'binary') {
    const head = [...m.preview.subarray(0, HEX_BYTES)].map((b) => HEX[b]).join(' ')
    return m.size > HEX_BYTES ? `${head} …` : head
  }
  const text = visibleText(m.preview, 'utf-8', 1)
    .runs.map((r) => (r.control ? `${r.text} ` : r.text))
    .join('')
  return text.length > TEXT_CHARS ? `${text.slice(0, TEXT_CHARS)}…` : text
}
