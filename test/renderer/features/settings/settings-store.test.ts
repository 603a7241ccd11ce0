// @vitest-environment jsdom
// The window's layout kept by the engine as well as in localStorage (web mode's page gets
// a new origin, so an empty localStorage, each run): once the engine is there its copy is
// read and wins for the pane sizes, the lists' sort columns, the detail tab and the recent captures; a change goes
// back to it half a second after the last one, once, and never before its copy was read.
// What it holds that is not a layout is left out. A store not asked to follow leaves the
// engine alone.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { LAYOUT_WRITE_MS, useSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store'
import { layoutText, parseLayout } from '../../../../src/renderer/src/features/settings/layout-state'
import { useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { useExchangesStore } from '../../../../src/renderer/src/features/exchanges/exchanges-store'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

function engine(handlers: Handlers = {}) {
  const written: string[] = []
  const t = fakeTransport({ 'ui.state.set': ({ state }) => void written.push(state), ...handlers })
  return { t, written, attach: () => useEngineStore().attach(t.transport) }
}

/** A store following the engine's layout, whose copy is on its way until `answer` gives it. */
async function askedForLayout() {
  let give: (text: string | null) => void = () => undefined
  const e = engine({ 'ui.state.get': () => new Promise<string | null>((r) => (give = r)) })
  const settings = useSettingsStore()
  settings.followEngineLayout()
  e.attach()
  await flushPromises()
  return { e, settings, answer: (text: string | null) => give(text) }
}

describe('the layout kept by the engine', () => {
  it("wins over localStorage's once the engine is there; the rest of the settings stay", async () => {
    localStorage.setItem('tcpscope.settings', JSON.stringify({ theme: 'dark', panes: { main: [20, 80], right: [30, 70] }, detailTab: 'hex', recent: ['/a.tcap'] }))
    const e = engine({ 'ui.state.get': () => layoutText({ panes: { main: [35, 65] }, detailTab: 'http', recent: ['/b.tcap', '/a.tcap'] }) })
    const settings = useSettingsStore()
    settings.followEngineLayout()
    // The first paint is localStorage's.
    expect(settings.panes.main).toEqual([20, 80])
    e.attach()
    await flushPromises()
    expect(settings.panes).toEqual({ main: [35, 65], right: [30, 70] })
    expect(settings.detailTab).toBe('http')
    expect(settings.recent).toEqual(['/b.tcap', '/a.tcap'])
    expect(settings.theme).toBe('dark')
    // Reading it back is no change to write.
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS * 2)
    expect(e.written).toEqual([])
    // And localStorage has it too, for the next first paint.
    expect(JSON.parse(localStorage.getItem('tcpscope.settings')!).panes.main).toEqual([35, 65])
  })

  it('is written half a second after the last change, once', async () => {
    const e = engine({ 'ui.state.get': () => null })
    const settings = useSettingsStore()
    settings.followEngineLayout()
    e.attach()
    await flushPromises()
    for (const size of [22, 24, 26]) {
      settings.panes = { ...settings.panes, main: [size, 100 - size] }
      await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS / 2)
    }
    expect(e.written).toEqual([])
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS)
    expect(e.written).toHaveLength(1)
    expect(parseLayout(e.written[0])).toEqual({ panes: { main: [26, 74] }, sorts: {}, recent: [] })
    settings.detailTab = 'text'
    settings.rememberFile('/c.tcap')
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS)
    expect(e.written).toHaveLength(2)
    expect(parseLayout(e.written[1])).toEqual({ panes: { main: [26, 74] }, sorts: {}, detailTab: 'text', recent: ['/c.tcap'] })
  })

  it("is not written before the engine's copy is read, so this page's defaults never overwrite it; what the person changed meanwhile is kept, and written", async () => {
    const { e, settings, answer } = await askedForLayout()
    settings.panes = { main: [12, 88] }
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS * 2)
    expect(e.written).toEqual([])
    answer(layoutText({ panes: { main: [40, 60], right: [30, 70] }, detailTab: 'http' }))
    await flushPromises()
    // The splitter dragged while the engine was asked is newer than its copy; the rest is the copy's.
    expect(settings.panes).toEqual({ main: [12, 88], right: [30, 70] })
    expect(settings.detailTab).toBe('http')
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS)
    expect(e.written.map((w) => parseLayout(w))).toEqual([{ panes: { main: [12, 88], right: [30, 70] }, sorts: {}, detailTab: 'http', recent: [] }])
  })

  it("keeps the engine's recent captures, with a capture opened while it was asked first", async () => {
    const { e, settings, answer } = await askedForLayout()
    settings.rememberFile('/opened.tcap')
    answer(layoutText({ recent: ['/b.tcap', '/a.tcap'] }))
    await flushPromises()
    expect(settings.recent).toEqual(['/opened.tcap', '/b.tcap', '/a.tcap'])
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS)
    expect(e.written.map((w) => parseLayout(w).recent)).toEqual([['/opened.tcap', '/b.tcap', '/a.tcap']])
  })

  it('writes a change made while the engine was asked even when it kept no layout', async () => {
    const { e, settings, answer } = await askedForLayout()
    settings.sorts = { connections: { key: 'sent', descending: true } }
    answer(null)
    await flushPromises()
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS)
    expect(e.written.map((w) => parseLayout(w).sorts)).toEqual([{ connections: { key: 'sent', descending: true } }])
  })

  it('leaves out what is not a layout: bad JSON, another version, sizes out of range, wrong types', async () => {
    expect(parseLayout('{')).toEqual({})
    expect(parseLayout(null)).toEqual({})
    expect(parseLayout(JSON.stringify({ layout: 2, panes: { main: [1, 99] } }))).toEqual({})
    expect(parseLayout(JSON.stringify({ layout: 1, panes: { main: [30, 70], bad: [150, -50], worse: 'x' }, detailTab: 3, recent: ['/a', 4] }))).toEqual({ panes: { main: [30, 70] }, recent: ['/a'] })

    const e = engine({ 'ui.state.get': () => 'not json' })
    const settings = useSettingsStore()
    settings.followEngineLayout()
    settings.panes = { main: [25, 75] }
    e.attach()
    await flushPromises()
    expect(settings.panes.main).toEqual([25, 75])
  })

  it('is left alone by a store not asked to follow it', async () => {
    const e = engine({ 'ui.state.get': () => null })
    e.attach()
    const settings = useSettingsStore()
    await flushPromises()
    settings.panes = { main: [30, 70] }
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS * 2)
    expect(e.t.calls).toEqual([])
  })

  it("keeps each list's sort column: the engine's copy sets it, a list's change goes back, a column the list has not is ignored", async () => {
    expect(parseLayout(JSON.stringify({ layout: 1, sorts: { connections: { key: 'sent', descending: true }, bad: { key: 3 }, worse: 'x' } }))).toEqual({
      sorts: { connections: { key: 'sent', descending: true } }
    })
    const e = engine({ 'ui.state.get': () => layoutText({ sorts: { connections: { key: 'sent', descending: true }, exchanges: { key: 'nonsense', descending: true } } }) })
    const settings = useSettingsStore()
    settings.followEngineLayout()
    const list = useConnectionsStore()
    const exchanges = useExchangesStore()
    expect([list.sort, list.descending]).toEqual(['id', false])
    e.attach()
    await flushPromises()
    expect([list.sort, list.descending]).toEqual(['sent', true])
    // Not a column of the exchanges: their default stays.
    expect([exchanges.sort, exchanges.descending]).toEqual(['start', false])
    exchanges.sort = 'status'
    await vi.advanceTimersByTimeAsync(LAYOUT_WRITE_MS)
    expect(parseLayout(e.written.at(-1) ?? null).sorts).toEqual({ connections: { key: 'sent', descending: true }, exchanges: { key: 'status', descending: false } })
    expect(JSON.parse(localStorage.getItem('tcpscope.settings')!).sorts.exchanges).toEqual({ key: 'status', descending: false })

    // The next window (a new page, same localStorage) starts with them.
    setActivePinia(createPinia())
    expect(useExchangesStore().sort).toBe('status')
  })
})
