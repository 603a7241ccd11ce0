// RunWindows: a file's decoding run hands out a connection's next window as soon as that
// connection is done with the last one (the engine's thread then reads and feeds it while the
// workers still decode the others), reads two windows at most at a time, drops each once
// every connection is done with it, and passes over at once the connections it is told have
// nothing in a window.
import { describe, expect, it } from 'vitest'
import { FileWindows, RunWindows, SMALL_WINDOW, type RunWindow } from '../../../src/core/decode/run-windows'

/** Windows of 100 bytes, each read when RunWindows begins it; what was read, dropped and left the run, in order. */
function chain(first: number[], onward = true): { windows: RunWindows; read: number[]; dropped: number[]; left: [number, boolean][] } {
  const read: number[] = []
  const dropped: number[] = []
  const left: [number, boolean][] = []
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
    onward,
    (connId, more) => left.push([connId, more])
  )
  return { windows, read, dropped, left }
}

const open = (): boolean => false

describe('the windows of a run', () => {
  it("hands out a connection's next window while the others still decode the last one", async () => {
    const { windows, read, dropped, left } = chain([1, 2, 3])
    const a = await windows.take(open)
    const b = await windows.take(open)
    const c = await windows.take(open)
    expect([a?.connId, b?.connId, c?.connId]).toEqual([1, 2, 3])
    expect(a?.w.start).toBe(0)
    // Connection 1 is done with the first window and has more: it goes on at once, 2 and 3 still being decoded.
    windows.done(a?.w as RunWindow, 1, true)
    const next = await windows.take(open)
    expect(next).toMatchObject({ connId: 1, w: { start: 100, until: 200 } })
    // The window after that is made for it, but not read until the first is done with.
    windows.done(next?.w as RunWindow, 1, true)
    expect(read).toEqual([0, 100])
    expect(dropped).toEqual([])
    windows.done(b?.w as RunWindow, 2, false)
    windows.done(c?.w as RunWindow, 3, true)
    expect(dropped).toEqual([0])
    expect(read).toEqual([0, 100, 200])
    expect(left).toEqual([[2, false]])
    expect(windows.open).toBe(2)
  })

  it('waits, while every connection queued is being decoded, for one to be done', async () => {
    const { windows, left } = chain([7])
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
    expect(left).toEqual([[7, false]])
    expect(windows.open).toBe(0)
    await expect(windows.take(open)).resolves.toBeUndefined()
  })

  it('passes over the connections it is told have nothing in a window, each on to the next', async () => {
    const conns = Array.from({ length: 3000 }, (_, i) => i + 1)
    const { windows, read } = chain(conns)
    // Only connection 1 has records in the first window.
    const skip = (connId: number, w: RunWindow): boolean => w.start === 0 && connId > 1
    const first = await windows.take(open, skip)
    expect(first?.connId).toBe(1)
    windows.done(first?.w as RunWindow, 1, true)
    const all: number[] = []
    for (let k = 0; k < 3000; k++) {
      const job = await windows.take(open, skip)
      expect(job?.w.start).toBe(100)
      all.push(job?.connId ?? 0)
    }
    // In the next window each comes once, in order.
    expect(all).toEqual(conns)
    expect(read).toEqual([0, 100])
  })

  it('hands the connections not begun to the window their records start in, not through each window before it', async () => {
    const conns = Array.from({ length: 3000 }, (_, i) => i + 1)
    const { windows, read, dropped } = chain(conns)
    // Connection 1 opens in the first window, 2 to 1000 in the second, the rest in the third.
    const last = new Map([
      [0, 1],
      [100, 1000],
      [200, 3000]
    ])
    let passedOver = 0
    const skip = (connId: number, w: RunWindow): boolean => {
      const over = connId > (last.get(w.start) ?? Infinity)
      if (over) passedOver++
      return over
    }
    const taken: Array<[number, number]> = []
    for (let job; (job = await windows.take(open, skip)) !== undefined; ) {
      taken.push([job.connId, job.w.start])
      windows.done(job.w, job.connId, false)
    }
    expect(taken).toEqual(conns.map((id) => [id, id === 1 ? 0 : id <= 1000 ? 100 : 200]))
    // Told once a window that the rest wait for the next (5,000 times when each went through every window before its own).
    expect(passedOver).toBe(2)
    expect(read).toEqual([0, 100, 200])
    expect(dropped).toEqual([0, 100, 200])
    expect(windows.open).toBe(0)
  })

  it('keeps a live run to its one window: a connection with more waits for the next run', async () => {
    const { windows, read, dropped, left } = chain([4, 5], false)
    const a = await windows.take(open)
    windows.done(a?.w as RunWindow, 4, true)
    const b = await windows.take(open)
    expect(b?.connId).toBe(5)
    windows.done(b?.w as RunWindow, 5, false)
    expect(left).toEqual([
      [4, true],
      [5, false]
    ])
    expect(read).toEqual([0])
    expect(dropped).toEqual([0])
    await expect(windows.take(open)).resolves.toBeUndefined()
  })

  it('tells apart each connection a live run passes over: it waits for the next run, and the next one is still looked at', async () => {
    const { windows, left } = chain([4, 5, 6], false)
    const skip = (connId: number): boolean => connId === 5
    const a = await windows.take(open, skip)
    const b = await windows.take(open, skip)
    expect([a?.connId, b?.connId]).toEqual([4, 6])
    expect(left).toEqual([[5, true]])
    windows.done(a?.w as RunWindow, 4, false)
    windows.done(b?.w as RunWindow, 6, false)
    await expect(windows.take(open, skip)).resolves.toBeUndefined()
  })

  it('ends a live run whose last connections are passed over when none is being decoded', async () => {
    const { windows, left, dropped } = chain([4, 5], false)
    const skip = (connId: number): boolean => connId === 5
    const a = await windows.take(open, skip)
    windows.done(a?.w as RunWindow, 4, true)
    // Nothing open, 5 passed over: the run is over (it once waited here for ever).
    await expect(windows.take(open, skip)).resolves.toBeUndefined()
    expect(left).toEqual([
      [4, true],
      [5, true]
    ])
    expect(dropped).toEqual([0])
  })

  it('takes a file of 300,000 connections (too many to spread as arguments)', async () => {
    const { windows } = chain(Array.from({ length: 300_000 }, (_, i) => i + 1))
    expect(windows.open).toBe(300_000)
    expect((await windows.take(open))?.connId).toBe(1)
  })

  it('lets its lanes go once the engine closes', async () => {
    const { windows } = chain([1])
    await windows.take(open)
    await expect(windows.take(() => true)).resolves.toBeUndefined()
  })
})

describe("a file's windows", () => {
  const MiB = 1024 * 1024
  function file(size: number, connections = 100): { windows: FileWindows; kept: [number, number][]; dropped: number[] } {
    const kept: [number, number][] = []
    const dropped: number[] = []
    const view = {
      info: () => ({ size, connections }) as ReturnType<ConstructorParameters<typeof FileWindows>[0]['info']>,
      keepWindow: (start: number, end: number) => {
        kept.push([start, end])
        return Promise.resolve()
      },
      dropWindows: (upTo: number) => void dropped.push(upTo)
    }
    return { windows: new FileWindows(view), kept, dropped }
  }

  it('start small and double up to 16 MiB, one after another to the end of the file', async () => {
    const { windows, kept, dropped } = file(100 * MiB)
    const made: ReturnType<FileWindows['next']>[] = []
    for (let w = windows.next(); w.until !== undefined; w = windows.next()) made.push(w)
    const sizes = made.map((w) => (w.until ?? 0) - w.start)
    expect(sizes.slice(0, 7)).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384].map((k) => k * 1024))
    expect(made.at(-1)?.until).toBe(100 * MiB)
    expect(made.every((w, i) => i === 0 || w.start === made[i - 1].until)).toBe(true)
    // Each is read when begun, and dropped when done with.
    const w = { ...made[1], used: 600 * 1024, beyond: Infinity, ready: Promise.resolve() }
    await made[1].read(w)
    expect(kept).toEqual([[SMALL_WINDOW, 3 * SMALL_WINDOW]])
    windows.done(w)
    expect(dropped).toEqual([3 * SMALL_WINDOW])
  })

  it('are none once one went mostly unused (a download whose body is skipped), and none for one connection', async () => {
    const { windows, kept } = file(100 * MiB)
    windows.next()
    const second = windows.next()
    const w = { ...second, used: 1024, beyond: Infinity, ready: Promise.resolve() }
    windows.done(w)
    // The window made before it was seen unused is not read either.
    const third = windows.next()
    const w3 = { ...third, used: 0, beyond: Infinity, ready: Promise.resolve() }
    await third.read(w3)
    expect(w3.until).toBeUndefined()
    expect(kept).toEqual([])
    expect(windows.next().until).toBeUndefined()
    expect(file(100 * MiB, 1).windows.next().until).toBeUndefined()
  })
})
