// @vitest-environment jsdom
// The connection list asks the engine for pages: the ones on screen, with the filter and
// sort, refetched when the query changes or a live batch says connections changed.
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { PAGE_SIZE, useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { EngineError } from '../../../../src/shared/errors'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const conn = (id: number): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  target: 'example.com:80',
  openedAt: 0,
  bytes: { client: id, server: 0 },
  fin: { client: false, server: false },
  end: 'open'
})

beforeEach(() => {
  // The list remembers its sort (settings): each test starts from the default one.
  localStorage.clear()
  setActivePinia(createPinia())
})

function setup(total = 1000) {
  const t = fakeTransport({
    'conn.page': ({ offset, limit, filter }) => {
      const all = Array.from({ length: filter ? 10 : total }, (_, i) => conn(i + 1))
      return { total: all.length, offset, rows: all.slice(offset, offset + limit) }
    }
  })
  useEngineStore().attach(t.transport)
  return { t, list: useConnectionsStore() }
}

describe('connections store', () => {
  it('fetches only the pages on screen and those either side, and knows the total', async () => {
    const { t, list } = setup()
    list.show(0, 30)
    await flushPromises()
    expect(list.total).toBe(1000)
    expect(list.row(0)?.id).toBe(1)
    expect(list.row(PAGE_SIZE)).toBeUndefined()
    list.show(PAGE_SIZE * 3 + 5, PAGE_SIZE * 3 + 40)
    await flushPromises()
    expect(list.row(PAGE_SIZE * 3 + 5)?.id).toBe(PAGE_SIZE * 3 + 6)
    expect(t.calls.map((c) => (c.args as { offset: number }).offset)).toEqual([0, PAGE_SIZE * 2, PAGE_SIZE * 3, PAGE_SIZE * 4])
  })

  it('asks again with the filter and sort when they change', async () => {
    const { t, list } = setup()
    list.show(0, 30)
    await flushPromises()
    list.filter = 'port:6379'
    list.sort = 'bytes'
    list.descending = true
    await flushPromises()
    expect(list.total).toBe(10)
    expect(t.calls.at(-1)?.args).toMatchObject({ capture: 'live', filter: 'port:6379', sort: 'bytes', descending: true })
  })

  it('refetches the visible pages of the live capture after a batch that touched connections', async () => {
    const { t, list } = setup()
    list.show(0, 30)
    await flushPromises()
    const before = t.calls.length
    t.emit({ type: 'batch', conns: [conn(1)] })
    await flushPromises({ frames: 1 })
    expect(t.calls.length).toBe(before + 1)
  })

  const liveInfo = (connections: number) => [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 1, connections, live: true }]

  it('patches the rows it holds from batches, and in capture order fetches only an unfilled last page', async () => {
    const { t, list } = setup(1000)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: liveInfo(1000) })
    list.show(0, 30)
    await flushPromises()
    const before = t.calls.length
    // Connection 2 closes and connection 3 carries more bytes; a connection 1001 opens.
    t.emit({ type: 'batch', conns: [{ ...conn(2), end: 'closed' }], data: [{ connId: 3, dir: 'server', offset: 0, length: 70, preview: new Uint8Array() }], captures: liveInfo(1001) })
    await flushPromises({ frames: 1 })
    expect(list.row(1)?.end).toBe('closed')
    expect(list.row(2)?.bytes).toEqual({ client: 3, server: 70 })
    expect(list.total).toBe(1001)
    expect(t.calls.length).toBe(before)
    list.show(990, 1001)
    await flushPromises()
    expect(t.calls.slice(before).map((c) => (c.args as { offset: number }).offset)).toEqual([600, 800, 1000])
  })

  it('in capture order adds new connections from the batches that announce them, and fetches only what they missed', async () => {
    const { t, list } = setup(950)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: liveInfo(950) })
    list.show(940, 950)
    await flushPromises()
    const before = t.calls.length
    // 951 opens and changes again in the next batch; 952 opens; both arrive in one frame.
    t.emit({ type: 'batch', conns: [conn(951)], captures: liveInfo(951) })
    t.emit({ type: 'batch', conns: [{ ...conn(951), end: 'closed' }, conn(952)], data: [{ connId: 952, dir: 'client', offset: 0, length: 9000, preview: new Uint8Array() }], captures: liveInfo(952) })
    await flushPromises({ frames: 1 })
    expect(list.total).toBe(952)
    expect(list.row(950)).toMatchObject({ id: 951, end: 'closed' })
    expect(list.row(951)).toMatchObject({ id: 952, bytes: { client: 9000, server: 0 } })
    expect(t.calls.length).toBe(before)
    // A batch that does not carry 953 (the engine counted it, its summary is elsewhere): fetched.
    list.show(940, 954)
    t.emit({ type: 'batch', conns: [conn(954)], captures: liveInfo(954) })
    await flushPromises({ frames: 1 })
    expect(list.row(952)).toBeUndefined()
    expect(t.calls.slice(before).map((c) => (c.args as { offset: number }).offset)).toEqual([600, 800])
  })

  it('following the end, starts the new last pages from a batch of many new connections, with no query', async () => {
    const { t, list } = setup(400)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: liveInfo(400) })
    list.show(390, 400)
    await flushPromises()
    const before = t.calls.length
    // A busy engine's batch: 600 connections opened since the last one.
    t.emit({ type: 'batch', conns: Array.from({ length: 600 }, (_, i) => conn(401 + i)), captures: liveInfo(1000) })
    await flushPromises({ frames: 1 })
    expect(list.total).toBe(1000)
    list.show(980, 1000)
    await flushPromises()
    expect(list.row(800)?.id).toBe(801)
    expect(list.row(999)?.id).toBe(1000)
    expect(t.calls.length).toBe(before)
  })

  it('asks for each live page on screen once when a batch moved decoding and missed a connection', async () => {
    const { t, list } = setup(950)
    const decoded = (connections: number, n: number) => [{ ...liveInfo(connections)[0], decoded: n }]
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: decoded(950, 1) })
    list.show(940, 950)
    await flushPromises()
    const before = t.calls.length
    // 952 is announced but 951 is not: the last page must be fetched, and decoding moved too.
    t.emit({ type: 'batch', conns: [conn(952)], captures: decoded(952, 2) })
    await flushPromises({ frames: 1 })
    expect(t.calls.slice(before).map((c) => (c.args as { offset: number }).offset)).toEqual([800])
    // Decoding moved with no connection changed: the page on screen is asked for again.
    t.emit({ type: 'batch', captures: decoded(952, 3) })
    await flushPromises({ frames: 1 })
    expect(t.calls.slice(before).map((c) => (c.args as { offset: number }).offset)).toEqual([800, 800])
  })

  it('asks for a page once while it is on its way, however many frames of a scroll show it', async () => {
    const answers: Array<() => void> = []
    const t = fakeTransport({
      'conn.page': ({ offset, limit }) =>
        new Promise((resolve) => answers.push(() => resolve({ total: 1000, offset, rows: Array.from({ length: limit }, (_, i) => conn(offset + i + 1)) })))
    })
    useEngineStore().attach(t.transport)
    const list = useConnectionsStore()
    // The first pages come, then a scroll shows page 3 at frame after frame before its answer does.
    list.show(0, 30)
    await flushPromises()
    while (answers.length) {
      answers.shift()?.()
      await flushPromises()
    }
    expect(list.total).toBe(1000)
    const before = t.calls.length
    for (let frame = 0; frame < 5; frame++) {
      list.show(PAGE_SIZE * 3 + frame, PAGE_SIZE * 3 + frame + 40)
      await flushPromises()
    }
    while (answers.length) {
      answers.shift()?.()
      await flushPromises()
    }
    expect(t.calls.slice(before).map((c) => (c.args as { offset: number }).offset)).toEqual([PAGE_SIZE * 2, PAGE_SIZE * 3, PAGE_SIZE * 4])
    expect(list.row(PAGE_SIZE * 3 + 4)?.id).toBe(PAGE_SIZE * 3 + 5)
  })

  it('sends one query per page at a time, and one more for the changes that came meanwhile', async () => {
    let answer: () => void = () => {}
    const t = fakeTransport({
      'conn.page': ({ offset }) => new Promise((resolve) => (answer = () => resolve({ total: 5, offset, rows: [conn(1), conn(2)] })))
    })
    useEngineStore().attach(t.transport)
    const list = useConnectionsStore()
    list.sort = 'bytes'
    await flushPromises()
    const first = t.calls.length
    for (let i = 0; i < 5; i++) {
      t.emit({ type: 'batch', conns: [conn(1)] })
      await flushPromises({ frames: 1 })
    }
    expect(t.calls.length).toBe(first)
    answer()
    await flushPromises()
    expect(t.calls.length).toBe(first + 1)
    answer()
    await flushPromises()
    expect(t.calls.length).toBe(first + 1)
    expect(list.total).toBe(5)
  })
})

describe('connections store: a filter the engine refuses, and a payload search', () => {
  it('shows why a filter word was refused, with an empty list, and forgets it when the filter is fixed', async () => {
    const t = fakeTransport({
      'conn.page': ({ filter, offset, limit }) => {
        if (filter === 'state:bogus') throw new EngineError('EINVAL', 'filter state:bogus: use one of open, closed')
        const all = Array.from({ length: filter ? 3 : 5 }, (_, i) => conn(i + 1))
        return { total: all.length, of: 5, offset, rows: all.slice(offset, offset + limit) }
      }
    })
    useEngineStore().attach(t.transport)
    const list = useConnectionsStore()
    list.show(0, 30)
    await flushPromises()
    expect([list.total, list.of]).toEqual([5, 5])
    list.filter = 'state:bogus'
    await flushPromises()
    expect(list.error).toBe('filter state:bogus: use one of open, closed')
    // Not the old rows left waiting as "…": an empty list.
    expect([list.total, list.row(0)]).toEqual([0, undefined])
    list.filter = 'state:open'
    await flushPromises()
    expect([list.error, list.total, list.of]).toEqual([undefined, 3, 5])
  })

  it('asks again while the engine says its payload search is unfinished, and shows how far it got', async () => {
    let done = 0
    const t = fakeTransport({
      'conn.page': ({ offset, limit }) => {
        done = Math.min(done + 1, 3)
        const rows = Array.from({ length: done - 1 }, (_, i) => conn(i + 1))
        return { total: rows.length, of: 9, offset, rows: rows.slice(offset, offset + limit), ...(done < 3 ? { scan: { done, of: 3 } } : {}) }
      }
    })
    useEngineStore().attach(t.transport)
    const list = useConnectionsStore()
    const seen: Array<number | undefined> = []
    watch(() => list.scan?.done, (d) => seen.push(d), { flush: 'sync' })
    list.filter = 'text:GET'
    await flushPromises()
    await flushPromises()
    expect(list.scan).toBeUndefined()
    expect([list.total, list.of]).toEqual([2, 9])
    expect(seen).toEqual([1, 2, undefined])
    expect(t.calls.filter((c) => (c.args as { filter?: string }).filter === 'text:GET').length).toBe(3)
  })

  it('stops a payload search when asked: the engine call is cancelled and nothing more is asked', async () => {
    const signals: AbortSignal[] = []
    const t = fakeTransport({
      'conn.page': ({ offset }, ctx) => {
        if (ctx.signal) signals.push(ctx.signal)
        return { total: 1, of: 100, offset, rows: [conn(1)], scan: { done: 10, of: 100 } }
      }
    })
    useEngineStore().attach(t.transport)
    const list = useConnectionsStore()
    list.show(0, 30)
    list.filter = 'text:x'
    await flushPromises()
    expect(list.scan).toMatchObject({ of: 100 })
    list.stopScan()
    const asked = t.calls.length
    await flushPromises()
    expect(list.scan).toMatchObject({ stopped: true, of: 100 })
    expect(signals.at(-1)?.aborted).toBe(true)
    expect(t.calls.length).toBe(asked)
    expect(list.row(0)?.id).toBe(1)
  })
})
