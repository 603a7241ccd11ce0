// What the engine and a framing script's thread say to each other (framing-thread.ts,
// framing-worker.ts): a load, then calls of frame() or describe(), each answered by its id
// on a port of their own; every answer also counts up a shared number the engine waits on.

import type { MessagePort } from 'node:worker_threads'
import type { Direction } from '../../shared/capture-types'

/**
 * The shared Int32s: [EVENTS] counts answers and calls begun (what a wait wakes on), [BEGUN]
 * the id of the last call begun, [RETURNED] the id of the last call whose function returned
 * (what follows, the thread's look at its memory, is tcpscope's work, not the script's), [TID]
 * the thread's id, 0 where it is not known (thread-clock.ts: its CPU time is the call's budget).
 */
export const EVENTS = 0
export const BEGUN = 1
export const RETURNED = 2
export const TID = 3
/** Bytes of the shared Int32s. */
export const SHARED_BYTES = 16

export type ToFraming = { id: number; op: 'load'; path: string; source: string } | { id: number; op: 'frame' | 'describe'; dir: Direction; bytes: Uint8Array; length: number }

export type FromFraming =
  | { id: number; loaded: { describes: boolean } }
  | { id: number; failed: string }
  /** What the function returned, as boundedCopy made it. */
  | { id: number; value: unknown }
  | { id: number; error: string }
  /** The thread ends (its arrays passed its memory limit): the call it answers, or 0 between calls. */
  | { id: number; ended: string }

/** What the script's thread is started with (script-worker.ts runs it as a framing thread). */
export interface FramingWorkerData {
  mode: 'framing'
  port: MessagePort
  /** Int32 [EVENTS]: answers posted and calls begun so far; [BEGUN], [RETURNED]: the last call begun, and returned; [TID]: the thread's id (framing-thread.ts). */
  answers: SharedArrayBuffer
  /** The thread's memory limit, which its byte arrays are held to as well (script-memory.ts). */
  memoryMb: number
  /** zlib-guard.ts: the thread ends where it cannot be making a zlib handle. */
  zlibGuard: SharedArrayBuffer
}
