// Ranges of a connection's byte stream as the views compare them: whether a range is the one
// a view set itself (its own echo, not to be revealed again), and whether a chunk or a turn
// holds the start of the range every view shows.

import type { Direction } from '../../../../shared/capture-types'
import type { StreamRange } from './selection-store'

export const sameRange = (a?: StreamRange, b?: StreamRange): boolean => !!a && !!b && a.dir === b.dir && a.offset === b.offset && a.length === b.length

/** A piece of a stream as the pictures list it: data has a direction, an offset and a length. */
export interface StreamPiece {
  kind: string
  dir?: Direction
  offset?: number
  length?: number
}

/** Whether `piece` is data of the range's direction that holds the range's first byte. */
export function holdsRange(r: StreamRange | undefined, piece: StreamPiece): boolean {
  if (!r || piece.kind !== 'data' || piece.dir !== r.dir) return false
  const from = piece.offset ?? 0
  return r.offset >= from && r.offset < from + (piece.length ?? 0)
}
