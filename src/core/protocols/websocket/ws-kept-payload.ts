// The window of one message's payload that a replay keeps for ws.payload (unmasked, joined,
// inflated): filled as the message's frames or its inflated output come, and settled once
// it is full or its message ended; the decoder wants no more bytes after that.

import type { Direction } from '../../../shared/capture-types'
import { AppendBuffer } from './append-buffer'
import { unmaskInto, type FrameHeader } from './ws-frame'

export interface KeptPayload {
  bytes: Uint8Array
  /** The payload's whole size, once known. */
  total?: number
  /** `bytes` reaches the payload's end. */
  end: boolean
  problem?: { message: string; offset: number }
}

export interface Kept {
  from: number
  length: number
  /** The direction of its message, once that message is found. */
  dir?: Direction
  bytes: AppendBuffer
  total?: number
  end: boolean
  problem?: { message: string; offset: number }
  /** Nothing more will come into it: filled, or its message ended. */
  settled: boolean
}

export function newKept(from: number, length: number): Kept {
  return { from: Math.max(0, from), length: Math.max(0, length), bytes: new AppendBuffer(), end: false, settled: false }
}

/** What was kept so far, once its message was found. */
export function keptPiece(kept: Kept): KeptPayload | undefined {
  if (kept.dir === undefined) return undefined
  // A window filled to the payload's known end reaches it before the message completes.
  const end = kept.end || (kept.problem === undefined && kept.total !== undefined && kept.from + kept.bytes.length >= kept.total)
  const piece: KeptPayload = { bytes: kept.bytes.view().slice(), end }
  if (kept.total !== undefined) piece.total = kept.total
  if (kept.problem) piece.problem = kept.problem
  return piece
}

/** Keeps what falls in the window of `chunk`, a piece of `frame`'s payload starting at payload offset `at`. */
export function keepUnmasked(kept: Kept, chunk: Uint8Array, at: number, frame: FrameHeader): void {
  if (kept.settled) return
  const from = clamp(kept.from - at, 0, chunk.length)
  const to = clamp(kept.from + kept.length - at, 0, chunk.length)
  if (from < to) {
    unmaskInto(kept.bytes.reserve(to - from), chunk, from, frame)
    if (kept.bytes.length >= kept.length) kept.settled = true
  }
}

/** Keeps what falls in the window of a compressed message's inflated payload (`whole`: all of it, not what a broken stream gave). */
export function keepInflated(kept: Kept, output: Uint8Array, whole: boolean): void {
  kept.bytes.append(output.subarray(Math.min(kept.from, output.length), Math.min(kept.from + kept.length, output.length)))
  if (whole) kept.total = output.length
}

/** Its message completed with a payload of `size` bytes, or could not be inflated (`notInflated` says why). */
export function settleKept(kept: Kept, size: number, notInflated: string | undefined): void {
  kept.settled = true
  if (notInflated !== undefined) {
    kept.problem = { message: notInflated, offset: 0 }
    kept.total = undefined
    return
  }
  kept.total = size
  kept.end = kept.from + kept.bytes.length >= kept.total
}

/** Its message will not complete. */
export function abandonKept(kept: Kept, notInflated: string | undefined): void {
  kept.settled = true
  if (notInflated !== undefined) kept.problem = { message: notInflated, offset: 0 }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n))
}
