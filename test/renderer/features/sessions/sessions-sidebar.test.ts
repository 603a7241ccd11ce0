// @vitest-environment jsdom
// The sidebar as a person uses it: each proxy, server and client is named by the id the
// list's owner column shows; a stopped one keeps its settings and a Restart button; stopping
// one with open connections asks whether to close them, in English and in Chinese. A row's
// button toggles the list's filter to what it owns; a recorded server's only shows its
// connection, so it is no toggle.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import SessionsSidebar from '../../../../src/renderer/src/features/sessions/SessionsSidebar.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import type { ProxyInfo } from '../../../../src/shared/events'
import type { ClientSessionInfo, ServerSessionInfo } from '../../../../src/shared/session-types'
import type { RecordedServerInfo } from '../../../../src/shared/replay-types'
import { useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const proxy = (over: Partial<ProxyInfo> = {}): ProxyInfo => ({ id: 'p1', listen: '127.0.0.1:4000', target: '127.0.0.1:6379', state: 'listening', accepted: 3, active: 2, ...over })
const server = (over: Partial<ServerSessionInfo> = {}): ServerSessionInfo => ({
  id: 's1',
  kind: 'server',
  listen: '127.0.0.1:9000',
  state: 'listening',
  clients: [4],
  paused: [],
  accepted: 1,
  refused: 0,
  behaviour: { echo: true },
  intervals: [],
  ...over
})
const client = (over: Partial<ClientSessionInfo> = {}): ClientSessionInfo => ({ id: 'c1', kind: 'client', target: '127.0.0.1:9000', state: 'open', connId: 5, intervals: [], ...over })

const mounted: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

const recordedServer: RecordedServerInfo = { id: 'r1', listen: '127.0.0.1:5000', capture: 'live', connId: 3, turns: 2, clients: 1, open: 0 }

function setup(locale: 'en' | 'zh-CN', proxies: ProxyInfo[], sessions: Array<ServerSessionInfo | ClientSessionInfo>, recorded: RecordedServerInfo[] = []) {
  const t = fakeTransport({
    'replay.servers': () => recorded,
    'replay.stop': () => [],
    'proxy.stop': () => undefined,
    'proxy.restart': ({ proxyId }) => ({ ...proxies.find((p) => p.id === proxyId)!, state: 'listening' }),
    'proxy.remove': () => undefined,
    'server.stop': () => undefined,
    'server.restart': ({ serverId }) => ({ ...(sessions.find((s) => s.id === serverId) as ServerSessionInfo), state: 'listening' })
  })
  const engine = useEngineStore()
  engine.attach(t.transport)
  t.emit({ type: 'snapshot', proxies, sessions, captures: [] })
  const w = mount(SessionsSidebar, { global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  // The recorded servers' section asked for its list, and the proxies' for their traffic rules, as they mounted; these tests look at the rest.
  for (let i = t.calls.length - 1; i >= 0; i--) if (t.calls[i].cmd === 'replay.servers' || t.calls[i].cmd === 'rules.list') t.calls.splice(i, 1)
  return { w, calls: t.calls }
}

const button = (w: VueWrapper, name: string) => {
  const b = w.findAll('button').find((x) => x.attributes('aria-label') === name || x.text() === name)
  if (!b) throw new Error(`no button "${name}" among ${w.findAll('button').map((x) => x.attributes('aria-label') ?? x.text()).join(', ')}`)
  return b
}
const dialog = () => document.querySelector('dialog')
/** A row's own button, named by its id and address. */
const item = (w: VueWrapper, id: string) => {
  const b = w.findAll('button').find((x) => x.text().startsWith(`${id} `))
  if (!b) throw new Error(`no item "${id}"`)
  return b
}
describe('sessions sidebar', () => {
  it("names each item by the id of the list's owner column", () => {
    const { w } = setup('en', [proxy()], [server(), client()])
    const items = w.findAll('button[aria-pressed]').map((b) => b.text())
    expect(items[0]).toMatch(/^p1\s+127\.0\.0\.1:4000/)
    expect(items[1]).toMatch(/^s1\s+127\.0\.0\.1:9000/)
    expect(items[2]).toMatch(/^c1\s+127\.0\.0\.1:9000/)
  })

  it('restarts a stopped proxy and server with a Restart button', async () => {
    const { w, calls } = setup('en', [proxy({ state: 'stopped', active: 0 })], [server({ state: 'stopped', clients: [] })])
    await button(w, 'Restart proxy 127.0.0.1:4000').trigger('click')
    await button(w, 'Restart server 127.0.0.1:9000').trigger('click')
    await flushPromises()
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['proxy.restart', { proxyId: 'p1' }],
      ['server.restart', { serverId: 's1' }]
    ])
  })

  it('removes a stopped proxy, named in either language; a listening one has no Remove', async () => {
    const { w, calls } = setup('en', [proxy({ state: 'stopped', active: 0 }), proxy({ id: 'p2', listen: '127.0.0.1:4001' })], [])
    expect(w.findAll('button').some((b) => b.attributes('aria-label') === 'Remove proxy 127.0.0.1:4001')).toBe(false)
    await button(w, 'Remove proxy 127.0.0.1:4000').trigger('click')
    await flushPromises()
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([['proxy.remove', { proxyId: 'p1' }]])
    w.unmount()
    const zh = setup('zh-CN', [proxy({ state: 'stopped', active: 0 })], [])
    expect(button(zh.w, '移除代理 127.0.0.1:4000').attributes('title')).toBe('移除代理 127.0.0.1:4000')
  })

  it('asks before stopping a proxy with open connections, and stops as answered', async () => {
    const { w, calls } = setup('en', [proxy()], [])
    await button(w, 'Stop proxy 127.0.0.1:4000').trigger('click')
    expect(calls).toEqual([])
    expect(dialog()?.getAttribute('aria-label')).toBe('Stop proxy 127.0.0.1:4000?')
    expect(dialog()?.textContent).toContain('It has 2 open connections')
    ;(dialog()!.querySelector('button[type=submit]') as HTMLButtonElement).click()
    await flushPromises()
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([['proxy.stop', { proxyId: 'p1', closeConnections: true }]])
    expect(dialog()).toBeNull()
  })

  it('asks in Chinese too; keeping the connections stops only the listener, and an empty one stops at once', async () => {
    const { w, calls } = setup('zh-CN', [proxy({ id: 'p2', listen: '127.0.0.1:4001', active: 0 })], [server()])
    await button(w, '停止服务器 127.0.0.1:9000').trigger('click')
    expect(dialog()?.getAttribute('aria-label')).toBe('停止服务器 127.0.0.1:9000？')
    const keep = [...dialog()!.querySelectorAll('button')].find((b) => b.textContent?.trim() === '停止，保留连接')!
    keep.click()
    await flushPromises()
    await button(w, '停止代理 127.0.0.1:4001').trigger('click')
    await flushPromises()
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['server.stop', { serverId: 's1', closeClients: false }],
      ['proxy.stop', { proxyId: 'p2', closeConnections: false }]
    ])
  })

  it("toggles the list to what a row owns; a recorded server's row shows its connection and is no toggle", async () => {
    const { w, calls } = setup('en', [proxy()], [client()], [recordedServer])
    await flushPromises()
    const list = useConnectionsStore()
    expect(item(w, 'p1').attributes('aria-pressed')).toBe('false')
    await item(w, 'p1').trigger('click')
    expect(list.filter).toBe('owner:p1')
    expect(item(w, 'p1').attributes('aria-pressed')).toBe('true')
    expect(item(w, 'c1').attributes('aria-pressed')).toBe('false')
    await item(w, 'p1').trigger('click')
    expect(list.filter).toBe('')
    expect(item(w, 'p1').attributes('aria-pressed')).toBe('false')

    expect(item(w, 'r1').text()).toMatch(/^r1\s+127\.0\.0\.1:5000\s*#3 · 2 turns\s*1 client$/)
    expect(item(w, 'r1').attributes('aria-pressed')).toBeUndefined()
    await button(w, 'Stop the recorded server on 127.0.0.1:5000').trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.cmd === 'replay.stop').map((c) => c.args)).toEqual([{ id: 'r1' }])
    const report = w.find('[role=group]')
    expect(report.attributes('aria-label')).toBe('What the clients of 127.0.0.1:5000 did')
    await button(w, 'Dismiss the report of 127.0.0.1:5000').trigger('click')
    expect(w.find('[role=group]').exists()).toBe(false)
  })
})
