// A script's thread held to its memory limit, byte arrays included, for both kinds of script
// (a rules script's hooks and a `script:` framing run in the same worker). A worker's
// resourceLimits bound its JavaScript heap only: an ArrayBuffer's bytes (typed arrays,
// Buffer, what TextEncoder or node:zlib return) live outside it, so a framing script that kept
// a 64 MiB array per call grew the process to 2 GB under a 128 MiB limit. Wrapping the
// constructors would not do (Buffer, structuredClone, node:zlib and a typed array's own
// prototype make arrays without them); the thread's own count does: Node's allocator counts
// the bytes it holds for this thread (process.memoryUsage().arrayBuffers), whatever made them.
//
// That count (34 µs: it reads the process's RSS too) is read only when V8's external_memory,
// 1.5 µs and never below it, is past the limit: an array counts there from its allocation,
// but its release only from a later sweep. And before a thread is ended for it, its garbage
// is collected first, so arrays it dropped are not held against it (without that, a script
// that made and dropped 64 MiB arrays showed 194 MiB). The worker looks after every call
// and ten times a second between them (a script's timers); while a call runs, only its host
// can look (watchdogLimit, for a rules script's hooks), as the thread is busy with the call.

import { nodeV8 } from '../../lazy-builtins'
import { runInNewContext } from 'node:vm'

/** The exit code of a thread that ended itself past its limit: its host says it ran out of memory. */
export const ARRAYS_EXIT_CODE = 87
/** How often a thread looks between calls (a script's timers may allocate). */
const LOOK_MS = 100
const MiB = 1024 * 1024

/** Why a thread past its limit ended, after "ran out of memory". */
export const arraysPast = (limitMb: number): string => `its byte arrays passed ${limitMb} MiB`

let collect: (() => void) | undefined | null = null

/**
 * A full garbage collection, where one can be had: V8's gc function, taken once from a new
 * context while --expose-gc is set (V8 reads the flag only as a context is made, and it is
 * set back at once).
 */
function collectGarbage(): void {
  if (collect === null) {
    try {
      nodeV8().setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    } catch {
      collect = undefined
    } finally {
      nodeV8().setFlagsFromString('--no-expose-gc')
    }
  }
  collect?.()
}

/**
 * Watches this thread's arrays against `limitMb`: `onPast` is called (once) when they pass it,
 * from the check a call makes (the returned function) or from the timer between calls.
 */
export function watchArrays(limitMb: number, onPast: () => void): () => boolean {
  const limit = limitMb * MiB
  let past = false
  const check = (): boolean => {
    if (past) return true
    if (nodeV8().getHeapStatistics().external_memory <= limit || process.memoryUsage().arrayBuffers <= limit) return false
    collectGarbage()
    if (process.memoryUsage().arrayBuffers <= limit) return false
    past = true
    onPast()
    return true
  }
  setInterval(check, LOOK_MS).unref()
  return check
}

/**
 * What the host holds a busy thread's external_memory to while a call runs: a runaway loop
 * is cut off within a look or two (a tenth of a second) of passing it, not at the call's
 * deadline, seconds and gigabytes later. It cannot collect the thread's garbage, so it allows
 * for it: a hook that makes and drops arrays as large as the limit showed under 2.5 times it.
 */
export const watchdogLimit = (limitMb: number): number => 3 * limitMb * MiB
