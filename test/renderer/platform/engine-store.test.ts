// @vitest-environment jsdom
// The engine store follows the engine: a snapshot sets the state, batches update it, all
// batches that arrive within a frame applied together, and it says when the engine is gone.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { CaptureInfo } from '../../../src/shared/capture-types'
import type { ProxyInfo, Snapshot } from '../../../src/shared/events'
import type { InterceptedCommand } from '../../../src/shared/intercept-types'
import { OUTPUT_TAIL_BYTES } from '../../../src/shared/output-tail'
import { useEngineStore } from '../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../fake-transport'
import { flushPromises } from '../../helpers/flush-promises'

const proxy = (over: Partial<ProxyInfo> = {}): ProxyInfo => ({ id: 'p1', listen: '127.0.0.1:4000', target: 'example.com:80', state: 'listening', accepted: 0, active: 0, ...over })
const live = (over: Partial<CaptureInfo> = {}): CaptureInfo => ({ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 16, connections: 0, live: true, ...over })
const snapshot = (over: Partial<Snapshot> = {}): Snapshot => ({ type: 'snapshot', proxies: [], sessions: [], captures: [live()], ...over })

beforeEach(() => setActivePinia(createPinia()))

describe('engine store', () => {
  it("keeps each command's state and its output's tail, from the snapshot and the batches, until it is removed", async () => {
    const store = useEngineStore()
    const t = fakeTransport()
    store.attach(t.transport)
    const c1: InterceptedCommand = { commandId: 'c1', argv: ['curl', 'http://x/'], cwd: '/tmp', pid: 10, proxyId: 'p1', proxy: '127.0.0.1:1', interceptTls: false, state: 'running' }
    t.emit(snapshot({ commands: [c1], output: [{ commandId: 'c1', stream: 'stdout', text: 'x'.repeat(OUTPUT_TAIL_BYTES), dropped: 10 }] }))
    expect(store.commandList).toEqual([c1])
    t.emit({ type: 'batch', output: [{ commandId: 'c1', stream: 'stdout', text: 'end\n', dropped: 6 }, { commandId: 'c9', stream: 'stdout', text: 'late', dropped: 0 }] })
    t.emit({ type: 'batch', commands: [{ ...c1, state: 'exited', exitCode: 0 }] })
    await flushPromises({ frames: 1 })
    const out = store.commandOutput.get('c1')!.stdout
    expect(out.text.endsWith('xend\n')).toBe(true)
    expect(out.bytes).toBe(OUTPUT_TAIL_BYTES)
    expect(out.dropped).toBe(10 + 6 + 4)
    expect(store.commandOutput.has('c9')).toBe(false)
    expect(store.commandList).toEqual([{ ...c1, state: 'exited', exitCode: 0 }])
    t.emit({ type: 'batch', commands: [{ ...c1, state: 'removed' }] })
    await flushPromises({ frames: 1 })
    expect(store.commandList).toEqual([])
    expect(store.commandOutput.size).toBe(0)
  })

  it('starts unattached, and takes its whole state from a snapshot', () => {
    const store = useEngineStore()
    expect(store.connected).toBe(false)
    const t = fakeTransport()
    store.attach(t.transport)
    expect(store.connected).toBe(true)
    t.emit(snapshot({ proxies: [proxy()], captures: [live({ connections: 3 }), { ...live(), id: 'f1', name: 'old.tcap', live: false }] }))
    expect(store.proxyList).toEqual([proxy()])
    expect(store.captures.map((c) => c.id)).toEqual(['live', 'f1'])
    expect(store.liveCapture?.connections).toBe(3)
  })

  it('applies every batch that arrived within a frame once, on the frame', async () => {
    const store = useEngineStore()
    const t = fakeTransport()
    store.attach(t.transport)
    t.emit(snapshot())
    const before = store.liveChanges
    t.emit({ type: 'batch', proxies: [proxy({ accepted: 1 })], conns: [] })
    t.emit({ type: 'batch', proxies: [proxy({ accepted: 2 })], data: [{ connId: 4, dir: 'client', offset: 0, length: 5, preview: new Uint8Array(5) }] })
    expect(store.proxyList).toEqual([])
    await flushPromises({ frames: 1 })
    expect(store.proxyList).toEqual([proxy({ accepted: 2 })])
    expect(store.liveChanges).toBe(before + 1)
    expect([...store.changedConns]).toEqual([4])
  })

  it('in a hidden page (no animation frames) applies each batch as it comes, and those that waited for a frame when it was hidden', async () => {
    const store = useEngineStore()
    const t = fakeTransport()
    store.attach(t.transport)
    t.emit(snapshot())
    const frames = vi.spyOn(window, 'requestAnimationFrame').mockImplementation(() => 0)
    let state: DocumentVisibilityState = 'visible'
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => state)
    try {
      // Waits for a frame that does not come: the page goes to the background.
      t.emit({ type: 'batch', proxies: [proxy({ accepted: 1 })], conns: [] })
      expect(store.proxyList).toEqual([])
      state = 'hidden'
      document.dispatchEvent(new Event('visibilitychange'))
      expect(store.proxyList).toEqual([proxy({ accepted: 1 })])
      // Hidden: applied at once.
      t.emit({ type: 'batch', proxies: [proxy({ accepted: 2 })], conns: [] })
      expect(store.proxyList).toEqual([proxy({ accepted: 2 })])
    } finally {
      frames.mockRestore()
      visibility.mockRestore()
    }
  })

  it('keeps the latest 20 warnings, and recording errors', async () => {
    const store = useEngineStore()
    const t = fakeTransport()
    store.attach(t.transport)
    t.emit(snapshot({ captures: [live({ error: 'ENOSPC: no space left on device' })] }))
    expect(store.captureErrors).toEqual(['ENOSPC: no space left on device'])
    t.emit({ type: 'batch', warnings: Array.from({ length: 25 }, (_, i) => `w${i}`) })
    await flushPromises({ frames: 1 })
    expect(store.warnings).toHaveLength(20)
    expect(store.warnings.at(-1)).toBe('w24')
  })

  it('says when the engine goes away, and stops following when detached', () => {
    const store = useEngineStore()
    const t = fakeTransport()
    const detach = store.attach(t.transport)
    t.close('the connection to tcpscope was lost')
    expect(store.connected).toBe(false)
    expect(store.closedReason).toBe('the connection to tcpscope was lost')
    detach()
    expect(t.listeners.size).toBe(0)
  })

  it('drops batches queued before a new snapshot', async () => {
    vi.useRealTimers()
    const store = useEngineStore()
    const t = fakeTransport()
    store.attach(t.transport)
    t.emit({ type: 'batch', proxies: [proxy({ id: 'p9' })] })
    t.emit(snapshot({ proxies: [proxy()] }))
    await flushPromises({ frames: 1 })
    expect(store.proxyList.map((p) => p.id)).toEqual(['p1'])
  })
})
