// RunWindows: a file's decoding run hands out a connection's next window as soon as that
// connection is done with the last one (the engine's thread then reads and feeds it while the
// workers still decode the others), reads two windows at most at a time, and drops each once
// every connection is done with it.
import { describe, expect, it } from 'vitest'
import { RunWindows, type RunWindow } from '../../../src/core/decode/run-windows'

/** Windows of 100 bytes, each read when RunWindows begins it; what was read and dropped, in order. */
function chain(first: number[], onward = true): { windows: RunWindows; read: number[]; dropped: number[] } {
  const read: number[] = []
  const dropped: number[] = []
  let start = 0
  const windows = new RunWindows(
    first,
    () => {
      const at = start
      start += 100
      return {
        start: at,
        until: at + 100,
        read: () => {
          read.push(at)
          return Promise.resolve()
        }
      }
    },
    (w) => dropped.push(w.start),
    onward
  )
  return { windows, read, dropped }
}

const open = (): boolean => false

describe('the windows of a run', () => {
  it("hands out a connection's next window while the others still decode the last one", async () => {
    const { windows, read, dropped } = chain([1, 2, 3])
    const a = await windows.take(open)
    const b = await windows.take(open)
    const c = await windows.take(open)
    expect([a?.connId, b?.connId, c?.connId]).toEqual([1, 2, 3])
    expect(a?.w.start).toBe(0)
    // Connection 1 is done with the first window and has more: it goes on at once, 2 and 3 still being decoded.
    expect(windows.done(a?.w as RunWindow, 1, true)).toBe(true)
    const next = await windows.take(open)
    expect(next).toMatchObject({ connId: 1, w: { start: 100, until: 200 } })
    // The window after that is made for it, but not read until the first is done with.
    expect(windows.done(next?.w as RunWindow, 1, true)).toBe(true)
    expect(read).toEqual([0, 100])
    expect(dropped).toEqual([])
    windows.done(b?.w as RunWindow, 2, false)
    windows.done(c?.w as RunWindow, 3, true)
    expect(dropped).toEqual([0])
    expect(read).toEqual([0, 100, 200])
    expect(windows.open).toBe(2)
  })

  it('waits, while every connection queued is being decoded, for one to be done', async () => {
    const { windows } = chain([7])
    const first = await windows.take(open)
    let taken: { connId: number; w: RunWindow } | undefined
    const waiting = windows.take(open).then((t) => (taken = t))
    await new Promise((resolve) => setImmediate(resolve))
    expect(taken).toBeUndefined()
    windows.done(first?.w as RunWindow, 7, true)
    await waiting
    expect(taken).toMatchObject({ connId: 7, w: { start: 100 } })
    // Done with everything: the run is over, and every window dropped.
    windows.done(taken?.w as RunWindow, 7, false)
    expect(windows.open).toBe(0)
    await expect(windows.take(open)).resolves.toBeUndefined()
  })

  it('keeps a live run to its one window: a connection with more waits for the next run', async () => {
    const { windows, read, dropped } = chain([4, 5], false)
    const a = await windows.take(open)
    expect(windows.done(a?.w as RunWindow, 4, true)).toBe(false)
    const b = await windows.take(open)
    expect(b?.connId).toBe(5)
    windows.done(b?.w as RunWindow, 5, false)
    expect(read).toEqual([0])
    expect(dropped).toEqual([0])
    await expect(windows.take(open)).resolves.toBeUndefined()
  })

  it('lets its lanes go once the engine closes', async () => {
    const { windows } = chain([1])
    await windows.take(open)
    await expect(windows.take(() => true)).resolves.toBeUndefined()
  })
})
