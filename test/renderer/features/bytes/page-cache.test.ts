// The byte views' page cache, over the fake transport: pages read once and shared, a bound
// on what it keeps, a growing stream's last page read again, nothing kept from a connection
// that is no longer selected.
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import { PageCache, type StreamRef } from '../../../../src/renderer/src/features/bytes/page-cache'
import { useBytePagesStore } from '../../../../src/renderer/src/features/bytes/byte-pages-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

/** A stream whose byte i is i & 0xff, `recorded` bytes long so far. */
function engineWith(recorded: { n: number }) {
  return fakeTransport({
    'conn.read': async ({ offset, length }) => {
      await new Promise((r) => setTimeout(r, 1))
      const end = Math.min(recorded.n, offset + length)
      return Uint8Array.from({ length: Math.max(0, end - offset) }, (_, i) => (offset + i) & 0xff)
    }
  })
}

const S: StreamRef = { capture: 'live', connId: 7, dir: 'client' }
const reads = (t: ReturnType<typeof fakeTransport>) => t.calls.filter((c) => c.cmd === 'conn.read').map((c) => (c.args as { offset: number }).offset)
const expected = (offset: number, length: number) => Uint8Array.from({ length }, (_, i) => (offset + i) & 0xff)

function cacheOver(t: ReturnType<typeof fakeTransport>, opts: { maxPages?: number } = {}) {
  let pages = 0
  const cache = new PageCache((s, offset, length) => t.transport.call('conn.read', { ...s, offset, length }), { pageSize: 16, ...opts, onPage: () => pages++ })
  return { cache, arrived: () => pages }
}

describe('PageCache', () => {
  it('reads the pages of a range once, and gives them back without asking again', async () => {
    const t = engineWith({ n: 100 })
    const { cache, arrived } = cacheOver(t)
    expect(cache.peek(S, 10, 30, 100)).toEqual(new Uint8Array(0))
    await cache.load(S, 10, 30, 100)
    expect(reads(t)).toEqual([0, 16, 32])
    expect(arrived()).toBe(3)
    expect(cache.peek(S, 10, 30, 100)).toEqual(expected(10, 30))
    await cache.load(S, 12, 20, 100)
    expect(reads(t)).toEqual([0, 16, 32])
  })

  it('shares one request between two views asking for the same page at once', async () => {
    const t = engineWith({ n: 100 })
    const { cache } = cacheOver(t)
    await Promise.all([cache.load(S, 0, 20, 100), cache.load(S, 5, 20, 100), cache.load(S, 16, 4, 100)])
    expect(reads(t)).toEqual([0, 16])
  })

  it('keeps at most maxPages pages, dropping the least recently used', async () => {
    const t = engineWith({ n: 10_000 })
    const { cache } = cacheOver(t, { maxPages: 4 })
    for (let p = 0; p < 10; p++) await cache.load(S, p * 16, 16, 10_000)
    expect(cache.size).toBe(4)
    // Page 6 used again is kept; page 7, now the oldest, goes when page 0 comes back.
    expect(cache.peek(S, 96, 16, 10_000)).toEqual(expected(96, 16))
    await cache.load(S, 0, 16, 10_000)
    expect(cache.size).toBe(4)
    expect(cache.has(S, 96, 16, 10_000)).toBe(true)
    expect(cache.has(S, 112, 16, 10_000)).toBe(false)
    await expect(cache.load(S, 0, 16 * 5, 10_000)).rejects.toThrow(/5 pages do not fit a cache of 4/)
  })

  it('reads a growing stream\'s last page again once the stream is longer than what it holds', async () => {
    const recorded = { n: 20 }
    const t = engineWith(recorded)
    const { cache } = cacheOver(t)
    await cache.load(S, 0, 32, 20)
    expect(cache.peek(S, 0, 32, 20)).toEqual(expected(0, 20))
    recorded.n = 30
    // Behind the new length: the old bytes still show, and the page is asked for again.
    expect(cache.peek(S, 0, 32, 30)).toEqual(expected(0, 20))
    expect(cache.has(S, 0, 32, 30)).toBe(false)
    await cache.load(S, 0, 32, 30)
    expect(reads(t)).toEqual([0, 16, 16])
    expect(cache.peek(S, 0, 32, 30)).toEqual(expected(0, 30))
  })

  it('drops what it had and what was on the way when cleared', async () => {
    const t = engineWith({ n: 100 })
    const { cache } = cacheOver(t)
    await cache.load(S, 0, 16, 100)
    const late = cache.load(S, 16, 16, 100)
    cache.clear()
    await late
    expect(cache.size).toBe(0)
    expect(cache.peek(S, 0, 32, 100)).toEqual(new Uint8Array(0))
  })
})

const conn = (id: number, client: number): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  target: '127.0.0.1:1',
  openedAt: 0,
  bytes: { client, server: 0 },
  fin: { client: false, server: false },
  end: 'open'
})

describe('the byte pages store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('reads the selected connection in the views\' direction, and forgets it when another is selected', async () => {
    const recorded = { n: 40_000 }
    const t = fakeTransport({
      'conn.get': ({ ids }) => ids.map((id) => conn(id, recorded.n)),
      'conn.read': ({ offset, length }) => expected(offset, Math.max(0, Math.min(recorded.n, offset + length) - offset))
    })
    useEngineStore().attach(t.transport)
    const selection = useSelectionStore()
    const pages = useBytePagesStore()
    selection.select(3)
    await flushPromises()
    const s = pages.stream!
    expect(s).toEqual({ capture: 'live', connId: 3, dir: 'client', total: 40_000 })
    await pages.load(s, 16_380, 10)
    expect(t.calls.filter((c) => c.cmd === 'conn.read').map((c) => c.args)).toEqual([
      { capture: 'live', connId: 3, dir: 'client', offset: 0, length: 16_384 },
      { capture: 'live', connId: 3, dir: 'client', offset: 16_384, length: 16_384 }
    ])
    expect(pages.peek(s, 16_380, 10)).toEqual(expected(16_380, 10))
    selection.select(4)
    await nextTick()
    expect(pages.peek(s, 16_380, 10)).toEqual(new Uint8Array(0))
  })
})
