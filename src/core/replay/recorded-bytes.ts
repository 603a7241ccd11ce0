// A recorded range of a connection's stream, read back in pieces: a turn or a body of a
// GiB is never held whole, whether it is sent again or hashed to compare with an answer.

import { createHash } from 'node:crypto'
import type { Direction } from '../../shared/capture-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { StreamRange } from './replay-plan'

/** The most read from the capture at once. */
export const PIECE = 1024 * 1024

/** The pieces of `range` of one direction, in order. */
export async function* recordedPieces(view: CaptureView, connId: number, dir: Direction, range: StreamRange): AsyncGenerator<Buffer> {
  for (let off = 0; off < range.length; off += PIECE) yield await view.readBytes(connId, dir, range.offset + off, Math.min(PIECE, range.length - off))
}

/** The SHA-256 of a recorded range, read in pieces. */
export async function rangeHash(view: CaptureView, connId: number, dir: Direction, range: StreamRange): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of recordedPieces(view, connId, dir, range)) hash.update(piece)
  return hash.digest('hex')
}

/** Recorded ranges' hashes by a key (a turn, a message), each read once for all who ask. */
export class RangeHashes {
  private readonly hashes = new Map<number, Promise<string>>()

  constructor(
    private readonly view: CaptureView,
    private readonly connId: number,
    private readonly dir: Direction
  ) {}

  of(key: number, range: StreamRange): Promise<string> {
    let h = this.hashes.get(key)
    if (!h) {
      h = rangeHash(this.view, this.connId, this.dir, range)
      this.hashes.set(key, h)
    }
    return h
  }
}
