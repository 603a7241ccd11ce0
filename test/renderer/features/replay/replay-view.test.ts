// @vitest-environment jsdom
// Which captured request the Replay tab replays: the exchange chosen in the HTTP tab (or the
// exchange list), which is also the one the HTTP tab shows when none was chosen there; else
// the connection's only exchange; else it asks for one to be chosen.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HttpExchange } from '../../../../src/shared/protocol-types'
import HttpView from '../../../../src/renderer/src/features/http/HttpView.vue'
import ReplayView from '../../../../src/renderer/src/features/replay/ReplayView.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { conn, fakeDecodingEngine, latin1, messageOf } from '../http/http-fixtures'
import { flushPromises } from '../../../helpers/flush-promises'

const REQUESTS = ['GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n', 'GET /second HTTP/1.1\r\nHost: a.test\r\n\r\n']
const RESPONSE = 'HTTP/1.1 204 No Content\r\n\r\n'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

/** Connection 5 with its first `n` requests (each answered), selected. */
async function selected(n: number) {
  let at = 0
  const exchanges = REQUESTS.slice(0, n).map((req, index): HttpExchange => {
    const request = messageOf('client', req, at, 0)
    at += req.length
    return { index, request, informational: [], response: messageOf('server', RESPONSE, index * RESPONSE.length, 0), state: 'complete' }
  })
  const t = fakeDecodingEngine(5, { protocol: 'http1', exchanges, streams: { client: latin1(REQUESTS.slice(0, n).join('')), server: latin1(RESPONSE.repeat(n)) } })
  useEngineStore().attach(t.transport)
  const selection = useSelectionStore()
  selection.select(5)
  await flushPromises()
  return selection
}

/** `view` of connection 5; the HTTP view's request and response panes are left out (what is chosen is the list's). */
async function show(view: typeof HttpView | typeof ReplayView): Promise<VueWrapper> {
  const global = { plugins: [pinia, createAppI18n('en')], stubs: { MessagePane: true } }
  const w: VueWrapper = mount(view, { props: { conn: conn(5, 'http1'), capture: 'live' }, global, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  // The replay's byte editor loads CodeMirror when it is mounted: its text is there after that.
  await vi.dynamicImportSettled()
  await flushPromises()
  return w
}

const replayed = (w: VueWrapper): string | undefined => w.find('section[aria-label^="Replay of request"]').attributes('aria-label')

describe('the request the Replay tab replays', () => {
  it('is the exchange chosen in the HTTP tab', async () => {
    const selection = await selected(2)
    const http = await show(HttpView)
    await http.findAll('[role="option"]')[1].trigger('click')
    expect(selection.exchange).toBe(1)
    http.unmount()
    const w = await show(ReplayView)
    expect(replayed(w)).toBe('Replay of request 2 of connection #5')
    expect(w.text()).toContain('GET /second')
  })

  it('is the exchange the HTTP tab showed, none chosen there', async () => {
    const selection = await selected(2)
    ;(await show(HttpView)).unmount()
    expect(selection.exchange).toBe(0)
    const w = await show(ReplayView)
    expect(replayed(w)).toBe('Replay of request 1 of connection #5')
  })

  it("is the connection's only exchange, none chosen", async () => {
    await selected(1)
    const w = await show(ReplayView)
    expect(replayed(w)).toBe('Replay of request 1 of connection #5')
    expect(w.text()).toContain('GET /first')
  })

  it('is asked for when the connection has more than one and none was chosen or shown', async () => {
    await selected(2)
    const w = await show(ReplayView)
    expect(w.find('section[aria-label^="Replay of request"]').exists()).toBe(false)
    expect(w.text()).toContain('Select an HTTP exchange (in the HTTP tab or the exchange list) to replay it.')
  })
})
