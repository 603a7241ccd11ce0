// A held HTTP/2 message as a person reads and edits it: its header fields one a line as
// `name: value`, pseudo-headers first as they came, a blank line, then the body (the DATA
// payloads joined, padding removed). held.read gives this; an edit comes back in it. It is
// the Replay tab's HTTP/2 text form (shared/h2-request-edit.ts), so the structured editor
// opens a held request; a response is the same with `:status`.

import { MAX_HELD_MESSAGE } from '../../../shared/break-types'
import { h2RequestText } from '../../../shared/h2-request-edit'

export interface H2Field {
  name: string
  value: string
}

/** Header lines: a name of printable characters (a pseudo-header starts with `:`), then `: ` and the value. */
const LINE = /^(:?[^:\s][^:]*?):[ \t]?(.*)$/

export function h2Text(fields: readonly H2Field[], body: Uint8Array): Buffer {
  const text = h2RequestText(fields, body)
  return Buffer.from(text.buffer, text.byteOffset, text.length)
}

/** Where the blank line after the header lines ends, or -1. */
function headEnd(bytes: Buffer): { head: number; body: number } | undefined {
  const crlf = bytes.indexOf('\r\n\r\n')
  const lf = bytes.indexOf('\n\n')
  if (crlf < 0 && lf < 0) return undefined
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { head: crlf, body: crlf + 4 }
  return { head: lf, body: lf + 2 }
}

/**
 * An edited text form back into fields and body; one line for what is not one. Names are sent
 * in lowercase, as HTTP/2 requires; text is read byte for byte (Latin-1), so what the
 * person's editor wrote (UTF-8 most likely) is sent as those bytes.
 */
export function parseH2Text(bytes: Buffer): { fields: H2Field[]; body: Buffer } | { error: string } {
  const end = headEnd(bytes)
  if (end === undefined) return { error: 'the edit has no blank line after its header lines: write the headers, an empty line, then the body' }
  const fields: H2Field[] = []
  let regular = false
  for (const raw of bytes.subarray(0, end.head).toString('latin1').split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line === '') continue
    const m = LINE.exec(line)
    if (m === null) return { error: `"${line.slice(0, 80)}" is not a header line (name: value)` }
    const name = m[1].trim().toLowerCase()
    if (name.startsWith(':') && regular) return { error: `the pseudo-header ${name} comes after a regular header; HTTP/2 wants pseudo-headers first` }
    if (!name.startsWith(':')) regular = true
    fields.push({ name, value: m[2] })
  }
  if (fields.length === 0) return { error: 'the edit has no header lines' }
  const body = bytes.subarray(end.body)
  if (body.length > MAX_HELD_MESSAGE) return { error: `the edited body is over ${MAX_HELD_MESSAGE} bytes` }
  return { fields, body }
}

/**
 * The text form with every content-length set to its body's length, as HTTP/1's edit fits
 * Content-Length; none is added when there was none, since an HTTP/2 body ends with its
 * stream, not with a length. Bytes that are not a text form are left as they are.
 */
export function fitH2ContentLength(bytes: Buffer): Buffer {
  const end = headEnd(bytes)
  if (end === undefined) return bytes
  const length = bytes.length - end.body
  const head = bytes.subarray(0, end.head).toString('latin1')
  const fitted = head.replace(/^(content-length)[ \t]*:[ \t]*[^\r\n]*/gim, `$1: ${length}`)
  return fitted === head ? bytes : Buffer.concat([Buffer.from(fitted, 'latin1'), bytes.subarray(end.head)])
}
