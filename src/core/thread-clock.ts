// Linux's view of one thread of this process: its id (a worker learns its own, so that it can
// be given a priority, or timed from another thread) and the CPU time it has run, read from
// /proc by another thread while it is busy: a script caught in a loop cannot say so itself.
// Elsewhere there is neither, and callers keep to wall time.

import { closeSync, openSync, readlinkSync, readSync } from 'node:fs'

/** The calling thread's id (a pid to setpriority), or undefined where /proc does not say. */
export function ownThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    return Number.isInteger(tid) && tid > 0 ? tid : undefined
  } catch {
    return undefined
  }
}

/** One thread's time on a CPU, in ms (schedstat's first field is its run time in ns). */
export class ThreadClock {
  private readonly buf = Buffer.alloc(96)

  private constructor(private fd: number | undefined) {}

  /** A clock of a thread of this process; undefined where its schedstat cannot be opened. */
  static of(tid: number): ThreadClock | undefined {
    try {
      // A file of the kernel's, opened once: each read (pread from 0) is then one call of about 7 µs.
      return new ThreadClock(openSync(`/proc/self/task/${tid}/schedstat`, 'r'))
    } catch {
      return undefined
    }
  }

  /** CPU ms the thread has run so far; undefined once it has ended. */
  ms(): number | undefined {
    if (this.fd === undefined) return undefined
    try {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0)
      const ns = Number(this.buf.toString('latin1', 0, n).split(' ')[0])
      return Number.isFinite(ns) && n > 0 ? ns / 1e6 : undefined
    } catch {
      return undefined
    }
  }

  close(): void {
    if (this.fd === undefined) return
    try {
      closeSync(this.fd)
    } catch {
      // Closed already: nothing to give back.
    }
    this.fd = undefined
  }
}

/** Node 22.19 and later: the calling thread's CPU time from the OS, in about a µs. */
const threadUsage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage
/** Elsewhere on Linux, the calling thread's schedstat (each thread has its own copy of this module). */
let ownClock: ThreadClock | null | undefined

/** CPU ms the calling thread has run so far; undefined where neither Node nor /proc tells it. */
export function ownThreadCpuMs(): number | undefined {
  if (threadUsage !== undefined) {
    const u = threadUsage.call(process)
    return (u.user + u.system) / 1000
  }
  if (ownClock === undefined) {
    const tid = ownThreadId()
    ownClock = (tid !== undefined ? ThreadClock.of(tid) : undefined) ?? null
  }
  return ownClock?.ms()
}
