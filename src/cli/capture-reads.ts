// The CLI's reads of the live capture, in one place: the engine's read commands are
// where its contract is expected to change.

import { LIVE_CAPTURE } from '../shared/capture-types'
import type { Engine } from '../core/engine'
import type { Direction } from '../shared/capture-types'

export interface ByteRange {
  connId: number
  dir: Direction
  offset: number
  length: number
}

/** The bytes of a range a `conn-data` event announced (fewer if recording stopped early). */
export async function readRange(engine: Engine, range: ByteRange): Promise<Buffer> {
  return Buffer.from(await engine['conn.read']({ capture: LIVE_CAPTURE, connId: range.connId, dir: range.dir, offset: range.offset, length: range.length }))
}
