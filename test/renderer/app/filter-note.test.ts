// @vitest-environment jsdom
// Under the list's filter: how far a text: payload search got, with Stop, in each language;
// a search said at once, before the engine's first answer (which can take seconds), and the
// mistake and the count of the filter before it gone as soon as the new one is sent.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import AppToolbar from '../../../src/renderer/src/app/AppToolbar.vue'
import StatusBar from '../../../src/renderer/src/app/StatusBar.vue'
import { UserError } from '../../../src/shared/errors'
import ConnectionList from '../../../src/renderer/src/features/connections/ConnectionList.vue'
import { createAppI18n } from '../../../src/renderer/src/platform/i18n'
import { useConnectionsStore } from '../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../fake-transport'
import { flushPromises } from '../../helpers/flush-promises'

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

describe('the filter note', () => {
  it.each([
    ['en', 'Filter hint', 'stauts:200 is read as a host and its port: did you mean status:200?', '0 of 23 connections'],
    ['zh-CN', '过滤提示', '“stauts:200” 被当作主机和端口：你要写的是不是 status:200？', '0 / 23 个连接']
  ] as const)("in %s says the engine's hint beside an empty list, as a note: the filter is applied, nothing is refused", async (lang, name, said, none) => {
    const hint = 'stauts:200 is read as a host and its port: did you mean status:200?'
    const t = fakeTransport({
      'conn.page': ({ filter, offset }) => (filter === 'stauts:200' ? { total: 0, of: 23, offset, rows: [], hints: [hint] } : { total: 5, of: 23, offset, rows: [] })
    })
    useEngineStore().attach(t.transport)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 23, live: true }] })
    const list = useConnectionsStore()
    list.show(0, 30)
    const plugins = [pinia, createAppI18n(lang)]
    const toolbar = mount(AppToolbar, { global: { plugins }, attachTo: document.body })
    const bar = mount(StatusBar, { global: { plugins } })
    const input = toolbar.get('input[type=search]')

    list.filter = 'stauts:200'
    await flushPromises()
    const note = toolbar.get(`[role=status][aria-label="${name}"]`)
    expect(note.text()).toBe(said)
    // Read with the filter; no mistake: the words were applied and matched nothing.
    expect(input.attributes('aria-describedby')?.split(' ')).toContain(note.attributes('id'))
    expect(input.attributes('aria-invalid')).toBe('false')
    expect(toolbar.find('[role=alert]').exists()).toBe(false)
    expect(bar.get('[role=status]').text()).toContain(none)

    // A filter with no doubt: the hint goes with the one it was about.
    list.filter = 'port:80'
    await flushPromises()
    expect(toolbar.find(`[aria-label="${name}"]`).exists()).toBe(false)
    expect(input.attributes('aria-describedby')).toBeUndefined()
    toolbar.unmount()
    bar.unmount()
  })

  it.each([
    ['en', 'Searching payloads: 1,200 of 5,000 connections', 'Stop search', 'Payload search stopped after 1,200 of 5,000 connections', 'Searching payloads…', 'No connection matches the filter.'],
    ['zh-CN', '正在搜索负载：已查 1,200 / 5,000 个连接', '停止搜索', '负载搜索已停止：已查 1,200 / 5,000 个连接', '正在搜索负载…', '没有匹配过滤条件的连接。']
  ] as const)('in %s says how far a payload search got, and Stop stops it', async (lang, scanning, stop, stopped, empty, none) => {
    const t = fakeTransport({ 'conn.page': ({ offset }) => ({ total: 0, of: 5000, offset, rows: [], scan: { done: 1200, of: 5000 } }) })
    useEngineStore().attach(t.transport)
    const list = useConnectionsStore()
    list.show(0, 30)
    const wrapper = mount(AppToolbar, { global: { plugins: [pinia, createAppI18n(lang)] }, attachTo: document.body })
    const grid = mount(ConnectionList, { global: { plugins: [pinia, createAppI18n(lang)] } })
    list.filter = 'text:GET'
    await flushPromises()
    const note = wrapper.find('[role=status]')
    expect(note.text()).toContain(scanning)
    // The list, empty so far, says it is still searching rather than that nothing matches.
    expect(grid.text()).toContain(empty)
    await wrapper.findAll('button').find((b) => b.text() === stop)!.trigger('click')
    await flushPromises()
    expect(wrapper.find('[role=status]').text()).toBe(stopped)
    expect(list.scan?.stopped).toBe(true)
    expect(grid.text()).toContain(none)
    wrapper.unmount()
    grid.unmount()
  })

  it.each([
    ['en', '5 of 23 connections', 'Searching payloads…', 'searching the payloads of 23 connections…', 'Stop search', 'filtering 23 connections…', 'Payload search stopped after 0 of 23 connections'],
    ['zh-CN', '5 / 23 个连接', '正在搜索负载…', '正在搜索 23 个连接的负载…', '停止搜索', '正在过滤 23 个连接…', '负载搜索已停止：已查 0 / 23 个连接']
  ] as const)('in %s says a search at once, and drops the old count and the old mistake as soon as a filter is sent', async (lang, five, starting, searching, stop, filtering, stopped) => {
    // The engine answers a text: search (and a plain word) only when the test lets it.
    const answers: Array<() => void> = []
    const t = fakeTransport({
      'conn.page': ({ filter, offset }) => {
        if (filter === 'methd:GET') throw new UserError('unknown filter word "methd:": did you mean method:?')
        if (filter === 'port:80') return { total: 5, of: 23, offset, rows: [] }
        return new Promise((resolve) => answers.push(() => resolve({ total: 2, of: 23, offset, rows: [] })))
      }
    })
    useEngineStore().attach(t.transport)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 23, live: true }] })
    const list = useConnectionsStore()
    list.show(0, 30)
    const plugins = [pinia, createAppI18n(lang)]
    const toolbar = mount(AppToolbar, { global: { plugins }, attachTo: document.body })
    const bar = mount(StatusBar, { global: { plugins } })
    const grid = mount(ConnectionList, { global: { plugins } })
    const status = (): string => bar.get('[role=status]').text()
    const input = toolbar.get('input[type=search]')

    list.filter = 'port:80'
    await flushPromises()
    expect(status()).toContain(five)

    // A text: word: said at once, with Stop; not the old count, not placeholder rows of it.
    list.filter = 'text:python'
    await flushPromises()
    expect(answers.length).toBeGreaterThan(0)
    expect(toolbar.get('#filter-note').text()).toContain(starting)
    expect(toolbar.findAll('button').some((b) => b.text() === stop)).toBe(true)
    expect(status()).toContain(searching)
    expect(status()).not.toContain(five)
    expect(grid.text()).toContain(starting)
    expect(grid.findAll('[role=rowgroup] [role=row][aria-busy=true]')).toHaveLength(0)
    answers.splice(0).forEach((answer) => answer())
    await flushPromises()
    expect(toolbar.find('#filter-note').exists()).toBe(false)
    expect(status()).toContain(lang === 'en' ? '2 of 23 connections' : '2 / 23 个连接')

    // A mistake, then a good filter: the mistake goes when the good one is sent.
    list.filter = 'methd:GET'
    await flushPromises()
    expect(toolbar.get('[role=alert]').text()).toContain('methd:')
    expect(input.attributes('aria-invalid')).toBe('true')
    list.filter = 'nginx'
    await flushPromises()
    expect(answers.length).toBeGreaterThan(0)
    expect(toolbar.find('[role=alert]').exists()).toBe(false)
    expect(input.attributes('aria-invalid')).toBe('false')
    expect(status()).toContain(filtering)
    answers.splice(0).forEach((answer) => answer())
    await flushPromises()
    expect(status()).toContain(lang === 'en' ? '2 of 23 connections' : '2 / 23 个连接')

    // Stopped before its first answer: nothing found, said so; the late answer changes nothing.
    list.filter = 'text:zzzz'
    await flushPromises()
    await toolbar.findAll('button').find((b) => b.text() === stop)!.trigger('click')
    await flushPromises()
    expect(toolbar.get('#filter-note').text()).toBe(stopped)
    answers.splice(0).forEach((answer) => answer())
    await flushPromises()
    expect(toolbar.get('#filter-note').text()).toBe(stopped)
    expect(list.total).toBe(0)
    toolbar.unmount()
    bar.unmount()
    grid.unmount()
  })
})
