// One message of a raw connection as a JSON line, the one shape `tcpscope show --json` prints
// and `export --format jsonl --messages` writes: `{"type":"message", ...}` with its number
// (from 1, as `show` numbers messages), direction, time, size, stream offset, summary, what
// it names and answers, its payload (text where printable, else hex, up to a limit) and its
// decoded fields.

import { formatBytes } from './human-readable'
import type { MessageField, StreamMessage } from './message-types'

const utf8 = new TextDecoder('utf-8', { fatal: true })

interface FieldJson {
  name: string
  value: string
  offset?: number
  length?: number
  children?: FieldJson[]
}

const fieldJson = (f: MessageField): FieldJson => ({
  name: f.name,
  value: f.value,
  ...(f.offset !== undefined ? { offset: f.offset, length: f.length } : {}),
  ...(f.children ? { children: f.children.map(fieldJson) } : {})
})

function printable(bytes: Uint8Array): boolean {
  for (const b of bytes) if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b === 0x7f) return false
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/**
 * The JSON object of message `m` of connection `conn`, cut by `framing`; `bytes` are its
 * first bytes (all of them, or as many as `limitName` allowed: the payload then says so).
 */
export function messageJson(conn: number, framing: string, m: StreamMessage, bytes: Uint8Array, limitName = '--body-limit'): Record<string, unknown> {
  const size = m.range.length
  const payload: Record<string, unknown> = printable(bytes) ? { text: utf8.decode(bytes) } : { hex: hex(bytes) }
  if (bytes.length < size) Object.assign(payload, { truncated: true, note: `the first ${formatBytes(bytes.length)} of ${formatBytes(size)} (${limitName})` })
  const line: Record<string, unknown> = {
    type: 'message',
    conn,
    protocol: framing,
    message: m.index + 1,
    dir: m.dir,
    time: m.time,
    size,
    offset: m.range.offset,
    summary: m.summary
  }
  if (m.command !== undefined) line.command = m.command
  if (m.pair !== undefined) line.pair = m.pair + 1
  if (m.incomplete) line.incomplete = true
  if (m.error !== undefined) line.error = m.error
  line.payload = payload
  line.fields = (m.fields ?? []).map(fieldJson)
  if (m.fieldsCut) line.fieldsCut = true
  return line
}
