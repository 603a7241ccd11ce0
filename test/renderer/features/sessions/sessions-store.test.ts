// @vitest-environment jsdom
// The sessions store fills two gaps of the engine's events: a proxy's counts are asked for
// again (once, however many batches) a moment after live connections change; a client
// closed here is forgotten, as the engine forgets it. A client connected here becomes the
// selection, so the composer is ready for it.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ProxyInfo } from '../../../../src/shared/events'
import type { ClientSessionInfo } from '../../../../src/shared/session-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { PROXY_COUNTS_MS, useSessionsStore } from '../../../../src/renderer/src/features/sessions/sessions-store'
import { fakeTransport } from '../../fake-transport'

const proxy = (over: Partial<ProxyInfo> = {}): ProxyInfo => ({ id: 'p1', listen: '127.0.0.1:4000', target: '127.0.0.1:6379', state: 'listening', accepted: 0, active: 0, ...over })
const client = (over: Partial<ClientSessionInfo> = {}): ClientSessionInfo => ({ id: 'c1', kind: 'client', target: '127.0.0.1:9000', state: 'open', connId: 3, intervals: [], ...over })
const connBatch = { type: 'batch' as const, conns: [] }

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('sessions store', () => {
  it("asks for a listening proxy's counts once a moment after connections change", async () => {
    const t = fakeTransport({ 'proxy.list': () => [proxy({ accepted: 5, active: 2 })] })
    const engine = useEngineStore()
    engine.attach(t.transport)
    useSessionsStore()
    engine.applyBatches([{ type: 'batch', proxies: [proxy()] }])
    for (let i = 0; i < 5; i++) {
      engine.applyBatches([connBatch])
      await vi.advanceTimersByTimeAsync(10)
    }
    expect(t.calls.filter((c) => c.cmd === 'proxy.list')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(PROXY_COUNTS_MS)
    expect(t.calls.filter((c) => c.cmd === 'proxy.list')).toHaveLength(1)
    expect(engine.proxyList).toEqual([proxy({ accepted: 5, active: 2 })])
  })

  it('asks nothing while no proxy listens', async () => {
    const t = fakeTransport({ 'proxy.list': () => [] })
    const engine = useEngineStore()
    engine.attach(t.transport)
    useSessionsStore()
    engine.applyBatches([{ type: 'batch', proxies: [proxy({ state: 'stopped' })] }, connBatch])
    await vi.advanceTimersByTimeAsync(PROXY_COUNTS_MS * 2)
    expect(t.calls).toEqual([])
  })

  it('selects the connection of a client it connects or reconnects, and forgets a client it closes', async () => {
    const t = fakeTransport({
      'client.connect': () => client(),
      'client.reconnect': () => client({ connId: 8 }),
      'client.close': () => undefined,
      'conn.get': () => []
    })
    const engine = useEngineStore()
    engine.attach(t.transport)
    const sessions = useSessionsStore()
    const selection = useSelectionStore()
    await sessions.connectClient({ target: '127.0.0.1:9000' })
    expect(selection.connId).toBe(3)
    engine.applyBatches([{ type: 'batch', sessions: [client()] }])
    expect(sessions.clients.map((c) => c.id)).toEqual(['c1'])
    await sessions.reconnect('c1')
    expect(selection.connId).toBe(8)
    await sessions.closeClient('c1')
    expect(sessions.clients).toEqual([])
    expect(engine.sessionList.map((s) => s.id)).toEqual(['c1'])
  })
})
