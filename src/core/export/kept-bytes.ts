// One direction's bytes as an export reads them: the pieces the capture kept, and the gaps
// between them (bytes forwarded but not kept, `--when-disk-is-slow drop`) as gaps, never
// filled. Every export that walks a stream reads it through here.

import type { Direction } from '../../shared/capture-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { NotKeptError } from '../capture/read/capture-reader'

export type KeptPiece = { offset: number; bytes: Buffer } | { offset: number; gap: number }

/** Bytes [from, to) of `dir`, in pieces of at most `step`: kept bytes as they are, a gap as its size. */
export async function* keptPieces(view: CaptureView, connId: number, dir: Direction, from: number, to: number, step: number): AsyncGenerator<KeptPiece> {
  for (let offset = from; offset < to; ) {
    let bytes: Buffer
    try {
      bytes = await view.readBytes(connId, dir, offset, Math.min(step, to - offset))
    } catch (err) {
      if (!(err instanceof NotKeptError)) throw err
      const gap = Math.min(err.to, to) - offset
      yield { offset, gap }
      offset += gap
      continue
    }
    if (bytes.length === 0) return
    yield { offset, bytes }
    offset += bytes.length
  }
}
