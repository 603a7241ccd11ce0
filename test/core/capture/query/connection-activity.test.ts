// Bytes each way over time, for the timeline's bars: exact where a connection has few
// chunks, sampled within a bounded number of header reads where it has many (and saying
// so), narrowed to the window by time so that zooming in gets exact again. The same from
// a live capture and from the file reopened.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import type { RecordedConnection } from '../../../../src/core/capture/write/recorded-connection'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { readStats } from '../../../../src/core/capture/read/capture-reader'
import { ACTIVITY_READ_BUDGET, evenly } from '../../../../src/core/capture/query/connection-activity'
import { tempDir } from '../../../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function liveCapture(): Promise<{ capture: LiveCapture; path: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const path = join(dir, 'activity.tcap')
  const capture = await LiveCapture.create(path)
  cleanups.push(() => capture.close())
  return { capture, path }
}

async function reopen(path: string): Promise<FileCapture> {
  const f = await FileCapture.open(path)
  cleanups.push(() => f.close())
  return f
}

const open = (capture: LiveCapture): RecordedConnection =>
  capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 5000, family: 'IPv4' }, target: '127.0.0.1:80' })

/** A time after the connections opened, so the data times given below are theirs. */
const T0 = Date.now() + 60_000

describe('connection activity', () => {
  it('counts each direction in slices of the window, exactly, for live and reopened captures', async () => {
    const { capture, path } = await liveCapture()
    const c = open(capture)
    c.data('client', Buffer.alloc(10), T0)
    c.data('server', Buffer.alloc(7), T0 + 50)
    c.data('client', Buffer.alloc(20), T0 + 100)
    c.data('client', Buffer.alloc(5), T0 + 299)
    c.data('client', Buffer.alloc(1000), T0 + 400) // after the window
    const quiet = open(capture)
    quiet.data('client', Buffer.alloc(3), T0 + 1000)
    const window = { from: T0, to: T0 + 300, buckets: 3 }
    const expected = {
      from: T0,
      to: T0 + 300,
      buckets: 3,
      conns: [
        { id: c.id, client: [10, 20, 5], server: [7, 0, 0], exact: true },
        { id: quiet.id, client: [0, 0, 0], server: [0, 0, 0], exact: true }
      ]
    }
    expect(await capture.activity([c.id, 999, quiet.id], window)).toEqual(expected)
    c.close('closed')
    quiet.close('closed')
    await capture.close()
    const file = await reopen(path)
    expect(await file.activity([c.id, 999, quiet.id], window)).toEqual(expected)
  })

  it('puts a chunk at the very end of the window in its last slice', async () => {
    const { capture } = await liveCapture()
    const c = open(capture)
    c.data('server', Buffer.alloc(4), T0 + 100)
    expect((await capture.activity([c.id], { from: T0, to: T0 + 100, buckets: 4 })).conns[0].server).toEqual([0, 0, 0, 4])
  })

  it('samples a connection with many chunks within its budget, then is exact again zoomed in', async () => {
    const { capture, path } = await liveCapture()
    const c = open(capture)
    const n = 20_000
    // One byte a millisecond, for 20 seconds.
    for (let k = 0; k < n; k++) c.data('client', Buffer.alloc(1), T0 + k)
    c.close('closed')
    await capture.close()
    const file = await reopen(path)

    let before = readStats.headers
    const whole = (await file.activity([c.id], { from: T0, to: T0 + n, buckets: 20 })).conns[0]
    // The budget, plus a binary search at each end of the window.
    expect(readStats.headers - before).toBeLessThanOrEqual(ACTIVITY_READ_BUDGET / 2 + 4 * Math.ceil(Math.log2(n)))
    expect(whole.exact).toBe(false)
    for (const count of whole.client) expect(Math.abs(count - 1000)).toBeLessThanOrEqual(20)
    expect(Math.abs(whole.client.reduce((a, b) => a + b, 0) - n)).toBeLessThanOrEqual(20)
    expect(whole.server).toEqual(Array(20).fill(0))

    before = readStats.headers
    const zoomed = (await file.activity([c.id], { from: T0 + 5000, to: T0 + 5100, buckets: 10 })).conns[0]
    expect(readStats.headers - before).toBeLessThan(200)
    expect(zoomed).toMatchObject({ exact: true, client: [10, 10, 10, 10, 10, 10, 10, 10, 10, 11] })
  })

  it('refuses a window that ends before it starts', async () => {
    const { capture } = await liveCapture()
    await expect(capture.activity([1], { from: T0, to: T0, buckets: 4 })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/^activity: the window must end after it starts/) })
  })

  it('spaces samples evenly, both ends included, none twice', () => {
    expect(evenly(0, 10, 3)).toEqual([0, 5, 10])
    expect(evenly(4, 6, 5)).toEqual([4, 5, 6])
  })
})
