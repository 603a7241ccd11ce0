// A connection's turns as the flow diagram draws them: consecutive data of one side is one
// turn, marks (FIN, RST, close) stand between turns, records that change nothing in the
// picture do not split one; times and gaps come from the records. The same answers from a
// live capture, as it grows, and from the file reopened with its stored index.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { CaptureEvent, Turn } from '../../../../src/shared/capture-types'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import type { RecordedConnection } from '../../../../src/core/capture/write/recorded-connection'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { readStats } from '../../../../src/core/capture/read/capture-reader'
import { tempDir } from '../../../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function liveCapture(): Promise<{ capture: LiveCapture; path: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const path = join(dir, 'turns.tcap')
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

/** What a turn must say of its times, from the events it spans (the oracle: the records themselves). */
function expectTimes(turn: Turn, events: CaptureEvent[], lastOfPrevious: number | undefined, lastOfThis: number): void {
  const first = events[turn.event]
  expect(turn.time).toBe(first.time)
  expect(turn.at).toBeCloseTo(first.mono - events[0].mono, 6)
  if (lastOfPrevious === undefined) expect(turn.gap).toBeUndefined()
  else expect(turn.gap).toBeCloseTo(first.mono - events[lastOfPrevious].mono, 6)
  if (turn.kind === 'data') expect(turn.duration).toBeCloseTo(events[lastOfThis].mono - first.mono, 6)
}

describe('connection turns', () => {
  it('merges consecutive data of one side, keeps marks between turns, and skips records that change nothing', async () => {
    const { capture, path } = await liveCapture()
    const c = open(capture)
    c.event('connecting') // 1
    c.connected({ address: '127.0.0.1', port: 6000, family: 'IPv4' }, { address: '127.0.0.1', port: 80, family: 'IPv4' }) // 2
    c.data('client', Buffer.from('GET')) // 3
    c.event('timeout') // 4: does not split the turn
    c.data('client', Buffer.from(' /\r\n')) // 5
    c.data('server', Buffer.from('HTTP/1.1 200')) // 6
    c.data('server', Buffer.from(' OK\r\n')) // 7
    c.event('fin', 'client') // 8
    c.data('server', Buffer.from('bye')) // 9: same side as before, but after a mark
    c.event('reset', 'server') // 10
    c.close('server-reset') // 11

    const expected = [
      { kind: 'data', dir: 'client', event: 3, offset: 0, length: 7, chunks: 2 },
      { kind: 'data', dir: 'server', event: 6, offset: 0, length: 17, chunks: 2 },
      { kind: 'fin', dir: 'client', event: 8 },
      { kind: 'data', dir: 'server', event: 9, offset: 17, length: 3, chunks: 1 },
      { kind: 'reset', dir: 'server', event: 10 },
      { kind: 'close', event: 11, info: { end: 'server-reset', bytes: { client: 7, server: 20 } } }
    ]
    const lasts = [5, 7, 8, 9, 10, 11]
    const live = await capture.turns(c.id)
    expect(live.total).toBe(6)
    expect(live.turns).toMatchObject(expected)
    const events = await capture.readEvents(c.id, 0, 100)
    live.turns.forEach((turn, k) => expectTimes(turn, events, k === 0 ? undefined : lasts[k - 1], lasts[k]))

    // Pages are slices of the whole, gaps included across a page's start.
    const slice = await capture.turns(c.id, 2, 2)
    expect(slice).toEqual({ from: 2, total: 6, turns: live.turns.slice(2, 4) })
    expect(await capture.turns(c.id, 6, 10)).toEqual({ from: 6, total: 6, turns: [] })

    await capture.close()
    const file = await reopen(path)
    expect(await file.turns(c.id)).toEqual(live)
  })

  it('grows with a live connection: the last turn takes more chunks of its side, a reply starts a new one', async () => {
    const { capture } = await liveCapture()
    const c = open(capture)
    c.data('client', Buffer.from('a'))
    expect((await capture.turns(c.id)).turns).toMatchObject([{ kind: 'data', dir: 'client', length: 1, chunks: 1 }])
    c.data('client', Buffer.from('bc'))
    expect((await capture.turns(c.id)).turns).toMatchObject([{ kind: 'data', dir: 'client', length: 3, chunks: 2 }])
    c.data('server', Buffer.from('xyz!'))
    const page = await capture.turns(c.id)
    expect(page.total).toBe(2)
    expect(page.turns[1]).toMatchObject({ kind: 'data', dir: 'server', offset: 0, length: 4, chunks: 1 })
  })

  it('marks a failed connect with its error, and a connection with no data has marks only', async () => {
    const { capture } = await liveCapture()
    const c = open(capture)
    c.event('connecting')
    c.event('connect-failed', undefined, { code: 'ECONNREFUSED', message: 'connection refused by 127.0.0.1:80' })
    c.close('connect-failed')
    const page = await capture.turns(c.id)
    expect(page.turns).toMatchObject([
      { kind: 'connect-failed', event: 2, info: { code: 'ECONNREFUSED', message: 'connection refused by 127.0.0.1:80' } },
      { kind: 'close', event: 3, info: { end: 'connect-failed' } }
    ])
    expect(page.turns[0].dir).toBeUndefined()
  })

  it('pages through thousands of turns without reading every record', async () => {
    const { capture, path } = await liveCapture()
    const c = open(capture)
    for (let i = 0; i < 3000; i++) c.data(i % 2 === 0 ? 'client' : 'server', Buffer.from(`turn ${i}\n`))
    c.close('closed')
    await capture.close()
    const file = await reopen(path)
    const before = readStats.headers
    const page = await file.turns(c.id, 2990, 100)
    // The non-data records (open, close) to tell marks apart, then the page's own turns.
    expect(readStats.headers - before).toBeLessThan(30)
    expect(page.total).toBe(3001)
    expect(page.turns.map((t) => t.kind)).toEqual([...Array(10).fill('data'), 'close'])
    expect(page.turns[0]).toMatchObject({ dir: 'client', event: 2991, chunks: 1, length: 'turn 2990\n'.length })
    expect(page.turns[1]).toMatchObject({ dir: 'server', event: 2992 })
    await expect(file.turns(999)).rejects.toMatchObject({ code: 'ENOCONN' })
  })
})
