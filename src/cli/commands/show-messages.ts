// `tcpscope show`'s part for raw connections: their messages (redis, PostgreSQL, MQTT, ...,
// or a framing given with --frame), through msg.page as the UI's Messages tab reads them.
// Text: one line each. JSON: one {"type": "message", ...} object per line, with the
// payload (text where printable, else hex, up to --body-limit) and the decoded fields.

import { formatBytes, formatPeer, formatTimestamp } from '../../shared/human-readable'
import { MESSAGE_PROTOCOL_NAMES, type MessageProtocol, type StreamMessage } from '../../shared/message-types'
import { messageJson as sharedMessageJson } from '../../shared/message-json'
import type { Engine } from '../../core/engine'
import { terminalSafe } from '../chunk-view'
import { outputClosed, type OutputBatches } from '../output'
import { targetOf } from './ls'
import { shownNumber, type ShownConnection } from './show-facts'

const PAGE = 100
const ARROWS = { client: 'client ->', server: 'server <-' } as const

export interface MessageShow {
  engine: Engine
  capture: string
  out: OutputBatches
  json: boolean
  /** --frame: cut every raw connection this way. */
  frame?: string
  bodyLimit: number
}

const framingName = (framing: string): string => MESSAGE_PROTOCOL_NAMES[framing as MessageProtocol] ?? framing

/** A raw connection's messages; how many were shown (0: none, and nothing was printed). */
export async function showMessages(s: MessageShow, conn: ShownConnection, first: boolean): Promise<number> {
  const base = { capture: s.capture, connId: conn.id, ...(s.frame !== undefined ? { frame: s.frame } : {}), fields: s.json }
  let page = await s.engine['msg.page']({ ...base, from: 0, limit: PAGE })
  if (page.total === 0) return 0
  if (!s.json) await s.out.put(`${first ? '' : '\n'}#${conn.id} ${formatPeer(conn.client)} -> ${terminalSafe(targetOf(conn))}: ${framingName(page.framing)}, ${page.total} message${page.total === 1 ? '' : 's'}\n`)
  let shown = 0
  for (;;) {
    for (const m of page.messages) {
      if (outputClosed()) return shown
      if (s.json) s.out.add(await messageJson(s, conn, page.framing, m))
      else s.out.add(messageLine(conn, m))
      shown++
    }
    await s.out.put('')
    const next = page.from + page.messages.length
    if (page.messages.length === 0 || next >= page.total || outputClosed()) break
    page = await s.engine['msg.page']({ ...base, from: next, limit: PAGE })
  }
  for (const p of page.problems) await s.out.put(s.json ? JSON.stringify({ type: 'problem', conn: conn.id, dir: p.dir, offset: p.offset, message: p.message }) + '\n' : `#${conn.id} ${terminalSafe(p.message)}\n`)
  return shown
}

/** `#3 message 1 client -> 06:12:01.123 27 B SET greeting "hello world" (answered by 2)`. */
function messageLine(conn: ShownConnection, m: StreamMessage): string {
  const notes: string[] = []
  if (m.pair !== undefined) notes.push(`${m.pair > m.index ? 'answered by' : 'answers'} ${shownNumber(m.pair)}`)
  if (m.incomplete) notes.push('incomplete')
  if (m.error !== undefined && m.error !== m.summary) notes.push(m.error)
  return `#${conn.id} message ${shownNumber(m.index)} ${ARROWS[m.dir]} ${formatTimestamp(m.time, false)} ${formatBytes(m.range.length)} ${terminalSafe(m.summary)}${notes.length ? ` (${terminalSafe(notes.join('; '))})` : ''}\n`
}

async function messageJson(s: MessageShow, conn: ShownConnection, framing: string, m: StreamMessage): Promise<string> {
  const kept = Math.min(m.range.length, s.bodyLimit)
  const bytes = kept > 0 ? await s.engine['conn.read']({ capture: s.capture, connId: conn.id, dir: m.dir, offset: m.range.offset, length: kept }) : new Uint8Array(0)
  return JSON.stringify(sharedMessageJson(conn.id, framing, m, bytes)) + '\n'
}
