// @vitest-environment jsdom
// The renderer's tests share a worker: a timer, interval or frame one test leaves pending is
// cancelled when it ends (test-timers.ts, through fresh-window.ts), so it never runs in the
// next test, where it once made an old store's pinia the active one.
import { describe, expect, it } from 'vitest'

const fired: string[] = []
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("a test's pending timers", () => {
  it('leaves a timeout, an interval and a frame pending', () => {
    setTimeout(() => fired.push('timeout'), 30)
    setInterval(() => fired.push('interval'), 30)
    requestAnimationFrame(() => fired.push('frame'))
  })

  it('sees none of them run after that test ended', async () => {
    await wait(120)
    expect(fired).toEqual([])
  })

  it('still runs its own timers, and one cleared stays cleared', async () => {
    const cleared = setTimeout(() => fired.push('cleared'), 10)
    clearTimeout(cleared)
    await new Promise<void>((resolve) => setTimeout(resolve, 20))
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
    const ticks: number[] = []
    const every = setInterval(() => ticks.push(1), 5)
    await wait(40)
    clearInterval(every)
    expect(ticks.length).toBeGreaterThan(1)
    expect(fired).toEqual([])
  })
})
