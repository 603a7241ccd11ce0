// @vitest-environment jsdom
// The tab a selected connection opens in: until the person picks a tab, an HTTP connection
// opens in its HTTP tab (once decoding says it carries HTTP) and any other in the
// conversation; a tab the person picks is the one every connection opens in from then on,
// in this session and the next (the settings keep it). A tab shown by code (a link, a menu
// item) is neither overridden by the opening rule nor remembered.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CaptureInfo, ConnectionSummary } from '../../../../src/shared/capture-types'
import type { Protocol } from '../../../../src/shared/protocol-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { openingTab, useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const conn = (id: number, protocol?: Protocol): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
  target: '127.0.0.1:8080',
  openedAt: 0,
  bytes: { client: 10, server: 10 },
  fin: { client: true, server: true },
  end: 'closed',
  ...(protocol ? { protocol: { protocol } } : {})
})

const capture = (decoded: number): CaptureInfo => ({ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 3, live: true, decoded })

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

/** A fake engine whose connections carry `protocols` (by id); `protocols` may change as "decoding" goes on. */
function setup(protocols: Record<number, Protocol | undefined>) {
  const t = fakeTransport({ 'conn.get': ({ ids }) => ids.map((id) => conn(id, protocols[id])) })
  const engine = useEngineStore()
  engine.attach(t.transport)
  t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [capture(1)] })
  return { t, selection: useSelectionStore() }
}

describe('the tab a selected connection opens in', () => {
  it('is the HTTP tab for an HTTP connection and the conversation for any other, until the person picks one', async () => {
    const { selection } = setup({ 1: 'http1', 2: 'raw', 3: 'websocket' })
    expect(selection.tab).toBe('conversation')
    selection.select(1)
    await flushPromises()
    expect(selection.tab).toBe('http')
    selection.select(2)
    await flushPromises()
    expect(selection.tab).toBe('conversation')
    selection.select(3)
    await flushPromises()
    expect(selection.tab).toBe('conversation')
    selection.select(1)
    await flushPromises()
    expect(selection.tab).toBe('http')
  })

  it('waits for decoding to say what the connection carries', async () => {
    const protocols: Record<number, Protocol | undefined> = { 1: undefined }
    const { t, selection } = setup(protocols)
    selection.select(1)
    await flushPromises()
    expect(selection.tab).toBe('conversation')
    protocols[1] = 'http1'
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [capture(2)] })
    await flushPromises()
    expect(selection.tab).toBe('http')
  })

  it('gives way to a tab shown by code before the connection is known (a menu item, a link)', async () => {
    const { selection } = setup({ 1: 'http1', 2: 'raw' })
    selection.select(1)
    selection.tab = 'replay'
    await flushPromises()
    expect(selection.tab).toBe('replay')
    selection.select(2)
    selection.tab = 'websocket'
    await flushPromises()
    expect(selection.tab).toBe('websocket')
  })

  it('is the tab the person picked last, for every connection, and is not one shown by code', async () => {
    const { selection } = setup({ 1: 'http1', 2: 'http1', 3: 'raw' })
    selection.select(1)
    await flushPromises()
    selection.pickTab('hex')
    selection.select(2)
    await flushPromises()
    expect(selection.tab).toBe('hex')
    // The exchange list shows an exchange in the HTTP tab: the next connection opens in Hex again.
    selection.selectExchange(3, 0)
    expect(selection.tab).toBe('http')
    selection.select(1)
    await flushPromises()
    expect(selection.tab).toBe('hex')
    expect(useSettingsStore().detailTab).toBe('hex')
  })

  it('is remembered for the next session', async () => {
    setup({ 1: 'http1' }).selection.pickTab('flow')
    await flushPromises()
    setActivePinia(createPinia())
    const { selection } = setup({ 1: 'http1' })
    expect(selection.tab).toBe('flow')
    selection.select(1)
    await flushPromises()
    expect(selection.tab).toBe('flow')
  })

  it('ignores a remembered tab that is no tab', async () => {
    localStorage.setItem('tcpscope.settings', JSON.stringify({ detailTab: 'nonsense' }))
    const { selection } = setup({ 1: 'http1' })
    expect(selection.tab).toBe('conversation')
    selection.select(1)
    await flushPromises()
    expect(selection.tab).toBe('http')
  })

  it('is told by the protocol decoding found', () => {
    expect(openingTab(conn(1, 'http1'))).toBe('http')
    expect(openingTab(conn(1, 'tls'))).toBe('conversation')
    expect(openingTab(conn(1, 'unknown'))).toBeUndefined()
    expect(openingTab(conn(1))).toBeUndefined()
  })
})
