// A thread's CPU time read from another thread (thread-clock.ts), as the engine reads a framing
// script's while it waits for a call: a busy thread's clock moves by what it ran, a sleeping
// one's hardly at all, and an ended one's reads undefined rather than a stale figure.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { ownThreadId, ThreadClock } from '../../src/core/thread-clock'

// Linux only: elsewhere there is no /proc to read, and the engine keeps to wall time.
const linux = process.platform === 'linux'

/** A worker that says its id, then on each post runs `ms` of its own CPU (read from its schedstat) or sleeps `ms` on the wall, and answers. */
function startWorker(): Worker {
  const code = `
    const { parentPort } = require('node:worker_threads')
    const { readFileSync, readlinkSync } = require('node:fs')
    const own = () => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6
    parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop()))
    parentPort.on('message', ({ op, ms }) => {
      if (op === 'run') { const end = own() + ms; while (own() < end) {} }
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
      parentPort.postMessage('done')
    })`
  return new Worker(code, { eval: true })
}

const next = (w: Worker): Promise<unknown> => new Promise((resolve) => w.once('message', resolve))

describe.runIf(linux)('thread clock', () => {
  it('reads a worker thread\'s CPU time from outside: what it ran, not the time it slept', async () => {
    const w = startWorker()
    const tid = (await next(w)) as number
    expect(tid).toBeGreaterThan(0)
    expect(tid).not.toBe(ownThreadId())
    const clock = ThreadClock.of(tid)!
    const before = clock.ms()!
    w.postMessage({ op: 'run', ms: 200 })
    await next(w)
    const ran = clock.ms()! - before
    expect(ran).toBeGreaterThanOrEqual(200)
    w.postMessage({ op: 'sleep', ms: 300 })
    await next(w)
    // Asleep for 300 ms on the wall: its clock moved by the posting and waking only.
    expect(clock.ms()! - before - ran).toBeLessThan(100)
    await w.terminate()
    // Its task is gone: no figure, rather than the last one.
    expect(clock.ms()).toBeUndefined()
    clock.close()
    expect(clock.ms()).toBeUndefined()
  })

  it('a thread that is not there gives no clock', () => {
    expect(ThreadClock.of(0x7ffffff0)).toBeUndefined()
  })
})
