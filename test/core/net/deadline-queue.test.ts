// The deadline queue on a fake clock (its timer and performance.now()): what was not
// cancelled expires in order, never before its deadline and at most the slack after it,
// across quiet spells, cancels and compaction.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeadlineQueue } from '../../../src/core/net/deadline-queue'

function item(log: string[], name: string, at: number[] = []) {
  return {
    expired: () => {
      log.push(name)
      at.push(performance.now())
    }
  }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('deadline queue', () => {
  it('expires what was not cancelled, in order, never early', async () => {
    // 60 ms deadlines: the timer wakes at most every 3 ms (a twentieth).
    const q = new DeadlineQueue(60)
    const slack = 3
    const log: string[] = []
    const at: number[] = []
    const t0 = performance.now()
    const a = q.add(item(log, 'a', at))
    q.add(item(log, 'b', at))
    await vi.advanceTimersByTimeAsync(20)
    const t1 = performance.now()
    q.add(item(log, 'c', at))
    q.cancel(a)
    await vi.advanceTimersByTimeAsync(t0 + 59 - performance.now())
    expect(log).toEqual([])
    await vi.advanceTimersByTimeAsync(t0 + 60 + slack - performance.now())
    expect(log).toEqual(['b'])
    await vi.advanceTimersByTimeAsync(t1 + 59 - performance.now())
    expect(log).toEqual(['b'])
    await vi.advanceTimersByTimeAsync(t1 + 60 + slack - performance.now())
    expect(log).toEqual(['b', 'c'])
    expect(at[0] - t0).toBeGreaterThanOrEqual(60)
    expect(at[1] - t1).toBeGreaterThanOrEqual(60)
  })

  it('keeps working across quiet spells, cancels and compaction', async () => {
    const q = new DeadlineQueue(30)
    const log: string[] = []
    // Far more entries than the compaction threshold, nearly all cancelled at once.
    const tickets = Array.from({ length: 10_000 }, (_, i) => q.add(item(log, `x${i}`)))
    for (const [i, t] of tickets.entries()) if (i % 1000 !== 999) q.cancel(t)
    await vi.advanceTimersByTimeAsync(31)
    expect(log).toEqual(['x999', 'x1999', 'x2999', 'x3999', 'x4999', 'x5999', 'x6999', 'x7999', 'x8999', 'x9999'])
    // A quiet spell: nothing is armed, nothing fires.
    await vi.advanceTimersByTimeAsync(1000)
    expect(log).toHaveLength(10)
    // Cancelling a spent ticket is harmless; the queue is empty and starts again.
    q.cancel(tickets[0])
    log.length = 0
    const late = q.add(item(log, 'late'))
    q.add(item(log, 'later'))
    q.cancel(late)
    await vi.advanceTimersByTimeAsync(29)
    expect(log).toEqual([])
    await vi.advanceTimersByTimeAsync(2)
    expect(log).toEqual(['later'])
  })
})
