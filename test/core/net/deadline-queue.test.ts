import { describe, expect, it } from 'vitest'
import { DeadlineQueue } from '../../../src/core/net/deadline-queue'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function item(log: string[], name: string, at: number[] = []) {
  return {
    expired: () => {
      log.push(name)
      at.push(performance.now())
    }
  }
}

describe('deadline queue', () => {
  it('expires what was not cancelled, in order, never early', async () => {
    const q = new DeadlineQueue(60)
    const log: string[] = []
    const at: number[] = []
    const t0 = performance.now()
    const a = q.add(item(log, 'a', at))
    q.add(item(log, 'b', at))
    await sleep(20)
    const t1 = performance.now()
    q.add(item(log, 'c', at))
    q.cancel(a)
    await sleep(200)
    expect(log).toEqual(['b', 'c'])
    expect(at[0] - t0).toBeGreaterThanOrEqual(59)
    expect(at[1] - t1).toBeGreaterThanOrEqual(59)
  })

  it('keeps working across quiet spells, cancels and compaction', async () => {
    const q = new DeadlineQueue(30)
    const log: string[] = []
    // Far more entries than the compaction threshold, nearly all cancelled at once.
    const tickets = Array.from({ length: 10_000 }, (_, i) => q.add(item(log, `x${i}`)))
    for (const [i, t] of tickets.entries()) if (i % 1000 !== 999) q.cancel(t)
    await sleep(120)
    expect(log).toEqual(['x999', 'x1999', 'x2999', 'x3999', 'x4999', 'x5999', 'x6999', 'x7999', 'x8999', 'x9999'])
    // Cancelling a spent ticket is harmless; the queue is empty and starts again.
    q.cancel(tickets[0])
    log.length = 0
    const late = q.add(item(log, 'late'))
    q.add(item(log, 'later'))
    q.cancel(late)
    await sleep(120)
    expect(log).toEqual(['later'])
  })
})
