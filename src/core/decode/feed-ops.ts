// A batch's feed ops in columns: OP_FIELDS numbers an op in one array (a plain one where
// they are made, a Float64Array where a worker reads them), so a batch's ops cross to a
// decode worker as one copy of numbers (feed-requests.ts) and no object is made per op on
// either side (100,000 keep-alive exchanges read from a file are some 200,000 ops, each an
// object made by the reader and another by the worker before).

import type { Direction } from '../../shared/capture-types'

/** Numbers an op: its direction (0 client, 1 server), at, len, offset, time, kind. */
export const OP_FIELDS = 6
const O_DIR = 0
const O_AT = 1
const O_LEN = 2
const O_OFFSET = 3
const O_TIME = 4
const O_KIND = 5
// Kinds: bytes pushed (or, by len, an end or a gap), an answered request, a renumbering.
const ANSWERED = 1
const RENUMBER = 2

/**
 * Pushes of `len` bytes at `at` in the batch's buffer, or (END_OP, GAP_OP in decoder-set.ts)
 * the end of `dir`. An `answered` op's bytes are the AnsweredBy (JSON) of the client's request
 * at `offset`: a traffic rule or the script answered it, and the target never got it. A
 * `renumber` op's (HTTP/2) are a Renumbering (JSON): the target got the client's streams under
 * ids of its own. `offset` is otherwise the stream offset of the first byte pushed.
 */
export class FeedOps {
  /**
   * A plain array where the ops are made: small batches are most (100,000 one-exchange
   * connections are 100,000 of them), and a typed array of its own for each cost more to
   * make than all its ops did as objects. Read in place from a message's Float64Array.
   */
  private readonly cells: number[] | Float64Array

  constructor(cells: number[] | Float64Array = []) {
    this.cells = cells
  }

  /** The ops whose numbers are `cells` (as they crossed, OP_FIELDS an op), read in place. */
  static over(cells: Float64Array): FeedOps {
    return new FeedOps(cells)
  }

  /** How many ops. */
  get length(): number {
    return Math.floor(this.cells.length / OP_FIELDS)
  }

  push(dir: Direction, at: number, len: number, offset: number, time: number, answered = false, renumber = false): void {
    if (!Array.isArray(this.cells)) throw new Error('feed ops read from a message take no more')
    this.cells.push(dir === 'client' ? 0 : 1, at, len, offset, time, renumber ? RENUMBER : answered ? ANSWERED : 0)
  }

  dir(k: number): Direction {
    return this.cells[k * OP_FIELDS + O_DIR] === 0 ? 'client' : 'server'
  }

  at(k: number): number {
    return this.cells[k * OP_FIELDS + O_AT]
  }

  len(k: number): number {
    return this.cells[k * OP_FIELDS + O_LEN]
  }

  offset(k: number): number {
    return this.cells[k * OP_FIELDS + O_OFFSET]
  }

  time(k: number): number {
    return this.cells[k * OP_FIELDS + O_TIME]
  }

  answered(k: number): boolean {
    return this.cells[k * OP_FIELDS + O_KIND] === ANSWERED
  }

  renumber(k: number): boolean {
    return this.cells[k * OP_FIELDS + O_KIND] === RENUMBER
  }

  /** The ops' numbers, as they cross (TypedArray.set copies them from either kind). */
  numbers(): ArrayLike<number> {
    return this.cells
  }
}
