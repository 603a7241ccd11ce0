// @vitest-environment jsdom
// The placeholder view shows what the engine store holds, or says that there is no engine.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { useEngineStore } from '../../src/renderer/src/stores/engine'

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

describe('App', () => {
  it('says there is no engine outside the desktop app', () => {
    const wrapper = mount(App, { global: { plugins: [pinia] } })
    expect(wrapper.find('h1').text()).toBe('tcpscope')
    expect(wrapper.text()).toContain('Not connected to an engine')
  })

  it('lists proxies and connections as they arrive', async () => {
    const store = useEngineStore()
    store.attach({ onEvent: () => () => {} } as never)
    const wrapper = mount(App, { global: { plugins: [pinia] } })
    expect(wrapper.text()).toContain('No proxies yet.')

    store.applyEvent({
      type: 'snapshot',
      proxies: [{ id: 'p1', listen: '127.0.0.1:4000', target: 'example.com:80', state: 'listening', accepted: 1, active: 1 }],
      sessions: [],
      connections: [],
      capture: { path: '/tmp/run.tcap', size: 0, connections: 0, live: true }
    })
    store.applyEvent({
      type: 'conn-opened',
      conn: {
        id: 1,
        kind: 'proxy',
        ownerId: 'p1',
        client: { address: '127.0.0.1', port: 50123, family: 'IPv4' },
        target: 'example.com:80',
        openedAt: 0,
        bytes: { client: 0, server: 0 },
        fin: { client: false, server: false },
        end: 'open'
      }
    })
    store.applyEvent({ type: 'conn-data', connId: 1, dir: 'server', offset: 0, length: 2048, preview: new Uint8Array(4) })
    await nextTick()

    expect(wrapper.find('.proxies').text()).toContain('127.0.0.1:4000 → example.com:80')
    const row = wrapper.find('.connections tbody tr').findAll('td').map((td) => td.text())
    expect(row).toEqual(['1', '127.0.0.1:50123', 'example.com:80', '0 B', '2.00 KiB', 'open'])
    expect(wrapper.text()).toContain('recording to /tmp/run.tcap')
  })
})
