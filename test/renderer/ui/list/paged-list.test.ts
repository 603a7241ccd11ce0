// A long list paged from the engine: the pages on screen are fetched (with the one before,
// for the row above the first), a bounded number kept, and a live list refreshed through
// its last page, one refresh at a time.
import { describe, expect, it } from 'vitest'
import { pagedList } from '../../../../src/renderer/src/ui/list/paged-list'
import { flushPromises } from '../../../helpers/flush-promises'

function source(initial: number) {
  let total = initial
  const fetched: number[] = []
  const fetch = async (from: number, limit: number) => {
    fetched.push(from)
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - from)) }, (_, i) => `item ${from + i}`)
    return { total, items }
  }
  return { fetch, fetched, grow: (n: number) => (total += n) }
}

describe('paged list', () => {
  it('fetches the first page at once, then the pages on screen and the one before', async () => {
    const s = source(1000)
    const list = pagedList(s.fetch, { pageSize: 100, maxPages: 5 })
    await flushPromises()
    expect(list.total.value).toBe(1000)
    expect(list.loaded.value).toBe(true)
    expect(list.item(5)).toBe('item 5')
    expect(list.item(150)).toBeUndefined()
    list.show(500, 520)
    await flushPromises()
    expect(s.fetched).toEqual([0, 400, 500])
    expect(list.item(499)).toBe('item 499')
    expect(list.item(519)).toBe('item 519')
  })

  it('keeps a bounded number of pages, never one on screen', async () => {
    const s = source(10_000)
    const list = pagedList(s.fetch, { pageSize: 100, maxPages: 3 })
    for (let p = 10; p < 50; p += 10) {
      list.show(p * 100 + 50, p * 100 + 60)
      await flushPromises()
    }
    list.show(4050, 4060)
    await flushPromises()
    expect(list.item(4055)).toBe('item 4055')
    expect(list.item(1055)).toBeUndefined()
  })

  it('refreshes a growing list through its last page, and fetches pages it grew into on screen', async () => {
    const s = source(150)
    const list = pagedList(s.fetch, { pageSize: 100, maxPages: 10 })
    list.show(100, 150)
    await flushPromises()
    expect(list.item(149)).toBe('item 149')
    s.grow(100)
    list.show(100, 250)
    await list.refresh()
    expect(list.total.value).toBe(250)
    expect(list.item(249)).toBe('item 249')
  })

  it('runs one refresh at a time, and one more for changes that came during it', async () => {
    const s = source(10)
    const list = pagedList(s.fetch, { pageSize: 100, maxPages: 10 })
    await flushPromises()
    s.fetched.length = 0
    const first = list.refresh()
    const second = list.refresh()
    const third = list.refresh()
    expect(second).toBe(first)
    expect(third).toBe(first)
    await first
    expect(s.fetched).toEqual([0, 0])
  })

  it('says why a page failed', async () => {
    const list = pagedList(async () => {
      throw new Error('no connection #4 in this capture')
    }, { pageSize: 10, maxPages: 2 })
    await flushPromises()
    expect(list.error.value).toBe('no connection #4 in this capture')
    expect(list.loaded.value).toBe(false)
  })
})
