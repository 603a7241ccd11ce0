// Feed ops for the decoding tests, written as objects and read back as objects
// (src/core/decode/feed-ops.ts keeps them in columns).
import type { Direction } from '../../../src/shared/capture-types'
import { FeedOps } from '../../../src/core/decode/feed-ops'

export interface Op {
  dir: Direction
  at: number
  len: number
  offset: number
  time: number
  answered?: boolean
  renumber?: boolean
}

export function opsOf(list: readonly Op[]): FeedOps {
  const ops = new FeedOps()
  for (const o of list) ops.push(o.dir, o.at, o.len, o.offset, o.time, o.answered ?? false, o.renumber ?? false)
  return ops
}

/** Every op's fields, answered and renumber always given. */
export function opsList(ops: FeedOps | undefined): Required<Op>[] | undefined {
  if (ops === undefined) return undefined
  return Array.from({ length: ops.length }, (_, k) => ({ dir: ops.dir(k), at: ops.at(k), len: ops.len(k), offset: ops.offset(k), time: ops.time(k), answered: ops.answered(k), renumber: ops.renumber(k) }))
}
