// Long work in slices: steps run until a slice's budget is spent, then the page gets the
// thread back (a timer) before the next slice; a small job is done at once; a cancelled one
// runs no further step. The clock is the test's: each step "takes" 10 ms.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { runSliced, runWhole } from '../../../src/renderer/src/ui/sliced-work'

let now = 0
beforeEach(() => {
  now = 0
  vi.useFakeTimers()
  vi.spyOn(performance, 'now').mockImplementation(() => now)
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** `n` steps of 10 ms each; `ran` counts them. */
function* work(n: number, ran: { steps: number }): Generator<void, string> {
  for (let i = 0; i < n; i++) {
    now += 10
    ran.steps++
    yield
  }
  return `done after ${n}`
}

describe('runSliced', () => {
  it('runs a slice of steps up to its budget, then the rest after the page had the thread', () => {
    const ran = { steps: 0 }
    const done = vi.fn()
    runSliced(work(10, ran), done, 25)
    expect(ran.steps).toBe(3)
    expect(done).not.toHaveBeenCalled()
    vi.advanceTimersToNextTimer()
    expect(ran.steps).toBe(6)
    vi.runAllTimers()
    expect(done).toHaveBeenCalledWith('done after 10')
  })

  it('finishes a small job before it returns', () => {
    const done = vi.fn()
    runSliced(work(2, { steps: 0 }), done, 25)
    expect(done).toHaveBeenCalledWith('done after 2')
  })

  it('runs no step once cancelled', () => {
    const ran = { steps: 0 }
    const done = vi.fn()
    const cancel = runSliced(work(10, ran), done, 25)
    cancel()
    vi.runAllTimers()
    expect(ran.steps).toBe(3)
    expect(done).not.toHaveBeenCalled()
  })

  it('runWhole runs a job to its end', () => {
    expect(runWhole(work(4, { steps: 0 }))).toBe('done after 4')
  })
})
