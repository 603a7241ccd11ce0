// @vitest-environment jsdom
// The engine store follows the engine: a snapshot sets the state, later events update it.
import { createPinia, setActivePinia } from 'pinia'
import { isReactive } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../src/shared/capture-types'
import { commandNames, type EngineApi, type EngineEvent } from '../../src/shared/contract'
import type { ProxyInfo } from '../../src/shared/events'
import type { SessionInfo } from '../../src/shared/session-types'
import { useEngineStore } from '../../src/renderer/src/stores/engine'
import type { Transport } from '../../src/renderer/src/transport'

/** A transport whose events the test pushes; commands are not used by this store. */
function fakeTransport() {
  const listeners = new Set<(event: EngineEvent) => void>()
  const commands = Object.fromEntries(commandNames.map((name) => [name, () => Promise.reject(new Error(`${name} not faked`))]))
  const transport: Transport = {
    ...(commands as unknown as EngineApi),
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
  return { transport, listeners, emit: (event: EngineEvent) => listeners.forEach((l) => l(event)) }
}

const proxy = (over: Partial<ProxyInfo> = {}): ProxyInfo => ({
  id: 'p1',
  listen: '127.0.0.1:4000',
  target: 'example.com:80',
  state: 'listening',
  accepted: 0,
  active: 0,
  ...over
})

const conn = (id: number, over: Partial<ConnectionSummary> = {}): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 50000 + id, family: 'IPv4' },
  target: 'example.com:80',
  openedAt: 1_700_000_000_000,
  bytes: { client: 0, server: 0 },
  fin: { client: false, server: false },
  end: 'open',
  ...over
})

const server = (over: Partial<Extract<SessionInfo, { kind: 'server' }>> = {}): SessionInfo => ({
  id: 's1',
  kind: 'server',
  listen: '127.0.0.1:5000',
  state: 'listening',
  clients: [],
  paused: [],
  accepted: 0,
  refused: 0,
  behaviour: {},
  ...over
})

const capture = { path: '/tmp/c.tcap', size: 0, connections: 0, live: true }

beforeEach(() => setActivePinia(createPinia()))

describe('engine store', () => {
  it('starts empty and unattached', () => {
    const store = useEngineStore()
    expect(store.connected).toBe(false)
    expect(store.proxyList).toEqual([])
    expect(store.connectionList).toEqual([])
    expect(store.capture).toBeUndefined()
  })

  it('takes its whole state from a snapshot, replacing what it had', () => {
    const store = useEngineStore()
    const { transport, emit } = fakeTransport()
    store.attach(transport)
    expect(store.connected).toBe(true)
    emit({ type: 'snapshot', proxies: [proxy({ id: 'old' })], sessions: [], connections: [conn(9)], capture })
    emit({ type: 'snapshot', proxies: [proxy()], sessions: [server()], connections: [conn(1), conn(2)], capture: { ...capture, connections: 2 } })
    expect(store.proxyList.map((p) => p.id)).toEqual(['p1'])
    expect(store.sessionList.map((s) => s.id)).toEqual(['s1'])
    expect(store.connectionList.map((c) => c.id)).toEqual([1, 2])
    expect(store.capture?.connections).toBe(2)
  })

  it('applies proxy and connection events after the snapshot', () => {
    const store = useEngineStore()
    const { transport, emit } = fakeTransport()
    store.attach(transport)
    emit({ type: 'snapshot', proxies: [], sessions: [], connections: [], capture })

    emit({ type: 'proxy-started', proxy: proxy() })
    emit({ type: 'conn-opened', conn: conn(1) })
    emit({ type: 'conn-data', connId: 1, dir: 'client', offset: 0, length: 100, preview: new Uint8Array([1, 2]) })
    emit({ type: 'conn-data', connId: 1, dir: 'client', offset: 100, length: 50, preview: new Uint8Array([3]) })
    emit({ type: 'conn-data', connId: 1, dir: 'server', offset: 0, length: 7, preview: new Uint8Array([4]) })
    // A late, already counted chunk must not take the total back.
    emit({ type: 'conn-data', connId: 1, dir: 'client', offset: 0, length: 10, preview: new Uint8Array([1]) })
    expect(store.connections.get(1)?.bytes).toEqual({ client: 150, server: 7 })

    const closed = conn(1, { bytes: { client: 150, server: 7 }, fin: { client: true, server: true }, end: 'closed', closedAt: 1_700_000_000_500 })
    emit({ type: 'conn-event', event: { seq: 5, kind: 'close', time: 1_700_000_000_500, mono: 500 }, conn: closed })
    expect(store.connections.get(1)).toEqual(closed)

    emit({ type: 'proxy-stopped', proxy: proxy({ state: 'stopped', accepted: 1 }) })
    expect(store.proxyList).toEqual([proxy({ state: 'stopped', accepted: 1 })])

    emit({ type: 'session-updated', session: server() })
    emit({ type: 'session-updated', session: server({ clients: [2], accepted: 1 }) })
    expect(store.sessionList).toEqual([server({ clients: [2], accepted: 1 })])
  })

  it('ignores data for a connection it does not know', () => {
    const store = useEngineStore()
    store.applyEvent({ type: 'snapshot', proxies: [], sessions: [], connections: [], capture })
    store.applyEvent({ type: 'conn-data', connId: 42, dir: 'client', offset: 0, length: 1, preview: new Uint8Array(1) })
    expect(store.connectionList).toEqual([])
  })

  it('reports recording errors', () => {
    const store = useEngineStore()
    store.applyEvent({ type: 'snapshot', proxies: [], sessions: [], connections: [], capture: { ...capture, error: 'ENOSPC' } })
    expect(store.captureError).toBe('ENOSPC')
    store.applyEvent({ type: 'capture-error', message: 'disk full' })
    expect(store.captureError).toBe('disk full')
  })

  it('keeps the latest warnings, newest last', () => {
    const store = useEngineStore()
    for (let i = 1; i <= 25; i++) store.applyEvent({ type: 'warning', message: `warning ${i}` })
    expect(store.warnings).toHaveLength(20)
    expect(store.warnings[0]).toBe('warning 6')
    expect(store.warnings.at(-1)).toBe('warning 25')
  })

  it('updates computed lists as events arrive', () => {
    const store = useEngineStore()
    store.applyEvent({ type: 'snapshot', proxies: [], sessions: [], connections: [], capture })
    expect(store.connectionList).toHaveLength(0)
    store.applyEvent({ type: 'conn-opened', conn: conn(1) })
    expect(store.connectionList).toHaveLength(1)
    store.applyEvent({ type: 'conn-data', connId: 1, dir: 'server', offset: 0, length: 3, preview: new Uint8Array(3) })
    expect(store.connectionList[0].bytes.server).toBe(3)
  })

  it('keeps summaries out of deep reactivity', () => {
    const store = useEngineStore()
    store.applyEvent({ type: 'snapshot', proxies: [proxy()], sessions: [], connections: [conn(1)], capture })
    expect(isReactive(store.connections)).toBe(true)
    expect(isReactive(store.connections.get(1))).toBe(false)
    expect(isReactive(store.proxies.get('p1'))).toBe(false)
  })

  it('stops following the engine when detached', () => {
    const store = useEngineStore()
    const { transport, emit, listeners } = fakeTransport()
    const detach = store.attach(transport)
    detach()
    expect(listeners.size).toBe(0)
    expect(store.connected).toBe(false)
    emit({ type: 'conn-opened', conn: conn(1) })
    expect(store.connectionList).toEqual([])
  })
})
