// What `tcpscope replay --exchange` prints for one response, as `curl --compressed` would
// and then a diff: the status line and headers as they came, the body with its content
// coding undone (text in its charset, JSON as sent, binary as a short hex dump; `--raw`: the
// bytes as sent), then what differs from the recording (recorded → replayed, the headers
// that are not counted marked) and the verdict, last. All of it from the engine's result:
// the comparison is the engine's (its response comparison, in src/core), shown, not redone.

import { headerPhrase, jsonChangePhrase } from '../../shared/comparison-phrases'
import { hexDump, toHex } from '../../shared/hexdump'
import { formatBytes } from '../../shared/human-readable'
import type { HttpReplayResponse, HttpReplayResult } from '../../shared/replay-types'
import type { BodyVerdict, HeaderDifference, ResponseComparison } from '../../shared/response-comparison-types'
import { terminalSafe } from '../chunk-view'
import { binaryDump, firstOfDecodedNote, firstOfNote, SHORT_HEX, wholeText } from '../body-text'

export interface ResponseTextOptions {
  /** The body as an xxd-style hex dump. */
  hex: boolean
  /** The body as sent: content coding left on, bytes written unaltered. */
  raw: boolean
}

/** JSON values and diff lines the summary prints before it says how many more there are. */
const MAX_SUMMARY_VALUES = 50
const MAX_SUMMARY_LINES = 60

const NOT_COUNTED: Record<NonNullable<HeaderDifference['ignored']>, string> = {
  volatile: 'not counted: it changes on every answer',
  framing: "not counted: the body's comparison covers it",
  rule: 'not counted: --ignore-header'
}

export const formatMs = (ms: number): string => `${ms < 10 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en-US')} ms`

/** The response, what differs from the recording, and the verdict; ends with a newline. */
export function responseOutput(r: HttpReplayResult, opts: ResponseTextOptions): Uint8Array {
  const parts: Array<string | Uint8Array> = []
  const res = r.response
  if (res !== undefined) {
    const head = [`${res.version} ${res.status}${res.reason === '' ? '' : ' ' + res.reason}`, ...res.headers.map((h) => `${h.name}: ${h.value}`)]
    parts.push(terminalSafe(head.join('\n')) + '\n\n')
    parts.push(...bodyParts(res, opts))
  }
  const compared = r.comparison === undefined ? [] : comparisonLines(r.comparison)
  if (compared.length > 0) parts.push(res === undefined ? '' : '\n', ...compared.map((l) => l + '\n'))
  const took = r.ms === undefined ? '' : ` in ${formatMs(r.ms)}`
  parts.push(r.matched ? `response matched the recording${took}\n` : `response differs: ${terminalSafe(r.differences.join(', '))}\n`)
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))
}

/** The body, ending with a newline; nothing for an empty one. */
function bodyParts(res: HttpReplayResponse, opts: ResponseTextOptions): Array<string | Uint8Array> {
  const content = res.content
  const decoded = !opts.raw && content !== undefined && content.codings.length > 0 && content.bytes !== undefined
  const bytes = decoded ? content.bytes! : res.body
  const total = decoded ? content.size : res.bodySize
  if (bytes.length === 0 && total === 0) return []
  const out: Array<string | Uint8Array> = []
  if (opts.hex) out.push(hexDump(bytes, 0).join('\n') + '\n')
  else if (opts.raw) out.push(bytes, bytes.at(-1) === 0x0a ? '' : '\n')
  else if (content?.form === 'binary') {
    out.push(binaryDump(bytes, formatBytes(total ?? bytes.length), bytes.length > SHORT_HEX ? `; --hex shows its first ${formatBytes(bytes.length)}` : ''))
  } else out.push(wholeText(bytes, content?.charset))
  const shown = opts.hex || opts.raw || content?.form !== 'binary'
  if (shown && total !== undefined && bytes.length < total) out.push(firstOfNote(bytes.length, total))
  else if (shown && total === undefined && decoded) out.push(firstOfDecodedNote(bytes.length, content.note))
  if (!opts.raw && content?.problem !== undefined) out.push(`(${content.problem}; shown as sent)\n`)
  return out
}

/** `recorded → replayed:` and what differs (the headers not counted marked), or nothing when all is the same. */
function comparisonLines(c: ResponseComparison): string[] {
  const lines: string[] = []
  for (const h of c.headers.rows) {
    if (h.change === 'same') continue
    lines.push(terminalSafe(headerPhrase(h)) + (h.ignored === undefined ? '' : ` (${NOT_COUNTED[h.ignored]})`))
  }
  if (c.headers.reordered) lines.push('(the headers came in another order: not counted)')
  lines.push(...bodyLines(c.body))
  if (c.body.note !== undefined) lines.push(`(body: ${c.body.note})`)
  return lines.length === 0 ? [] : ['recorded → replayed:', ...lines.map((l) => '  ' + l)]
}

function bodyLines(b: BodyVerdict): string[] {
  if (b.kind === 'same' || !b.differs) return []
  const sizes = b.recordedSize === b.replayedSize ? '' : ` (${formatBytes(b.recordedSize)} → ${formatBytes(b.replayedSize)})`
  if (b.kind === 'json') {
    const lines = b.changes.slice(0, MAX_SUMMARY_VALUES).map((c) => terminalSafe(jsonChangePhrase(c)))
    const more = b.changeCount - lines.length
    if (more > 0) lines.push(`body: ${more} more JSON value${more === 1 ? ' differs' : 's differ'}`)
    return lines
  }
  if (b.kind === 'text') {
    const lines: string[] = []
    b.lines.hunks.forEach((h, i) => {
      lines.push(`body line ${h.recordedLine}${i === 0 ? sizes : ''}:`)
      for (const l of h.lines) lines.push(`${l.change === 'removed' ? '-' : l.change === 'added' ? '+' : ' '} ${terminalSafe(l.text)}`)
    })
    if (lines.length > MAX_SUMMARY_LINES || b.lines.cut) lines.splice(MAX_SUMMARY_LINES, Infinity, '… (more lines differ)')
    return lines
  }
  if (b.kind === 'binary') {
    return [
      `body bytes differ from byte ${b.firstDifference}${sizes}; recorded:`,
      ...hexDump(b.recorded, b.at).map((l) => '  ' + l),
      'replayed:',
      ...hexDump(b.replayed, b.at).map((l) => '  ' + l)
    ]
  }
  return [`body bytes differ${sizes}: ${b.reason}`]
}

/** A result for --json: every byte array as hex. */
export function resultForJson(r: HttpReplayResult): object {
  const response = (m: HttpReplayResponse | undefined): object | undefined => {
    if (m === undefined) return undefined
    const { body, content, ...rest } = m
    const out: Record<string, unknown> = { ...rest, bodyHex: toHex(Buffer.from(body)) }
    if (content !== undefined) {
      const { bytes, ...facts } = content
      out.content = bytes === undefined ? facts : { ...facts, bytesHex: toHex(Buffer.from(bytes)) }
    }
    return out
  }
  const out: Record<string, unknown> = { ...r, response: response(r.response), recorded: response(r.recorded) }
  if (r.comparison?.body.kind === 'binary') {
    const { recorded, replayed, ...rest } = r.comparison.body
    out.comparison = { ...r.comparison, body: { ...rest, recordedHex: toHex(Buffer.from(recorded)), replayedHex: toHex(Buffer.from(replayed)) } }
  }
  return out
}
