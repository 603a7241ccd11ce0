// @vitest-environment jsdom
// The status bar and the list agree on the filter: a word the engine refuses leaves the list
// empty, and the status bar says the filter was not applied rather than the capture's count,
// in each language.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import StatusBar from '../../../src/renderer/src/app/StatusBar.vue'
import ConnectionList from '../../../src/renderer/src/features/connections/ConnectionList.vue'
import { createAppI18n } from '../../../src/renderer/src/platform/i18n'
import { useConnectionsStore } from '../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../src/renderer/src/platform/engine-store'
import { UserError } from '../../../src/shared/errors'
import { fakeTransport } from '../fake-transport'
import { flushPromises } from '../../helpers/flush-promises'

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

describe('the status bar under a filter', () => {
  it.each([
    ['en', '8 connections', '3 of 8 connections', 'filter not applied (it has a mistake): 0 of 8 connections shown', 'The filter has a mistake and was not applied: see the note under it.'],
    ['zh-CN', '8 个连接', '3 / 8 个连接', '过滤条件有误，未应用：显示 0 / 8 个连接', '过滤条件有误，未应用：见过滤框下方的说明。']
  ] as const)('in %s says a refused filter is not applied, not the whole count', async (lang, all, matching, refused, emptyLine) => {
    const t = fakeTransport({
      'conn.page': ({ filter, offset }) => {
        if (filter === 'foo:bar') throw new UserError('unknown filter word "foo:": use port: state: or plain text')
        return { total: filter ? 3 : 8, of: 8, offset, rows: [] }
      }
    })
    useEngineStore().attach(t.transport)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 8, live: true }] })
    const list = useConnectionsStore()
    list.show(0, 30)
    const plugins = [pinia, createAppI18n(lang)]
    const bar = mount(StatusBar, { global: { plugins } })
    const grid = mount(ConnectionList, { global: { plugins } })
    const status = (): string => bar.get('[role=status]').text()
    const parts = (): string[] => bar.findAll('[role=status] > span').map((s) => s.text())
    await flushPromises()
    expect(status()).toContain(all)

    list.filter = 'port:6379'
    await flushPromises()
    expect(status()).toContain(matching)

    list.filter = 'foo:bar'
    await flushPromises()
    expect(list.error).toMatch(/foo:/)
    expect(status()).toContain(refused)
    expect(parts()).not.toContain(all)
    // The list says the same: not "no connection matches".
    expect(grid.text()).toContain(emptyLine)

    list.filter = ''
    await flushPromises()
    expect(status()).toContain(all)
    bar.unmount()
    grid.unmount()
  })
})
