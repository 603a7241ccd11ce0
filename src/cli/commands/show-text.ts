// `tcpscope show` for a person: per connection a header line, then each exchange as its
// request (start line, headers, decoded body, trailers), any 1xx, then its response, and
// each WebSocket message with its direction, time, size and payload. Bodies read as
// `tcpscope replay` prints them (body-text.ts): text in its charset, binary as a short hex
// dump; they are streamed a window at a time, so a big body is never held whole. An exchange
// shown as delivered (--as delivered) is laid out the same, from what its receivers got. A
// request tcpscope answered in the target's place (a mock) has that answer as its response,
// its start line marked as tcpscope's, either way: it is what the client's leg carried.

import { isTextKind } from '../../shared/body-type'
import { formatBytes, formatPeer, formatTimestamp } from '../../shared/human-readable'
import type { HttpExchange, HttpHeader, HttpMessage, WsMessage } from '../../shared/protocol-types'
import type { ExportAs } from '../../shared/export-args'
import { binaryDump, firstOfDecodedNote, firstOfNote, SafeText, SHORT_HEX } from '../body-text'
import { terminalSafe } from '../chunk-view'
import { outputClosed, type OutputBatches } from '../output'
import { targetOf } from './ls'
import { readContent, type ContentFacts, type PieceSource } from './show-bodies'
import { contentGap, protocolOf, shownNumber, type ExchangeChange, type ShownConnection } from './show-facts'

const MORE = '--body-limit shows more'

/** `#3 127.0.0.1:40212 -> 127.0.0.1:8080 [TLS example.com]: http1, 2 exchanges, 5 WebSocket messages`. */
export function connectionLine(conn: ShownConnection, protocol: string, exchanges: number, messages: number): string {
  const counts = [`${exchanges} exchange${exchanges === 1 ? '' : 's'}`]
  if (messages > 0) counts.push(`${messages} WebSocket message${messages === 1 ? '' : 's'}`)
  return `#${conn.id} ${formatPeer(conn.client)} -> ${terminalSafe(targetOf(conn))}: ${protocol}, ${counts.join(', ')}`
}

const headerLines = (headers: readonly HttpHeader[]): string => headers.map((h) => terminalSafe(`${h.name}: ${h.value}`) + '\n').join('')

/** What a rule's action did to a request that was no answer to it. */
const NOT_ANSWERED: ReadonlyMap<string, string> = new Map([
  ['reset', 'reset'],
  ['close', 'closed'],
  ['drop', 'dropped'],
  ['timeout', 'left unanswered'],
  ['forward', 'forwarded elsewhere']
])

/**
 * What a rule or the script did with a request the target never got, as it happened:
 * `answered by rule "mock the user" (respond)`, `reset by rule "fail once"`, `dropped by the script`.
 */
function handledWords(by: NonNullable<HttpExchange['answeredBy']>): string {
  const who = by.rule === 'script' ? 'the script' : `rule "${by.label}"`
  const did = by.rule === 'script' ? /^the script (dropped|reset|closed)\b/.exec(by.message)?.[1] : NOT_ANSWERED.get(by.action)
  return terminalSafe(did !== undefined ? `${did} by ${who}` : `answered by ${who} (${by.action})`)
}

/**
 * Beside the start line of an answer tcpscope gave in the target's place (the target sent
 * none): `(mock: rule "mock status", the target never got the request)`.
 */
function answerMark(by: NonNullable<HttpExchange['answeredBy']>): string {
  const whose = by.rule === 'script' ? 'answered by the script' : by.action === 'respond' ? `mock: rule "${by.label}"` : handledWords(by)
  return terminalSafe(`(${whose}, the target never got the request)`)
}

/** How an exchange ended, when it is not simply complete; shown as delivered, `change` says the client got no response. */
function stateLine(ex: HttpExchange, delivered?: ExchangeChange): string | undefined {
  if (ex.ended !== undefined) {
    const e = ex.ended
    return `(ended by ${e.kind === 'rst_stream' ? 'RST_STREAM' : 'GOAWAY'} ${e.name} from the ${e.by} at ${formatTimestamp(e.time, false)})`
  }
  // An answer shown says whose it is on its start line (answerMark).
  if (ex.answeredBy !== undefined) return ex.response !== undefined ? undefined : `(${handledWords(ex.answeredBy)}: the target never got the request)`
  // A response a rule or the script kept from the client: the change line above says who.
  if (delivered?.noResponse === true) return '(the client got no response)'
  if (ex.state === 'pending') return '(no response in the capture)'
  if (ex.state === 'incomplete') return '(incomplete: the connection ended, or decoding stopped, before the exchange was whole)'
  if (ex.state === 'upgraded') return `(upgraded${ex.upgrade === undefined ? '' : ` to ${terminalSafe(ex.upgrade)}`})`
  return undefined
}

/**
 * What a rule, the script or a breakpoint changed, before the exchange as each side sent it
 * (or, `as` delivered, as each receiver got it):
 * `(changed: the request as the target got it: rule "tag requests": …; shown below as each side sent it)`.
 * The engine's notes name each side that got something else.
 */
function changeLine(c: ExchangeChange, as: ExportAs): string {
  return terminalSafe(`(changed: ${c.notes.join('; ')}; shown below as ${as === 'delivered' ? 'each receiver got it' : 'each side sent it'})`)
}

/** `#3 exchange 2 h2 stream 3 06:12:01.123`. */
function exchangeLine(conn: ShownConnection, ex: HttpExchange): string {
  const parts = [`#${conn.id} exchange ${shownNumber(ex.index)}`, protocolOf(conn, ex)]
  if (ex.stream !== undefined) parts.push(`stream ${ex.stream}`)
  if (ex.pushedOn !== undefined) parts.push(`(pushed on stream ${ex.pushedOn})`)
  const at = ex.request?.startedAt ?? ex.response?.startedAt
  if (at !== undefined) parts.push(formatTimestamp(at, false))
  return parts.join(' ')
}

/** The body's text as it streams, or its first bytes as a dump; then what was left out. */
async function printContent(out: OutputBatches, source: PieceSource, limit: number, asText: (f: ContentFacts) => string | undefined): Promise<void> {
  let text: SafeText | undefined
  let binary: Uint8Array | undefined
  const facts = await readContent(source, limit, async (bytes, f) => {
    if (text === undefined && binary === undefined) {
      const charset = asText(f)
      if (charset === undefined) {
        binary = bytes.subarray(0, SHORT_HEX)
        // The dump shows only its start: the rest need not be read (its size is what the engine knows).
        return false
      }
      text = new SafeText(charset)
    }
    await out.put(text!.write(bytes))
    // A reader that went away (`| head`) needs no more of the body.
    return !outputClosed()
  })
  if (text !== undefined) {
    await out.put(text.end())
    if (!text.endsLine) out.add('\n')
  }
  if (binary !== undefined) {
    const size = facts.total !== undefined ? formatBytes(facts.total) : facts.end ? formatBytes(facts.shown) : `more than ${formatBytes(facts.shown)}`
    out.add(binaryDump(binary, size))
    return
  }
  if (facts.shown === 0 && facts.end) return
  if (facts.limited) out.add(facts.total === undefined ? firstOfDecodedNote(facts.shown, MORE) : firstOfNote(facts.shown, facts.total, MORE))
  else if (facts.note !== undefined) out.add(firstOfDecodedNote(facts.shown, facts.note))
  else {
    const gap = contentGap(facts, 'body')
    if (gap !== undefined) out.add(`(${gap})\n`)
  }
}

/** A body reads as text when the engine says its kind is text; in the charset it names. */
const bodyCharset = (f: ContentFacts): string | undefined => (f.type !== undefined && isTextKind(f.type.kind) ? f.type.charset : undefined)

/** A message's start line, headers, body and trailers; `mark` goes beside its start line. */
async function printMessage(out: OutputBatches, msg: HttpMessage, body: PieceSource, limit: number, mark?: string): Promise<void> {
  out.add(terminalSafe(msg.startLine) + (mark !== undefined ? `   ${mark}` : '') + '\n' + headerLines(msg.headers))
  if (msg.body.framing !== 'none') {
    out.add('\n')
    await printContent(out, body, limit, bodyCharset)
  }
  const trailers = msg.body.trailers
  if (trailers !== undefined && trailers.length > 0) out.add('trailers:\n' + headerLines(trailers))
}

export interface ExchangeBodies {
  request: PieceSource
  response: PieceSource
}

/** One exchange, a blank line before it: as each side sent it, or (`as` delivered) as its receivers got it. */
export async function printExchange(out: OutputBatches, conn: ShownConnection, ex: HttpExchange, bodies: ExchangeBodies, limit: number, change?: ExchangeChange, as: ExportAs = 'sent'): Promise<void> {
  out.add(`\n${exchangeLine(conn, ex)}\n`)
  if (change !== undefined) out.add(changeLine(change, as) + '\n')
  if (ex.request !== undefined) await printMessage(out, ex.request, bodies.request, limit)
  else out.add('(no request in the capture)\n')
  for (const info of ex.informational) out.add('\n' + terminalSafe(info.startLine) + '\n' + headerLines(info.headers))
  if (ex.response !== undefined) {
    out.add('\n')
    // The decoder gives a request tcpscope answered no response: one here is that answer, as the client got it.
    await printMessage(out, ex.response, bodies.response, limit, ex.answeredBy !== undefined ? answerMark(ex.answeredBy) : undefined)
  }
  const state = stateLine(ex, as === 'delivered' ? change : undefined)
  if (state !== undefined) out.add(state + '\n')
  await out.put('')
}

const ARROWS = { client: 'client ->', server: 'server <-' } as const

/** One WebSocket message: `#2 message 3 client -> 06:12:01.123 text 13 B`, then its payload. */
export async function printWsMessage(out: OutputBatches, conn: ShownConnection, m: WsMessage, payload: PieceSource, limit: number): Promise<void> {
  const flags = [m.compressed ? 'compressed' : '', m.complete ? '' : 'incomplete'].filter((f) => f !== '')
  out.add(`\n#${conn.id} message ${shownNumber(m.index)} ${ARROWS[m.dir]} ${formatTimestamp(m.startedAt, false)} ${m.opcode} ${formatBytes(m.size)}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}\n`)
  if (m.opcode === 'close') {
    if (m.closeCode !== undefined) out.add(`close ${m.closeCode}${m.closeReason ? ` ${terminalSafe(m.closeReason)}` : ''}\n`)
  } else if (m.size > 0) await printContent(out, payload, limit, () => (m.opcode === 'text' ? 'utf-8' : undefined))
  await out.put('')
}

/** A decoding problem on the connection, as the engine said it. */
export const problemLine = (conn: ShownConnection, p: { dir: string; offset: number; message: string }): string =>
  `#${conn.id} decoding problem in the ${p.dir}'s bytes at ${p.offset}: ${terminalSafe(p.message)}\n`
