// The order of one sender's HTTP/2 header blocks as the receiver gets them. HPACK makes each
// block depend on every one before it (RFC 7541: its dynamic table entries, and indices that
// count from the newest), so a held block that others pass changes what they mean:
//
// - in order (nothing held before it was sent, nothing sent after it): a block goes as it
//   came, and an edit is written by header-block-rewrite.ts so the receiver's table ends as
//   the original would have left it; the stage's own decoding (of the sender's blocks, in
//   order) then follows the receiver's table too;
// - a block that passes a held block which changes the table (inserts, or a size update),
//   or a held block sent after others passed it, cannot be copied: it is written again as
//   literals that neither use nor touch the dynamic table. If what the receiver's table holds
//   then differs from the sender's (an insertion it never got), every later block of this
//   sender is written that way too ("translating"): correct, but not as it came, and larger.
//
// A dropped block that changed the table still gives the receiver its insertions when it is
// in order (a block the receiver refuses as malformed: dropFrames); else translating.

import type { HpackResult } from '../../protocols/http2/hpack/hpack-decoder'
import { rewriteHeaderBlock } from '../../protocols/http2/hpack/header-block-rewrite'
import { concatBytes } from '../../protocols/http2/hpack/hpack-encoder'
import type { Direction } from '../../../shared/direction'
import { T_HEADERS } from '../../protocols/http2/frame-reader'
import { CANCEL, headerFrames, literalBlock, rstStream } from './h2-frames'

export interface Block {
  /** Its place among the sender's blocks. */
  seq: number
  /** HEADERS or PUSH_PROMISE. */
  type: number
  stream: number
  endStream: boolean
  /** The frames it came in (HEADERS or PUSH_PROMISE, CONTINUATIONs), as they came. */
  frames: Buffer[]
  size: number
  /** Stream offset of its first frame. */
  offset: number
  fragment: Uint8Array
  decoded: HpackResult
  /** It inserts into the dynamic table or resizes it. */
  changes: boolean
  /** HEADERS' priority bytes, or PUSH_PROMISE's promised stream. */
  prefix?: Uint8Array
  promised?: number
}

export interface Field {
  name: string
  value: string
}

/** The regular field a dropped request's block starts with: the server refuses the block as malformed (RFC 9113 section 8.3) and never hands it on. */
export const DROP_MARK: Field = { name: 'tcpscope-dropped', value: '1' }

/**
 * What an edit's block made the receiver get. `kept`: fields of the original the edit removed
 * or changed that go anyway (they add to the receiver's table); `fields`, when any were kept,
 * what the receiver decodes from it (the edit with those where they went).
 */
export interface EditSent {
  kept: string[]
  fields?: readonly Field[]
}

/** What goes for a block: as it came, lost, or a new block. */
export type BlockOut = 'original' | 'lost' | ({ block: Uint8Array } & EditSent)

export class BlockSequence {
  private seq = 0
  /** The latest block the receiver was sent. */
  private sentMax = 0
  /** Held blocks, not sent yet, that change the table. */
  private readonly unsent = new Set<Block>()
  /** The receiver's table is no longer the sender's: every block goes as literals. */
  translating = false

  block(type: number, stream: number, endStream: boolean, frames: Buffer[], fragment: Uint8Array, decoded: HpackResult, offset: number, prefix?: Uint8Array, promised?: number): Block {
    const first = decoded.fields[0]?.offset ?? fragment.length
    const changes = first > 0 || decoded.fields.some((f) => f.rep === 'incremental') || decoded.cut !== undefined
    return { seq: ++this.seq, type, stream, endStream, frames, size: frames.reduce((n, f) => n + f.length, 0), offset, fragment, decoded, changes, prefix, promised }
  }

  /** A block is held: until it is sent, blocks after it that pass it are written as literals. */
  holding(b: Block): void {
    if (b.changes) this.unsent.add(b)
  }

  /**
   * What to send for `b` (its own fields, or an edit's): as it came, rewritten, or as literals;
   * 'lost' when its fields are not all known. `exact`: the receiver must get the edited fields
   * and no others (a traffic rule's), so an edit that would keep fields the original added to
   * the table is written as literals instead.
   */
  send(b: Block, edited?: readonly Field[], exact = false): BlockOut {
    const { late, overtakes } = this.place(b)
    this.sentMax = Math.max(this.sentMax, b.seq)
    if (!this.translating && !late && !overtakes) {
      if (edited === undefined) return 'original'
      const r = rewriteHeaderBlock(b.fragment, b.decoded, edited)
      if (r.ok && !(exact && r.kept.length > 0)) return { block: r.block, kept: r.kept.map((f) => `${f.name}: ${f.value}`), ...(r.kept.length > 0 ? { fields: r.fields } : {}) }
    }
    if (edited === undefined && b.decoded.cut !== undefined) return 'lost'
    if (overtakes || b.changes) this.translating = true
    return { block: this.literal(b, edited ?? b.decoded.fields), kept: [] }
  }

  /** `b` is dropped: the block that gives the receiver its insertions (in order), or undefined when none is needed or can be. */
  dropped(b: Block): Uint8Array | undefined {
    const { late, overtakes } = this.place(b)
    if (this.translating || !b.changes) return undefined
    if (late || overtakes) {
      this.translating = true
      return undefined
    }
    this.sentMax = Math.max(this.sentMax, b.seq)
    const r = rewriteHeaderBlock(b.fragment, b.decoded, [DROP_MARK])
    if (r.ok) return r.block
    this.translating = true
    return undefined
  }

  /**
   * The frames a drop of `stream` (its header blocks `blocks`, the head first) sends its
   * receiver: the blocks that keep the receiver's table in step, and the stream's reset.
   */
  dropFrames(dir: Direction, stream: number, blocks: Block[], maxFrame: number): Buffer[] {
    const syncs = blocks.map((b) => this.dropped(b))
    const headers = (block: Uint8Array): Buffer[] => headerFrames(T_HEADERS, stream, block, false, maxFrame)
    const out: Buffer[] = []
    if (dir === 'client') {
      // The server must see the stream open before it can be reset: a block it refuses as malformed
      // (a regular field first), carrying the insertions the original made to its table.
      out.push(...headers(syncs[0] ?? literalBlock([DROP_MARK])))
      for (const s of syncs.slice(1)) if (s) out.push(...headers(s))
      out.push(rstStream(stream, CANCEL))
    } else {
      out.push(rstStream(stream, CANCEL))
      // The client's table still needs what the response's blocks inserted: it decodes a block on a closed stream and ignores it.
      for (const s of syncs) if (s) out.push(...headers(s))
    }
    return out
  }

  /** A block of a dropped stream that is never sent: its insertions never reach the receiver. */
  swallowed(b: Block): void {
    this.place(b)
    if (b.changes) this.translating = true
  }

  private place(b: Block): { late: boolean; overtakes: boolean } {
    this.unsent.delete(b)
    let overtakes = false
    for (const u of this.unsent) if (u.seq < b.seq) overtakes = true
    return { late: this.sentMax > b.seq, overtakes }
  }

  /** Fields as literals, after the original's size updates (which a receiver must see first after a SETTINGS change). */
  private literal(b: Block, fields: readonly Field[]): Uint8Array {
    const first = b.decoded.fields[0]?.offset ?? b.fragment.length
    return first > 0 ? concatBytes([b.fragment.subarray(0, first), literalBlock(fields)]) : literalBlock(fields)
  }
}
