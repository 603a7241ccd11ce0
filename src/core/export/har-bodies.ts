// A message body or WebSocket payload streamed into a HAR's JSON string: as text in its
// charset when its type and bytes say text, as base64 otherwise. Bodies go through the body
// pipeline (core/http/body), so at most the body limit of each goes in (a decompression
// bomb is cut, and its entry says why), and at most WINDOW of one body is held: a body
// larger than that is decoded once to learn its form and facts, and once more as it is written.

import { ERROR_CODES } from '../../shared/errors'
import { bodyType, isTextKind } from '../../shared/body-type'
import type { HttpMessage } from '../../shared/protocol-types'
import { isUtf8, readableCharset, textStream, Utf8Check } from '../http/body/body-text'
import { streamBody, type BodyFacts, type HeaderList } from '../http/body/decode-body'
import type { BatchedSink } from './export-sink'

/** The most of one body held while it is written; past it the body is decoded again instead. */
export const WINDOW = 16 * 1024 * 1024

/** How a body goes into the HAR: as text (in this charset) or as base64. */
export type BodyForm = { text: true; charset: string } | { text: false }

/** A body's content from its start, as sent (chunk framing removed, content coding left on). */
export type ContentSource = () => AsyncIterable<Uint8Array>

/** One body to write: what the pipeline found, how it goes in, and its content. */
export interface BodySlot {
  facts: BodyFacts
  form: BodyForm
  /** All of the (bounded) content, when it is no more than WINDOW. */
  held?: Uint8Array[]
  /** The content once more, through the pipeline, to write it. */
  again: (take: (piece: Uint8Array) => Promise<void>) => Promise<unknown>
  /** Why the content coding was not undone: the content is here as sent, in base64. */
  undecoded?: string
}

const jsonInner = (s: string): string => JSON.stringify(s).slice(1, -1)

/** Writes content into the open JSON string, a piece at a time, in its form. */
class ContentWriter {
  private readonly text
  private carry: Buffer = Buffer.alloc(0)

  constructor(
    private readonly sink: BatchedSink,
    form: BodyForm
  ) {
    this.text = form.text ? textStream(form.charset) : undefined
  }

  async write(piece: Uint8Array): Promise<void> {
    if (this.text) return this.sink.text(jsonInner(this.text.write(piece)))
    const all = this.carry.length > 0 ? Buffer.concat([this.carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
    // Base64 in groups of three bytes, so pieces join into one valid string.
    const whole = all.length - (all.length % 3)
    this.carry = Buffer.from(all.subarray(whole))
    await this.sink.text(all.subarray(0, whole).toString('base64'))
  }

  async end(): Promise<void> {
    await this.sink.text(this.text ? jsonInner(this.text.end()) : this.carry.toString('base64'))
  }
}

/** Streams pieces into the open JSON string in `form`. */
export async function writeContent(sink: BatchedSink, form: BodyForm, pieces: AsyncIterable<Uint8Array>): Promise<void> {
  const w = new ContentWriter(sink, form)
  for await (const p of pieces) await w.write(p)
  await w.end()
}

/** Streams the slot's content into the open JSON string. */
export async function writeBody(sink: BatchedSink, slot: BodySlot): Promise<void> {
  const w = new ContentWriter(sink, slot.form)
  if (slot.held) for (const p of slot.held) await w.write(p)
  else await slot.again((p) => w.write(p))
  await w.end()
}

/** Text when its type says text (or it has none) and its bytes are text in its charset. */
function formRule(mime: string | undefined): { form?: BodyForm; check?: Utf8Check } {
  const type = bodyType(mime ?? '')
  const labelled = type.media !== '' && isTextKind(type.kind)
  const unknown = type.media === '' || type.media === 'application/octet-stream'
  if (!labelled && !unknown) return { form: { text: false } }
  const named = mime !== undefined && /;\s*charset\s*=/i.test(mime)
  if (labelled && named && !isUtf8(type.charset) && readableCharset(type.charset)) return { form: { text: true, charset: type.charset } }
  return { check: new Utf8Check(!labelled) }
}

/**
 * Reads a body through the pipeline once, bounded by `limit`: its facts (codings, size, a
 * cut), its form, and its content when small enough to hold. Where the content cannot be
 * read decoded at all (not a problem the pipeline reports, which keeps what came before),
 * the content as sent, in base64.
 */
export async function bodySlot(content: ContentSource, headers: HeaderList, mime: string | undefined, limit: number, sentSize: number): Promise<BodySlot> {
  const opts = { limit, sentSize }
  const rule = formRule(mime)
  let held: Uint8Array[] | undefined = []
  let heldBytes = 0
  const first = (piece: Uint8Array): void => {
    rule.check?.write(piece)
    if (held === undefined) return
    heldBytes += piece.length
    if (heldBytes <= WINDOW) held.push(piece)
    else held = undefined
  }
  try {
    const facts = await streamBody(content(), headers, first, opts)
    const form: BodyForm = rule.form ?? (rule.check!.end(facts.end) ? { text: true, charset: 'utf8' } : { text: false })
    return { facts, form, held, again: (take) => streamBody(content(), headers, take, opts) }
  } catch (err) {
    if ((err as { code?: string }).code === ERROR_CODES.ECANCELED) throw err
    // As sent: no coding to undo, so only the limit applies.
    const raw: HeaderList = headers.filter((h) => h.name.toLowerCase() !== 'content-encoding')
    const again = (take: (piece: Uint8Array) => Promise<void>): Promise<BodyFacts> => streamBody(content(), raw, take, opts)
    const facts = await again(async () => {})
    return { facts, form: { text: false }, again, undecoded: (err as Error).message }
  }
}

/**
 * The body's decoded size as far as it is known: all of it; for a body sent with no coding
 * and cut, its size as sent; for a coded one cut short, what decoding saw before it stopped
 * (a lower bound: the rest was never inflated).
 */
export function knownSize(facts: BodyFacts): number {
  const cut = facts.cut
  if (cut === undefined) return facts.given
  return cut.codings.length === 0 && cut.sentSize !== undefined ? cut.sentSize : cut.decoded
}

/** What a reader of the HAR should know about a body: the codings undone, or why one was not. */
export function bodyComment(b: BodySlot): { comment?: string } {
  const notes: string[] = []
  if (b.facts.codings.length > 0) notes.push(`decoded from ${b.facts.codings.join(', ')}`)
  if (b.facts.problem) notes.push(`${b.facts.problem.message} (at content byte ${b.facts.problem.offset}); what came before it is here`)
  if (b.undecoded !== undefined) notes.push(`its content coding was not undone (${b.undecoded}); this is the content as sent`)
  if (b.facts.note !== undefined) notes.push(`cut short: ${b.facts.note}`)
  return notes.length > 0 ? { comment: notes.join('; ') } : {}
}

export const hasBody = (msg: HttpMessage | undefined): msg is HttpMessage => msg !== undefined && msg.body.framing !== 'none' && msg.body.size > 0
