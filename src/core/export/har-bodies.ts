// A message body or WebSocket payload streamed into a HAR's JSON string, a window at a
// time: as text in its charset when its type and bytes say text, as base64 otherwise.
// No more than one window of one body is held.

import iconv from 'iconv-lite'
import { ERROR_CODES } from '../../shared/errors'
import type { BodyPiece, HttpMessage } from '../../shared/protocol-types'
import type { BatchedSink } from './export-sink'

/** A body is read this much at a time (the most http.body gives at once). */
export const WINDOW = 16 * 1024 * 1024

export type PieceReader = (offset: number, length: number) => Promise<BodyPiece>

/** A body's content from the start, window after window. */
async function* pieces(read: PieceReader, first?: BodyPiece): AsyncGenerator<BodyPiece> {
  let p = first ?? (await read(0, WINDOW))
  for (;;) {
    yield p
    if (p.end || p.bytes.length === 0) return
    p = await read(p.offset + p.bytes.length, WINDOW)
  }
}

/** How a body goes into the HAR: as text (in this charset) or as base64. */
export type BodyForm = { text: true; charset: string } | { text: false }

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|yaml|x-yaml|csv)\b)|[+/](json|xml)\b/i
const UTF8_NAMES = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii'])

function charsetOf(mime: string): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(mime)?.[1]?.toLowerCase()
}

/** Whether every window is UTF-8 (and, for an unlabelled body, free of NULs, which only binary has). */
async function isUtf8Text(all: AsyncGenerator<BodyPiece>, labelled: boolean): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  try {
    for await (const p of all) {
      if (!labelled && p.bytes.includes(0)) return false
      decoder.decode(p.bytes, { stream: true })
    }
    decoder.decode()
    return true
  } catch {
    return false
  }
}

/**
 * Text when its type says text (or it has none) and its bytes are text in its charset; a
 * body of more than one window is read once more to tell, rather than held.
 */
async function formOf(mime: string | undefined, read: PieceReader, first: BodyPiece): Promise<BodyForm> {
  const labelled = mime !== undefined && TEXT_TYPES.test(mime)
  const unknown = mime === undefined || /^application\/octet-stream\b/i.test(mime) || mime.trim() === ''
  if (!labelled && !unknown) return { text: false }
  const charset = mime === undefined ? undefined : charsetOf(mime)
  if (labelled && charset !== undefined && !UTF8_NAMES.has(charset) && iconv.encodingExists(charset)) return { text: true, charset }
  return (await isUtf8Text(pieces(read, first), labelled)) ? { text: true, charset: 'utf8' } : { text: false }
}

/** JSON string content (no quotes) for `s`. */
const jsonInner = (s: string): string => JSON.stringify(s).slice(1, -1)

/** Streams the body into the open JSON string; returns its content size. */
export async function writeBody(sink: BatchedSink, form: BodyForm, read: PieceReader, first: BodyPiece): Promise<{ size: number; problem?: string }> {
  let size = 0
  let problem: string | undefined
  if (form.text) {
    const decoder = iconv.getDecoder(form.charset === 'utf8' ? 'utf8' : form.charset, { stripBOM: false })
    for await (const p of pieces(read, first)) {
      size += p.bytes.length
      if (p.problem) problem = `${p.problem.message} (at content byte ${p.problem.offset})`
      await sink.text(jsonInner(decoder.write(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.length))))
    }
    await sink.text(jsonInner(decoder.end() ?? ''))
    return { size, problem }
  }
  let carry = Buffer.alloc(0)
  for await (const p of pieces(read, first)) {
    size += p.bytes.length
    if (p.problem) problem = `${p.problem.message} (at content byte ${p.problem.offset})`
    const all = Buffer.concat([carry, p.bytes])
    // Base64 in groups of three bytes, so windows join into one valid string.
    const whole = all.length - (all.length % 3)
    await sink.text(all.subarray(0, whole).toString('base64'))
    carry = all.subarray(whole)
  }
  await sink.text(carry.toString('base64'))
  return { size, problem }
}

/** One body to stream: where it is read, how it goes, and what is known before. */
export interface BodySlot {
  read: PieceReader
  first: BodyPiece
  form: BodyForm
}

/**
 * The body's content, its content coding undone; where undoing it fails outright (not a
 * problem the decoder reports, which keeps what came before), the content as sent, in base64.
 */
export async function bodySlot(reader: (decode: boolean) => PieceReader, mime: string | undefined): Promise<BodySlot & { undecoded?: string }> {
  const decoded = reader(true)
  let first: BodyPiece
  try {
    first = await decoded(0, WINDOW)
  } catch (err) {
    if ((err as { code?: string }).code === ERROR_CODES.ECANCELED) throw err
    const raw = reader(false)
    return { read: raw, first: await raw(0, WINDOW), form: { text: false }, undecoded: (err as Error).message }
  }
  return { read: decoded, first, form: await formOf(mime, decoded, first) }
}

/** What a reader of the HAR should know about a body: the codings undone, or why one was not. */
export function bodyComment(b: BodySlot & { undecoded?: string }): { comment?: string } {
  const notes: string[] = []
  if (b.first.decoded.length > 0) notes.push(`decoded from ${b.first.decoded.join(', ')}`)
  if (b.first.problem) notes.push(`${b.first.problem.message} (at content byte ${b.first.problem.offset}); what came before it is here`)
  if (b.undecoded !== undefined) notes.push(`its content coding was not undone (${b.undecoded}); this is the content as sent`)
  return notes.length > 0 ? { comment: notes.join('; ') } : {}
}

export const hasBody = (msg: HttpMessage | undefined): msg is HttpMessage => msg !== undefined && msg.body.framing !== 'none' && msg.body.size > 0
