// `tcpscope show`'s part for raw connections: their messages (redis, PostgreSQL, MQTT, ...,
// or a framing given with --frame), through msg.page as the UI's Messages tab reads them.
// Text: one line each. JSON: one {"type": "message", ...} object per line, with the
// payload (text where printable, else hex, up to --body-limit) and the decoded fields.
// A message a rule or the script rewrote, answered or dropped is marked (`changed by the
// script`; `changed`, `rule` in JSON), from msg.changes (msg.delivered as the Messages tab
// reads it, without what was delivered) a page at a time: asked only on a connection whose
// summary says its receivers' bytes were changed. With --as delivered, that page comes from
// msg.delivered.page, with what was delivered: a rewritten message is shown as its receiver
// got it (its size, summary, payload and fields), and one dropped or answered instead says its
// receiver got none of it (and what its sender got instead).

import type { DeliveredMessageFacts, DeliveredMessageView } from '../../shared/delivered-types'
import type { ExportAs } from '../../shared/export-args'
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
  /** --as: each message as sent, or as its receiver got it. */
  as: ExportAs
}

/** Who gets a message that goes `dir`'s way, and who sent it. */
const RECEIVER = { client: 'the target', server: 'the client' } as const
const SENDER = { client: 'the client', server: 'the target' } as const

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
    const changes = receiversChanged(conn) && page.messages.length > 0 ? await changesOf(s, conn, page.from, page.messages.length) : { facts: [] }
    for (const [k, m] of page.messages.entries()) {
      if (outputClosed()) return shown
      const facts = changes.facts[k]
      const change = facts === undefined ? undefined : messageChange(facts)
      // As delivered, only a message a rule changed reads otherwise.
      const d = change === undefined ? undefined : changes.delivered?.[k]
      if (s.json) s.out.add(JSON.stringify(messageJson(s, conn.id, page.framing, m, payloads[k] ?? new Uint8Array(0), change, d)) + '\n')
      else s.out.add(messageLine(conn, d === undefined ? m : shownAs(m, d), change, d === undefined || change === undefined ? undefined : deliveredWords(m, change, d)))
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

/** A page's changes: what rules did to each message (msg.changes), with what was delivered when shown so (msg.delivered.page). */
async function changesOf(s: MessageShow, conn: ShownConnection, from: number, limit: number): Promise<{ facts: readonly DeliveredMessageFacts[]; delivered?: readonly DeliveredMessageView[] }> {
  const page = { ...(s.frame !== undefined ? { frame: s.frame } : {}), capture: s.capture, connId: conn.id, from, limit }
  if (s.as !== 'delivered') return { facts: (await s.engine['msg.changes'](page)).messages }
  const delivered = (await s.engine['msg.delivered.page'](page)).messages
  return { facts: delivered, delivered }
}

/** What was delivered in place of `m` (a rewrite, or the answer a rule gave its sender), as a message: what the sent bytes said of themselves (their command, an error, an end cut short) is not said of it. */
function gotMessage(m: StreamMessage, got: NonNullable<DeliveredMessageView['got']>): StreamMessage {
  const { command: _command, error: _error, incomplete: _incomplete, pair, ...rest } = m
  return { ...rest, ...(got.answer || pair === undefined ? {} : { pair }), dir: got.dir, range: { ...m.range, length: got.size }, summary: got.summary, fields: got.fields, ...(got.fieldsCut === true ? { fieldsCut: true } : {}) }
}

/** The message its receiver got when a rule rewrote `m`; `m` as sent otherwise (dropped, answered instead, not kept). */
const shownAs = (m: StreamMessage, d: DeliveredMessageView): StreamMessage => (d.got === undefined || d.got.answer ? m : gotMessage(m, d.got))

/**
 * What became of a message as delivered, in words after its change's:
 * `as the target got it; sent: 27 B GET k`, `the target got none of it`,
 * `the target never got it; the client got instead: 9 B "on"`.
 */
function deliveredWords(m: StreamMessage, change: MessageChange, d: DeliveredMessageView): string {
  const receiver = RECEIVER[m.dir]
  if (d.none === true) return `${change.words}: ${receiver} got none of it`
  if (d.got?.answer === true) return `${change.words}: ${receiver} never got it; ${SENDER[m.dir]} got instead: ${formatBytes(d.got.size)} ${d.got.summary}`
  if (d.got !== undefined) return `${change.words}: as ${receiver} got it; sent: ${formatBytes(m.range.length)} ${m.summary}`
  if (d.notKept !== undefined) return `${change.words}: what ${receiver} got (${formatBytes(d.notKept)}) was not kept, only its size: this is what was sent`
  return change.words
}

/**
 * A message's JSON line (message-json.ts), with what a rule changed. As delivered, a
 * rewritten message's size, summary, payload and fields are what its receiver got (`sent`:
 * what was sent); one its receiver got none of is as sent with `"delivered": false`, and the
 * `answer` its sender got instead when a rule answered it; one whose delivered bytes were not
 * kept is as sent, with `deliveredSize`.
 */
function messageJson(s: MessageShow, conn: number, framing: string, m: StreamMessage, payload: Uint8Array, change: MessageChange | undefined, d: DeliveredMessageView | undefined): Record<string, unknown> {
  const changed = change ? { changed: change.changed, rule: change.rule } : {}
  if (d === undefined || change === undefined) return { ...sharedMessageJson(conn, framing, m, payload), ...changed }
  const asDelivered = { ...changed, as: 'delivered' }
  const got = d.got
  if (got === undefined) {
    const sent = { ...sharedMessageJson(conn, framing, m, payload), ...changed }
    if (d.none === true) return { ...sent, as: 'delivered', delivered: false }
    // Over 1 MiB, what was delivered was kept as its size alone: the line is what was sent.
    return d.notKept !== undefined ? { ...sent, deliveredSize: d.notKept } : sent
  }
  // The engine gives at most a preview of what a record keeps: a note names that, not --body-limit, when it is what cut the bytes.
  const limitName = got.bytes.length < Math.min(got.size, s.bodyLimit) ? "the engine's preview of a delivered message" : '--body-limit'
  const gotJson = sharedMessageJson(conn, framing, gotMessage(m, got), got.bytes.subarray(0, s.bodyLimit), limitName)
  if (!got.answer) return { ...gotJson, ...asDelivered, sent: { size: m.range.length, summary: m.summary } }
  const { dir, size, summary, payload: answerPayload, fields } = gotJson
  return { ...sharedMessageJson(conn, framing, m, payload), ...asDelivered, delivered: false, answer: { dir, size, summary, payload: answerPayload, fields } }
}

/** `#3 message 1 client -> 06:12:01.123 27 B SET greeting "hello world" (answered by 2)`; `delivered`: what became of it as delivered, in place of the change's words. */
function messageLine(conn: ShownConnection, m: StreamMessage, change: MessageChange | undefined, delivered?: string): string {
  const notes: string[] = []
  if (change !== undefined) notes.push(delivered ?? change.words)
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
