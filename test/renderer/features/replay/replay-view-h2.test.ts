// @vitest-environment jsdom
// The Replay tab on an HTTP/2 connection: it offers the HTTP replay (not only the raw one),
// and the request opens in its text form, the pseudo-headers as its first lines.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import ReplayView from '../../../../src/renderer/src/features/replay/ReplayView.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { conn, fakeDecodingEngine } from '../http/http-fixtures'
import { flushPromises } from '../../../helpers/flush-promises'

const range = { dir: 'client' as const, offset: 24, length: 30 }
const h2 = (dir: 'client' | 'server', headers: Array<[string, string]>): HttpMessage => ({
  dir,
  startLine: '',
  startRange: range,
  version: 'HTTP/2',
  ...(dir === 'client' ? { method: 'GET', target: '/h2' } : { status: 200 }),
  headers: headers.map(([name, value]) => ({ name, value, range })),
  headRange: range,
  body: { framing: 'none', range, size: 0, complete: true },
  startedAt: 1
})
const exchange: HttpExchange = {
  index: 0,
  stream: 1,
  request: h2('client', [[':method', 'GET'], [':scheme', 'http'], [':authority', 'a.test'], [':path', '/h2'], ['accept', '*/*']]),
  response: h2('server', [[':status', '200']]),
  informational: [],
  state: 'complete'
}

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

describe('the Replay tab on an HTTP/2 connection', () => {
  it('replays its exchange over HTTP, the request shown pseudo-headers first', async () => {
    const t = fakeDecodingEngine(5, { protocol: 'http2', exchanges: [exchange], streams: { client: new Uint8Array(100), server: new Uint8Array(100) } })
    useEngineStore().attach(t.transport)
    useSelectionStore().select(5)
    await flushPromises()
    const w = mount(ReplayView, { props: { conn: conn(5, 'http2'), capture: 'live' }, global: { plugins: [pinia, createAppI18n('en')] }, attachTo: document.body })
    mounted.push(w)
    await flushPromises()
    // The byte editor loads CodeMirror when it is mounted: its text is there after that.
    await vi.dynamicImportSettled()
    await flushPromises()
    expect(w.find('section[aria-label^="Replay of request"]').attributes('aria-label')).toBe('Replay of request 1 of connection #5')
    expect(w.text()).toContain(':method: GET')
    expect(w.text()).toContain(':path: /h2')
    expect(t.calls.filter((c) => c.cmd === 'conn.read')).toEqual([])
  })
})
