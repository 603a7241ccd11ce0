// What `tcpscope show` reads of a body or a WebSocket payload: the engine's decoded content
// (http.body with decode, ws.payload), from its start up to --body-limit, a window at a
// time, each window handed on before the next is read: at most one window (MAX_READ) of a
// body is held. What stopped it short comes back as facts: the limit, the engine's own cut
// (its limit or the ratio guard, in its sentence), a content coding that broke.

import type { BodyType } from '../../shared/body-type'
import { MAX_READ } from '../../shared/limits'
import type { BodyPiece } from '../../shared/protocol-types'

/** A window of the content from the engine. */
export type PieceSource = (offset: number, length: number) => Promise<BodyPiece>

export interface ContentFacts {
  /** How the content reads, as the engine told it with the first window (absent for a payload). */
  type?: BodyType
  /** Bytes handed on. */
  shown: number
  /** They are all of it. */
  end: boolean
  /** The decoded size, when the engine knows it. */
  total?: number
  /** --body-limit stopped the reading, and more followed. */
  limited: boolean
  /** The engine cut the content short, in its sentence (bodyCutNote). */
  note?: string
  /** A content coding that could not be undone: what decoded before it was handed on. */
  problem?: { message: string; offset: number }
  /** The content codings the engine undid. */
  decoded: string[]
}

/** One window of the engine's per read: decoded content is inflated again from its start for every window, so few and large. */
const WINDOW = MAX_READ

/** The first window readContent asks for, reading up to `limit`: [0, firstWindow(limit)). */
export const firstWindow = (limit: number): number => Math.min(WINDOW, limit)

/** Takes a window's bytes (the facts so far beside them); `false`: it has seen enough, read no more. */
export type Take = (bytes: Uint8Array, facts: ContentFacts) => Promise<boolean | void> | boolean | void

/** Reads the content up to `limit` bytes, giving each window's bytes to `take` (awaited) before the next read. */
export async function readContent(source: PieceSource, limit: number, take: Take): Promise<ContentFacts> {
  const facts: ContentFacts = { shown: 0, end: false, limited: false, decoded: [] }
  for (;;) {
    const want = facts.shown === 0 ? firstWindow(limit) : Math.min(WINDOW, limit - facts.shown)
    const piece = await source(facts.shown, want)
    if (facts.shown === 0) {
      if (piece.type !== undefined) facts.type = piece.type
      facts.decoded = piece.decoded
    }
    facts.shown += piece.bytes.length
    facts.end = piece.end
    if (piece.total !== undefined) facts.total = piece.total
    if (piece.cut !== undefined) facts.note = piece.note
    if (piece.problem !== undefined) facts.problem = piece.problem
    const more = piece.bytes.length > 0 ? await take(piece.bytes, facts) : undefined
    if (more === false || piece.end || piece.cut !== undefined || piece.problem !== undefined || piece.bytes.length === 0) return facts
    if (facts.shown >= limit) {
      facts.limited = true
      return facts
    }
  }
}

/** Reads the content up to `limit` bytes and holds it (JSON lines carry a body whole, up to the limit). */
export async function heldContent(source: PieceSource, limit: number): Promise<{ bytes: Uint8Array; facts: ContentFacts }> {
  const pieces: Uint8Array[] = []
  const facts = await readContent(source, limit, (b) => void pieces.push(b))
  return { bytes: pieces.length === 1 ? pieces[0] : Buffer.concat(pieces), facts }
}
