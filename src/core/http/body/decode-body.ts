// The one way core turns a message's body bytes into what a person reads, for every view,
// export, comparison and front end: de-chunk (when given the body as framed), undo the
// content codings within the body bounds (content-coding.ts), then read it in its charset
// (body-text.ts) as its type says (shared/body-type.ts). Streamed (streamBody) for the
// HTTP view's pieces and for exports, whole (decodeBody) for bodies already in memory
// (replay's comparison, the CLI). A body cut short says so as data (BodyCut) and in the one
// sentence every front end shows (bodyCutNote).

import { bodyCutNote, type BodyCut } from '../../../shared/body-cut'
import { bodyType, contentTypeOf, isTextKind, prettyApplies, type BodyType } from '../../../shared/body-type'
import { readsAsText, textOf } from './body-text'
import { bodyBounds, normalCodings, undoCodings, type BodyBounds, type Take } from './content-coding'
import { dechunk, isChunked } from './dechunk'

export type HeaderList = readonly { name: string; value: string }[]

export interface BodyOptions {
  /** Decoded bytes given at most (default DEFAULT_BODY_LIMIT); the ratio stop applies too. */
  limit?: number
  /** All the bounds (a test's smaller ratio floor); `limit` is ignored with them. */
  bounds?: BodyBounds
  /**
   * `content` (the default): the bytes are the body's content, chunk framing removed.
   * `framed`: they are the body as sent, chunk framing included when the headers say chunked.
   */
  framing?: 'content' | 'framed'
  /** The content's size as sent (chunk framing removed), when known: what a cut says. */
  sentSize?: number
  signal?: AbortSignal
}

/** What decoding found, as every front end shows it. */
export interface BodyFacts {
  /** The content codings undone, in Content-Encoding order (outermost last). */
  codings: string[]
  /** Decoded bytes given (at most the limit). */
  given: number
  /** Decoding reached the body's end: `given` is its decoded size. */
  end: boolean
  /** A coding that could not be undone: what decoded before `offset` is the content's start. */
  problem?: { message: string; offset: number }
  /** The bounds cut the body at `cut.kept`. */
  cut?: BodyCut
  /** The cut's sentence. */
  note?: string
  type: BodyType
  /** The pretty JSON or XML view applies: the body is whole, JSON or XML, and at most PRETTY_MAX. */
  pretty: boolean
}

/** The content codings of a message, as listed (outermost last); identity left out. */
export function contentCodings(headers: HeaderList): string[] {
  const out: string[] = []
  for (const h of headers) if (h.name.toLowerCase() === 'content-encoding') out.push(...normalCodings(h.value.split(',')))
  return out
}

const boundsOf = (opts: BodyOptions): BodyBounds => opts.bounds ?? bodyBounds(opts.limit)

/** How many first bytes the type is told from when Content-Type does not say, or says text. */
const SNIFF = 512

/**
 * How content reads: as its Content-Type says (told from its first bytes when it says
 * nothing), except that content whose first bytes are not text in its charset reads as
 * binary, whatever the label: every view and front end shows it as bytes, never as
 * characters a terminal might obey.
 */
export function contentType(headers: HeaderList, first: Uint8Array): BodyType {
  const type = bodyType(contentTypeOf(headers), first)
  if (!isTextKind(type.kind) || readsAsText(first.subarray(0, SNIFF), type.charset)) return type
  return { ...type, kind: 'binary' }
}

/**
 * Decodes a body streamed from `source`, giving the decoded content to `take` a piece at a
 * time until it has enough (returns false), the body ends, or the bounds cut it; nothing is
 * held but the pieces in flight. Throws only when the source or the taker fails, or on abort.
 */
export async function streamBody(source: AsyncIterable<Uint8Array>, headers: HeaderList, take: Take, opts: BodyOptions = {}): Promise<BodyFacts> {
  const content = opts.framing === 'framed' && isChunked(headers) ? dechunk(source) : source
  const first: Uint8Array[] = []
  let sniffed = 0
  const taking: Take = (piece) => {
    if (sniffed < SNIFF) {
      first.push(piece.subarray(0, SNIFF - sniffed))
      sniffed += first[first.length - 1].length
    }
    return take(piece)
  }
  const r = await undoCodings(contentCodings(headers), content, taking, { bounds: boundsOf(opts), ...pick(opts) })
  const type = contentType(headers, Buffer.concat(first))
  const facts: BodyFacts = { codings: r.codings, given: r.given, end: r.end, type, pretty: prettyApplies(type.kind, r.end && !r.problem ? r.given : undefined) }
  if (r.problem) facts.problem = r.problem
  if (r.cut) {
    facts.cut = r.cut
    facts.note = bodyCutNote(r.cut)
  }
  return facts
}

const pick = (opts: BodyOptions): { sentSize?: number; signal?: AbortSignal } => ({
  ...(opts.sentSize !== undefined ? { sentSize: opts.sentSize } : {}),
  ...(opts.signal ? { signal: opts.signal } : {})
})

export interface DecodedBody {
  /** The decoded content: all of it, or its first `facts.given` bytes when cut or broken. */
  content: Uint8Array
  /** The content as characters in its charset, for a textual kind (JSON, XML, HTML, text, form). */
  text?: string
  facts: BodyFacts
  /** What a person should read about the body being cut (facts.note). */
  note?: string
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

/**
 * A body held in memory (`body`: its content, or with `framing: 'framed'` the body as sent)
 * decoded for a person: content codings undone within the bounds, text in its charset.
 * Never throws for what the body holds: a bad coding is `facts.problem`, a bomb `facts.cut`.
 */
export async function decodeBody(body: Uint8Array, headers: HeaderList, opts: BodyOptions = {}): Promise<DecodedBody> {
  const pieces: Uint8Array[] = []
  const sentSize = opts.sentSize ?? (opts.framing === 'framed' && isChunked(headers) ? undefined : body.length)
  const facts = await streamBody(once(body), headers, (p) => void pieces.push(p), { ...opts, ...(sentSize !== undefined ? { sentSize } : {}) })
  const joined = Buffer.concat(pieces)
  const content = new Uint8Array(joined.buffer, joined.byteOffset, joined.length)
  const out: DecodedBody = { content, facts }
  if (isTextKind(facts.type.kind)) out.text = textOf(content, facts.type.charset)
  if (facts.note !== undefined) out.note = facts.note
  return out
}
