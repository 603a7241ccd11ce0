// node:zlib makes a native handle and then initialises it, in two steps. A thread terminated
// between them leaves a handle whose clean-up aborts the whole process (Node's "close before
// init" assertion; a thread looping on inflateSync and terminated every few ms brought Node
// 20 and 22 down within 2 to 17 terminations). A script's thread is terminated whenever a
// call runs past its budget, at whatever the script is doing, so in it the two steps are
// guarded: the thread marks that it is between them, and the engine, before it terminates
// the thread, asks it to make no more handles and waits until it is out. A thread asked that
// parks at the next handle it would make, before making it, which is a safe place to end.

import { performance } from 'node:perf_hooks'
import type { Worker } from 'node:worker_threads'

/** The shared Int32s: [STOPPING] the engine is about to end the thread; [BETWEEN] a handle is made and not yet initialised; [PARKED] what a parked thread waits on. */
const STOPPING = 0
const BETWEEN = 1
const PARKED = 2
export const ZLIB_GUARD_BYTES = 12
/** The native classes node:zlib makes its handles from (Zstd: Node 23 on). */
const HANDLES = ['Zlib', 'BrotliEncoder', 'BrotliDecoder', 'ZstdCompress', 'ZstdDecompress']
/** How long the engine waits for a thread to leave the two steps (they take microseconds). */
const LEAVE_WAIT_MS = 1000

type Native = (new (mode: number) => object) & { prototype: { init?: (...args: unknown[]) => unknown } }

/** In the script's thread, before the script is loaded: node:zlib's handles made and initialised under the guard. */
export function guardZlib(buffer: SharedArrayBuffer | undefined): void {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < ZLIB_GUARD_BYTES) return
  const guard = new Int32Array(buffer)
  let binding: Record<string, unknown>
  try {
    // The binding node:zlib itself reads its classes from, at each handle it makes.
    binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('zlib')
  } catch {
    return
  }
  const leave = (): void => {
    Atomics.store(guard, BETWEEN, 0)
    Atomics.notify(guard, BETWEEN)
  }
  // Marked first and then looked: either the engine sees the mark and waits, or this sees its request and parks.
  const enter = (): void => {
    Atomics.store(guard, BETWEEN, 1)
    if (Atomics.load(guard, STOPPING) === 0) return
    leave()
    for (;;) Atomics.wait(guard, PARKED, 0)
  }
  for (const name of HANDLES) {
    const native = binding[name] as Native | undefined
    const init = native?.prototype.init
    if (typeof native !== 'function' || typeof init !== 'function') continue
    native.prototype.init = function (this: unknown, ...args: unknown[]): unknown {
      try {
        return init.apply(this, args)
      } finally {
        leave()
      }
    }
    binding[name] = function guarded(mode: number): object {
      enter()
      try {
        return new native(mode)
      } catch (err) {
        leave()
        throw err
      }
    }
  }
}

/** Ends a script's thread where it cannot be between making a zlib handle and initialising it. */
export function terminateSafely(worker: Worker, buffer: SharedArrayBuffer): Promise<number> {
  const guard = new Int32Array(buffer)
  Atomics.store(guard, STOPPING, 1)
  const until = performance.now() + LEAVE_WAIT_MS
  while (Atomics.load(guard, BETWEEN) === 1 && performance.now() < until) {
    try {
      Atomics.wait(guard, BETWEEN, 1, 5)
    } catch {
      // This thread may not block: look again.
    }
  }
  return worker.terminate()
}
