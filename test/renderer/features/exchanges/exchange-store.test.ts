// @vitest-environment jsdom
// The exchange list asks the engine for pages of exchanges only while a view shows it: the
// pages on screen, with its filter and order, never every row; it asks again while the
// engine is still decoding, and when a live capture changes.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExchangeRow } from '../../../../src/shared/protocol-types'
import type { CommandArgs } from '../../../../src/shared/contract'
import { EXCHANGE_PAGE_SIZE, SCAN_RETRY_MS, useExchangesStore } from '../../../../src/renderer/src/features/exchanges/exchanges-store'
import { useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { EngineError } from '../../../../src/shared/errors'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const exchange = (i: number): ExchangeRow => ({
  connId: Math.floor(i / 3) + 1,
  index: i % 3,
  method: 'GET',
  host: 'example.com',
  path: `/items/${i}`,
  status: i % 10 === 0 ? 404 : 200,
  contentType: 'application/json',
  requestSize: 0,
  responseSize: 100 + i,
  startedAt: 1_700_000_000_000 + i,
  duration: 3,
  state: 'complete'
})

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => {
  vi.useRealTimers()
})

function setup(opts: { total?: number; scanUntil?: number } = {}) {
  const total = opts.total ?? 100_000
  let asked = 0
  const t = fakeTransport({
    'exchange.page': (args: CommandArgs<'exchange.page'>) => {
      asked++
      if (args.filter === 'bogus:1') throw new EngineError('EINVAL', 'filter bogus:1: unknown word')
      const n = args.filter ? Math.floor(total / 10) : total
      const rows = Array.from({ length: Math.max(0, Math.min(args.limit, n - args.offset)) }, (_, k) => exchange((args.offset + k) * (args.filter ? 10 : 1)))
      const scanning = opts.scanUntil !== undefined && asked < opts.scanUntil
      return { total: n, of: total, offset: args.offset, rows, ...(scanning ? { scan: { done: asked, of: opts.scanUntil! } } : {}) }
    }
  })
  useEngineStore().attach(t.transport)
  const pages = () => t.calls.filter((c) => c.cmd === 'exchange.page').map((c) => c.args as CommandArgs<'exchange.page'>)
  return { t, pages, list: useExchangesStore() }
}

describe('exchanges store', () => {
  it('asks nothing until a view shows the list, then only the pages on screen', async () => {
    const { pages, list } = setup()
    await flushPromises()
    expect(pages()).toEqual([])
    const detach = list.attach()
    list.show(0, 30)
    await flushPromises()
    expect(list.total).toBe(100_000)
    expect(list.of).toBe(100_000)
    expect(list.row(0)?.path).toBe('/items/0')
    list.show(99_990, 100_000)
    await flushPromises()
    expect(list.row(99_999)?.path).toBe('/items/99999')
    // The first page, then the last one; never all.
    expect(pages().map((p) => p.offset)).toEqual([0, 100_000 - EXCHANGE_PAGE_SIZE])
    expect(pages().every((p) => p.limit === EXCHANGE_PAGE_SIZE && p.capture === 'live')).toBe(true)
    detach()
  })

  it('asks again with its filter and order, and says why a bad word gave no rows', async () => {
    const { pages, list } = setup()
    const detach = list.attach()
    list.show(0, 30)
    await flushPromises()
    list.filter = 'status:404'
    list.sort = 'status'
    list.descending = true
    await flushPromises()
    expect(pages().at(-1)).toMatchObject({ filter: 'status:404', sort: 'status', descending: true, offset: 0 })
    expect(list.total).toBe(10_000)
    expect(list.row(1)?.status).toBe(404)
    list.filter = 'bogus:1'
    await flushPromises()
    expect(list.error).toBe('filter bogus:1: unknown word')
    expect(list.total).toBe(0)
    detach()
  })

  it('stops asking for pages a fast scroll went past, so the engine answers those on screen first', async () => {
    const asked: Array<{ offset: number; signal?: AbortSignal }> = []
    const t = fakeTransport({
      'exchange.page': async (args: CommandArgs<'exchange.page'>, ctx) => {
        asked.push({ offset: args.offset, signal: ctx.signal })
        // The first page answers at once; the rest wait, as behind a busy engine.
        if (args.offset > 0) await new Promise((r) => ctx.signal?.addEventListener('abort', r))
        return { total: 100_000, of: 100_000, offset: args.offset, rows: [] }
      }
    })
    useEngineStore().attach(t.transport)
    const list = useExchangesStore()
    const detach = list.attach()
    await flushPromises()
    list.show(5000, 5030)
    list.show(50_000, 50_030)
    await flushPromises()
    const by = (offset: number) => asked.find((a) => a.offset === offset)!
    expect(by(5000).signal?.aborted).toBe(true)
    expect(by(50_000).signal?.aborted).toBe(false)
    detach()
    // A list no view shows asks for nothing more.
    expect(by(50_000).signal?.aborted).toBe(true)
  })

  it('follows the capture on screen', async () => {
    const { pages, list } = setup()
    const detach = list.attach()
    await flushPromises()
    useConnectionsStore().capture = 'c2'
    await flushPromises()
    expect(pages().at(-1)?.capture).toBe('c2')
    detach()
  })

  it('asks again while the engine says it is still decoding, and stops when it is done', async () => {
    // The retry's timer on a fake clock: each retry comes SCAN_RETRY_MS after the last answer.
    vi.useFakeTimers()
    const { pages, list } = setup({ total: 50, scanUntil: 3 })
    const detach = list.attach()
    list.show(0, 30)
    await flushPromises()
    expect(list.scan).toEqual({ done: 1, of: 3 })
    const first = pages().length
    await vi.advanceTimersByTimeAsync(SCAN_RETRY_MS - 1)
    expect(pages()).toHaveLength(first)
    await vi.advanceTimersByTimeAsync(1)
    await flushPromises()
    expect(pages()).toHaveLength(first + 1)
    expect(list.scan).toEqual({ done: 2, of: 3 })
    await vi.advanceTimersByTimeAsync(SCAN_RETRY_MS)
    await flushPromises()
    expect(list.scan).toBeUndefined()
    const asked = pages().length
    expect(asked).toBe(first + 2)
    await vi.advanceTimersByTimeAsync(SCAN_RETRY_MS * 10)
    expect(pages().length).toBe(asked)
    detach()
  })

  it('refreshes a live list when batches change live connections, and forgets it when no view shows it', async () => {
    const { t, pages, list } = setup({ total: 10 })
    const detach = list.attach()
    await flushPromises()
    const before = pages().length
    t.emit({ type: 'batch', data: [{ connId: 1, dir: 'client', offset: 0, length: 10, preview: new Uint8Array() }] })
    await flushPromises({ frames: 1 })
    expect(pages().length).toBeGreaterThan(before)
    detach()
    const after = pages().length
    t.emit({ type: 'batch', data: [{ connId: 1, dir: 'client', offset: 10, length: 10, preview: new Uint8Array() }] })
    await flushPromises({ frames: 1 })
    expect(pages().length).toBe(after)
    expect(list.total).toBe(0)
  })
})
