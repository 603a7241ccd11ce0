// @vitest-environment jsdom
// The detail tab bar: an HTTP connection opens on its HTTP tab; a tab the person picks with
// a click or the arrow keys is shown and remembered (the settings keep it), so the next
// connection opens in it; a tab not offered is not picked.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import DetailPane from '../../../../src/renderer/src/features/detail/DetailPane.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store'
import { fakeTransport } from '../../fake-transport'
import { conn } from '../http/http-fixtures'
import { flushPromises } from '../../../helpers/flush-promises'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

/** The tab bar, with connection 1 (HTTP) and 2 (raw) to select; the views themselves are left out. */
async function tabBar() {
  const t = fakeTransport({ 'conn.get': ({ ids }) => ids.map((id) => conn(id, id === 1 ? 'http1' : 'raw')) })
  useEngineStore().attach(t.transport)
  const views = ['ConversationView', 'HexView', 'TextView', 'HttpView', 'WebSocketView', 'FlowView', 'ReplayView', 'SessionComposer']
  const w = mount(DetailPane, { global: { plugins: [pinia, createAppI18n('en')], stubs: Object.fromEntries(views.map((v) => [v, true])) }, attachTo: document.body })
  mounted.push(w)
  const shown = (): string | undefined => w.find('[role="tab"][aria-selected="true"]').text()
  const tab = (name: string) => w.findAll('[role="tab"]').find((b) => b.text() === name)!
  const select = async (id: number): Promise<void> => {
    useSelectionStore().select(id)
    await flushPromises()
  }
  return { shown, tab, select, settings: useSettingsStore() }
}

describe('the detail tab bar', () => {
  it('opens an HTTP connection on its HTTP tab, until a tab is picked', async () => {
    const { shown, select, settings } = await tabBar()
    await select(1)
    expect(shown()).toBe('HTTP')
    await select(2)
    expect(shown()).toBe('Conversation')
    expect(settings.detailTab).toBeUndefined()
  })

  it('remembers a tab picked with a click, and the next connection opens in it', async () => {
    const { shown, tab, select, settings } = await tabBar()
    await select(1)
    await tab('Hex').trigger('click')
    expect(shown()).toBe('Hex')
    expect(settings.detailTab).toBe('hex')
    await select(2)
    await select(1)
    expect(shown()).toBe('Hex')
  })

  it('remembers a tab picked with the arrow keys', async () => {
    const { shown, tab, select, settings } = await tabBar()
    await select(1)
    // WebSocket is not offered to an HTTP/1.x connection: the arrow goes past it.
    await tab('HTTP').trigger('keydown', { key: 'ArrowRight' })
    expect(shown()).toBe('Flow')
    expect(settings.detailTab).toBe('flow')
    await select(2)
    expect(shown()).toBe('Flow')
    // A raw connection is offered its Messages (it may be decoded as something), not HTTP's views.
    await tab('Flow').trigger('keydown', { key: 'ArrowLeft' })
    expect(shown()).toBe('Messages')
    await tab('Messages').trigger('keydown', { key: 'ArrowLeft' })
    expect(shown()).toBe('Text')
    expect(settings.detailTab).toBe('text')
  })

  it('picks no tab that is not offered', async () => {
    const { shown, tab, select, settings } = await tabBar()
    await select(2)
    await tab('HTTP').trigger('click')
    expect(shown()).toBe('Conversation')
    expect(settings.detailTab).toBeUndefined()
  })
})

describe('the detail pane with no connection selected', () => {
  it('offers a new HTTP request, which opens the composer in the Replay tab', async () => {
    const t = fakeTransport({})
    useEngineStore().attach(t.transport)
    const w = mount(DetailPane, { global: { plugins: [pinia, createAppI18n('en')], stubs: { NewRequestPanel: { template: '<section aria-label="New HTTP request" />' } } }, attachTo: document.body })
    mounted.push(w)
    expect(w.text()).toContain('Select a connection to see its bytes.')
    expect(w.find('section[aria-label="New HTTP request"]').exists()).toBe(false)
    await w.findAll('button').find((b) => b.text() === 'New HTTP request')!.trigger('click')
    expect(w.find('[role="tab"][aria-selected="true"]').text()).toBe('Replay')
    expect(w.find('section[aria-label="New HTTP request"]').exists()).toBe(true)
  })
})
