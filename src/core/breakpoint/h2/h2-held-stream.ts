// A message (an HTTP/2 request or response) one direction holds (h2-side.ts): its head
// block, the frames and blocks of its stream that came after it, and what waits behind it
// once it is whole; and the head a block opens a message with, which a rule is matched on.

import type { Direction } from '../../../shared/direction'
import { T_HEADERS } from '../../protocols/http2/frame-reader'
import type { MessageHead } from '../break-match'
import type { BreakEntry } from '../break-registry'
import type { HeldItem } from '../held-queue'
import type { Block } from './h2-blocks'
import type { FramePart } from './h2-frame-feed'

/** A frame as it came, or a whole header block. */
export type Part = FramePart | { block: Block }

export interface HeldStream {
  stream: number
  head: Block
  parts: Part[]
  /** Bytes of its frames. */
  size: number
  /** END_STREAM came (or a 1xx head, which is whole by itself). */
  complete: boolean
  entry: BreakEntry
  summary: string
  /** Flow-controlled bytes of its DATA, as the sender counted them against its window. */
  flowLength: number
  item?: HeldItem
  /** Frames of its stream after the message, waiting behind it. */
  waiting: Part[]
}

/** Bytes of a part as it came. */
export const partSize = (p: Part): number => ('block' in p ? p.block.size : p.frame.length)

/** The head a header block opens a message with: a request's method, path and host, a response's status; undefined for a trailer or a push promise. */
export function headOf(dir: Direction, b: Block): MessageHead | undefined {
  if (b.type !== T_HEADERS) return undefined
  const get = (name: string): string | undefined => b.decoded.fields.find((f) => f.name === name)?.value
  if (dir === 'client') {
    const method = get(':method')
    return method === undefined ? undefined : { method, target: get(':path'), host: get(':authority') ?? get('host') }
  }
  const status = Number(get(':status'))
  return Number.isInteger(status) ? { status } : undefined
}
