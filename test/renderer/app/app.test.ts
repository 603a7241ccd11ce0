// @vitest-environment jsdom
// The window: says when the engine is away, lists proxies and a page of the selected capture,
// and the number keys pick only the detail tabs the selected connection offers (a tab picked
// is remembered); 0 picks the tenth tab (TLS), which 1-9 could not reach, and the shortcuts
// sheet says so in both languages.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../../src/renderer/src/app/App.vue'
import { createAppI18n } from '../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../src/renderer/src/features/connections/selection-store'
import { useSettingsStore } from '../../../src/renderer/src/features/settings/settings-store'
import type { ConnectionSummary } from '../../../src/shared/capture-types'
import { fakeTransport } from '../fake-transport'
import { flushPromises } from '../../helpers/flush-promises'

let pinia: Pinia
beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
})
// A window left mounted would still hear the keys the next test presses.
const mounted: VueWrapper[] = []
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

/** The list and the detail pane load after the window (App.vue): waits for them, then for the renders. */
async function settle(): Promise<void> {
  await vi.dynamicImportSettled()
  await flushPromises()
}

describe('App', () => {
  it('says when it is not connected to the engine', () => {
    const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n('en')] } })
    mounted.push(wrapper)
    expect(wrapper.find('[role=alert]').text()).toContain('Not connected to the engine')
  })

  it('lists proxies and a page of connections', async () => {
    const t = fakeTransport({
      'conn.page': ({ offset }) => ({
        total: 1,
        offset,
        rows: [{ id: 1, kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 5000, family: 'IPv4' }, target: '127.0.0.1:6379', openedAt: 0, bytes: { client: 5, server: 7 }, fin: { client: true, server: true }, end: 'closed' }]
      })
    })
    useEngineStore().attach(t.transport)
    const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n('en')] } })
    mounted.push(wrapper)
    t.emit({ type: 'snapshot', proxies: [{ id: 'p1', listen: '127.0.0.1:6380', target: '127.0.0.1:6379', state: 'listening', accepted: 1, active: 0 }], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 1, live: true }] })
    await settle()
    expect(wrapper.text()).toContain('127.0.0.1:6380')
    expect(wrapper.find('[role=grid]').attributes('aria-rowcount')).toBe('2')
  })

  it('keeps a disabled tab unchosen by its number key', async () => {
    // A TLS connection: no HTTP, no WebSocket.
    const conn: ConnectionSummary = { id: 1, kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 5000, family: 'IPv4' }, target: '127.0.0.1:443', openedAt: 0, bytes: { client: 5, server: 7 }, fin: { client: true, server: true }, end: 'closed', protocol: { protocol: 'tls' } }
    const t = fakeTransport({
      'conn.page': ({ offset }) => ({ total: 1, offset, rows: [conn] }),
      'conn.get': () => [conn]
    })
    useEngineStore().attach(t.transport)
    const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n('en')] }, attachTo: document.body })
    mounted.push(wrapper)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 1, live: true }] })
    await settle()
    const selection = useSelectionStore()
    selection.select(1)
    await flushPromises()
    const tab = (name: string) => wrapper.get(`[role=tab]#tab-${name}`)
    expect(tab('http').attributes('aria-disabled')).toBe('true')
    expect(tab('websocket').attributes('aria-disabled')).toBe('true')

    const press = async (key: string): Promise<void> => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
      await flushPromises()
    }
    await press('4')
    expect(selection.tab).toBe('conversation')
    await press('5')
    expect(selection.tab).toBe('conversation')
    expect(useSettingsStore().detailTab).toBeUndefined()
    await press('2')
    expect(selection.tab).toBe('hex')
    expect(useSettingsStore().detailTab).toBe('hex')
    await press('4')
    expect(selection.tab).toBe('hex')
    expect(tab('hex').attributes('aria-selected')).toBe('true')
  })

  it.for([
    ['en', 'Keyboard shortcuts', '0 for the tenth', 'Conversation, Hex', 'Replay, TLS'],
    ['zh-CN', '快捷键', '0 为第十个', '会话、十六进制', '重放、TLS']
  ] as const)('picks the tenth tab, TLS, with 0, as the shortcuts sheet says (%s)', async ([language, title, tenth, first, last]) => {
    // No connection selected: every tab is offered, TLS too.
    const t = fakeTransport({ 'conn.page': ({ offset }) => ({ total: 0, offset, rows: [] }) })
    useEngineStore().attach(t.transport)
    // The window speaks the language the settings keep.
    useSettingsStore().language = language
    const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
    mounted.push(wrapper)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 0, live: true }] })
    await settle()
    const press = async (key: string): Promise<void> => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
      await flushPromises()
    }
    const selected = (): string => wrapper.get('[role=tab][aria-selected=true]').text()
    await press('2')
    expect(selected()).not.toBe('TLS')
    await press('0')
    expect(selected()).toBe('TLS')
    expect(useSelectionStore().tab).toBe('tls')

    await press('?')
    // A <dialog>, named by its title.
    const sheet = wrapper.findAll('dialog').find((d) => d.attributes('aria-label') === title)
    expect(sheet).toBeDefined()
    const row = sheet!.findAll('tr').find((r) => r.text().includes(tenth))
    expect(row, 'the digit keys\' row').toBeDefined()
    expect(row!.get('kbd').text()).toBe('1 2 3 4 5 6 7 8 9 0')
    expect(row!.text()).toContain(first)
    expect(row!.text()).toContain(last)
  })
})
