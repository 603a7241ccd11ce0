// `tcpscope show`'s part for raw connections: their messages (redis, PostgreSQL, MQTT, ...,
// or a framing given with --frame), through msg.page as the UI's Messages tab reads them.
// Text: one line each. JSON: one {"type": "message", ...} object per line, with the
// payload (text where printable, else hex, up to --body-limit) and the decoded fields.
// A message a rule or the script rewrote, answered or dropped is marked (`changed by the
// script`; `changed`, `rule` in JSON), from msg.changes (msg.delivered as the Messages tab
// reads it, without what was delivered) a page at a time: asked only on a connection whose
// summary says its receivers' bytes were changed.

import { formatBytes, formatPeer, formatTimestamp } from '../../shared/human-readable'
import { MESSAGE_PROTOCOL_NAMES, type MessageProtocol, type StreamMessage } from '../../shared/message-types'
import { messageJson as sharedMessageJson } from '../../shared/message-json'
import { readRanges } from '../../shared/read-spans'
import type { Engine } from '../../core/engine'
import { terminalSafe } from '../chunk-view'
import { outputClosed, type OutputBatches } from '../output'
import { targetOf } from './ls'
import { messageChange, receiversChanged, shownNumber, type MessageChange, type ShownConnection } from './show-facts'

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
  const frameOf = s.frame !== undefined ? { frame: s.frame } : {}
  const base = { capture: s.capture, connId: conn.id, ...frameOf, fields: s.json }
  let page = await s.engine['msg.page']({ ...base, from: 0, limit: PAGE })
  if (page.total === 0) return 0
  if (!s.json) await s.out.put(`${first ? '' : '\n'}#${conn.id} ${formatPeer(conn.client)} -> ${terminalSafe(targetOf(conn))}: ${framingName(page.framing)}, ${page.total} message${page.total === 1 ? '' : 's'}\n`)
  let shown = 0
  for (;;) {
    const payloads = s.json ? await payloadsOf(s, conn, page.messages) : []
    const changes = receiversChanged(conn) && page.messages.length > 0 ? (await s.engine['msg.changes']({ ...frameOf, capture: s.capture, connId: conn.id, from: page.from, limit: page.messages.length })).messages : []
    for (const [k, m] of page.messages.entries()) {
      if (outputClosed()) return shown
      const facts = changes[k]
      const change = facts === undefined ? undefined : messageChange(facts)
      if (s.json) s.out.add(JSON.stringify({ ...sharedMessageJson(conn.id, page.framing, m, payloads[k] ?? new Uint8Array(0)), ...(change ? { changed: change.changed, rule: change.rule } : {}) }) + '\n')
      else s.out.add(messageLine(conn, m, change))
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
function messageLine(conn: ShownConnection, m: StreamMessage, change: MessageChange | undefined): string {
  const notes: string[] = []
  if (change !== undefined) notes.push(change.words)
  if (m.pair !== undefined) notes.push(`${m.pair > m.index ? 'answered by' : 'answers'} ${shownNumber(m.pair)}`)
  if (m.incomplete) notes.push('incomplete')
  if (m.error !== undefined && m.error !== m.summary) notes.push(m.error)
  return `#${conn.id} message ${shownNumber(m.index)} ${ARROWS[m.dir]} ${formatTimestamp(m.time, false)} ${formatBytes(m.range.length)} ${terminalSafe(m.summary)}${notes.length ? ` (${terminalSafe(notes.join('; '))})` : ''}\n`
}

/** The page's messages' payloads, up to --body-limit each, read a direction's run of messages at a time (shared/read-spans.ts). */
async function payloadsOf(s: MessageShow, conn: ShownConnection, messages: readonly StreamMessage[]): Promise<Uint8Array[]> {
  const payloads: Uint8Array[] = []
  await readRanges(
    messages.map((m) => ({ dir: m.dir, offset: m.range.offset, length: Math.min(m.range.length, s.bodyLimit) })),
    (dir, offset, length) => s.engine['conn.read']({ capture: s.capture, connId: conn.id, dir, offset, length }),
    (k, bytes) => (payloads[k] = bytes)
  )
  return payloads
}
