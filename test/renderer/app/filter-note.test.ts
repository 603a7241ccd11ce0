// @vitest-environment jsdom
// Under the list's filter: how far a text: payload search got, with Stop, in each language.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import AppToolbar from '../../../src/renderer/src/app/AppToolbar.vue'
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
})
