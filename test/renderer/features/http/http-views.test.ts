// @vitest-environment jsdom
// The HTTP and WebSocket views as components over a fake engine: the exchange list (pending
// and interim responses shown), request and response with start lines and headers as sent,
// the body by its type (JSON pretty-printed and folded by keys, HTML as its source with its
// script never run, a form as fields, an image as a blob: preview), a decoding problem next
// to what decoded, the raw head with CR and LF named; choosing a header, a start line or a
// body shows its bytes in every view. The WebSocket view lists messages and shows one whole.
// The detail tabs offer the protocol views only to connections that carry the protocol.
import { mount, type VueWrapper } from '@vue/test-utils'
import iconv from 'iconv-lite'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HttpExchange, WsMessage } from '../../../../src/shared/protocol-types'
import DetailPane from '../../../../src/renderer/src/features/detail/DetailPane.vue'
import HttpView from '../../../../src/renderer/src/features/http/HttpView.vue'
import WebSocketView from '../../../../src/renderer/src/features/websocket/WebSocketView.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { conn, fakeDecodingEngine, latin1, messageOf, settle, T, type FakeConnection } from './http-fixtures'
import { mountHttpView } from './mount-http-view'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
  vi.unstubAllGlobals()
})

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

const REQ1 = 'POST /api/items?x=1 HTTP/1.1\r\nHost: example.test\r\nX-Dup: a\r\nx-dup: b\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\nExpect: 100-continue\r\n\r\n'
const FORM = 'name=Zo%C3%AB&n=2'
const CONT = 'HTTP/1.1 100 Continue\r\n\r\n'
const RES1 = 'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Encoding: gzip\r\nContent-Length: 40\r\n\r\n'
const JSON_BODY = '{"ok":true,"items":[{"id":1},{"id":2}],"n":12345678901234567890}'
const REQ2 = 'GET /page HTTP/1.1\r\nHost: example.test\r\n\r\n'
const RES2 = 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 60\r\n\r\n'
const HTML = '<html><script>document.title = "ran"; window.ran = 1</script></html>'
const REQ3 = 'GET /broken HTTP/1.1\r\nHost: example.test\r\n\r\n'
const RES3 = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: 30\r\n\r\n'
const REQ4 = 'GET /logo.png HTTP/1.1\r\nHost: example.test\r\n\r\n'
const RES4 = 'HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 8\r\n\r\n'
const REQ5 = 'GET /slow HTTP/1.1\r\nHost: example.test\r\n\r\n'

function http1(): FakeConnection {
  const c = latin1(REQ1 + FORM + REQ2 + REQ3 + REQ4 + REQ5)
  const s = latin1(CONT + RES1 + 'x'.repeat(40) + RES2 + HTML + RES3 + 'y'.repeat(30) + RES4 + '\x89PNG\r\n\x1a\n')
  let ca = 0
  let sa = 0
  const ex = (index: number, req: string, reqBody: number, res: string | undefined, resBody: number, interim?: string): HttpExchange => {
    const request = messageOf('client', req, ca, reqBody)
    ca += req.length + reqBody
    const informational = interim ? [messageOf('server', interim, sa, 0)] : []
    sa += interim?.length ?? 0
    const response = res ? messageOf('server', res, sa, resBody) : undefined
    sa += (res?.length ?? 0) + resBody
    return { index, request, informational, ...(response ? { response } : {}), state: response ? 'complete' : 'pending' }
  }
  return {
    protocol: 'http1',
    exchanges: [ex(0, REQ1, FORM.length, RES1, 40, CONT), ex(1, REQ2, 0, RES2, 60), ex(2, REQ3, 0, RES3, 30), ex(3, REQ4, 0, RES4, 8), ex(4, REQ5, 0, undefined, 0)],
    bodies: {
      '0:request': { content: enc(FORM) },
      '0:response': { content: enc(JSON_BODY), decoded: ['gzip'] },
      '1:response': { content: enc(HTML) },
      '2:response': { content: enc('hello, wor'), decoded: ['gzip'], problem: { message: 'incorrect header check', offset: 10 } },
      '3:response': { content: latin1('\x89PNG\r\n\x1a\n') }
    },
    streams: { client: c, server: s }
  }
}

async function mountView(component: unknown, c: FakeConnection, language: 'en' | 'zh-CN' = 'en') {
  setActivePinia(pinia)
  const t = fakeDecodingEngine(5, c)
  useEngineStore().attach(t.transport)
  const selection = useSelectionStore()
  selection.select(5)
  await settle()
  const w = mount(component as Parameters<typeof mount>[0], {
    props: { conn: selection.conn, capture: 'live' },
    global: { plugins: [pinia, createAppI18n(language)] },
    attachTo: document.body
  } as never)
  mounted.push(w)
  await settle()
  await nextTick()
  return { w, selection, t }
}

const byLabel = (w: VueWrapper, label: string) => w.find(`[aria-label="${label}"]`)

describe('the HTTP view', () => {
  it('lists the exchanges: method, target, status, interim responses and pending ones', async () => {
    const { w } = await mountView(HttpView, http1())
    const list = w.get('[role="listbox"]')
    expect(list.attributes('aria-label')).toBe('HTTP exchanges (5)')
    expect(w.findAll('[role="option"]').map((o) => o.attributes('aria-label'))).toEqual([
      '1: POST /api/items?x=1, 100 → 200, 17 B, 40 B, 12:00:00.000, 26 ms, HTTP/1.1',
      '2: GET /page, 200, 0 B, 60 B, 12:00:00.180, < 1 ms, HTTP/1.1',
      '3: GET /broken, 200, 0 B, 30 B, 12:00:00.222, 78 ms, HTTP/1.1',
      '4: GET /logo.png, 200, 0 B, 8 B, 12:00:00.266, 153 ms, HTTP/1.1',
      '5: GET /slow, pending, 0 B, 12:00:00.312, HTTP/1.1'
    ])
    expect(w.findAll('[role="option"]')[0].attributes('aria-selected')).toBe('true')
  })

  it('shows the request and the response: start lines, headers in their case and order with duplicates, the form and the JSON', async () => {
    const { w } = await mountView(HttpView, http1())
    const req = byLabel(w, 'Request headers')
    expect(req.findAll('tr').map((r) => r.findAll('td').map((d) => d.text()))).toEqual([
      [],
      ['Host', 'example.test'],
      ['X-Dup', 'a'],
      ['x-dup', 'b'],
      ['Content-Type', 'application/x-www-form-urlencoded'],
      ['Content-Length', '13'],
      ['Expect', '100-continue']
    ])
    expect(byLabel(w, 'Start line POST /api/items?x=1 HTTP/1.1: show its bytes').exists()).toBe(true)
    expect(byLabel(w, 'Interim response HTTP/1.1 100 Continue: show its bytes').exists()).toBe(true)
    expect(byLabel(w, 'Start line HTTP/1.1 200 OK: show its bytes').exists()).toBe(true)
    expect(byLabel(w, 'Form fields').findAll('tbody tr').map((r) => r.findAll('td').map((d) => d.text()))).toEqual([
      ['name', 'Zoë'],
      ['n', '2']
    ])
    // JSON: pretty-printed from its tokens, every digit kept.
    const tree = byLabel(w, 'JSON body')
    expect(tree.attributes('role')).toBe('tree')
    expect(tree.findAll('[role="treeitem"]').map((l) => l.text())).toEqual([
      '▾{',
      '"ok": true,',
      '▾"items": [',
      '▾{',
      '"id": 1',
      '},',
      '▾{',
      '"id": 2',
      '}',
      '],',
      '"n": 12345678901234567890',
      '}'
    ])
    expect(w.text()).toContain('gzip decoded: 64 B')
  })

  it('folds and unfolds JSON from the keyboard', async () => {
    const { w } = await mountView(HttpView, http1())
    const items = () => byLabel(w, 'JSON body').findAll('[role="treeitem"]')
    const items2 = items()[2]
    expect(items2.attributes('aria-expanded')).toBe('true')
    await items2.trigger('focusin')
    await items2.trigger('keydown', { key: 'ArrowLeft' })
    expect(items().map((l) => l.text())).toEqual(['▾{', '"ok": true,', '▸"items": [ 2 items ],', '"n": 12345678901234567890', '}'])
    expect(items()[2].attributes('aria-expanded')).toBe('false')
    await items()[2].trigger('keydown', { key: 'Enter' })
    expect(items()).toHaveLength(12)
  })

  it('shows the bytes of a header, a start line and a body in every view', async () => {
    const { w, selection } = await mountView(HttpView, http1())
    const c = http1().exchanges![0]
    await byLabel(w, 'Request headers').findAll('tbody tr')[2].trigger('click')
    expect(selection.range).toEqual(c.request!.headers[2].range)
    expect(selection.dir).toBe('client')
    await byLabel(w, 'Start line HTTP/1.1 200 OK: show its bytes').trigger('click')
    expect(selection.range).toEqual(c.response!.startRange)
    expect(selection.dir).toBe('server')
    const body = w.findAll('button').find((b) => b.attributes('aria-label')?.startsWith('Body (Content-Length · 40 B · gzip decoded'))!
    await body.trigger('click')
    expect(selection.range).toEqual(c.response!.body.range)
    // Keys in the headers table: down to the next field, Enter shows it.
    const rows = byLabel(w, 'Request headers').findAll('tbody tr')
    ;(rows[2].element as HTMLElement).focus()
    await rows[2].trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(rows[3].element)
    await rows[3].trigger('keydown', { key: 'Enter' })
    expect(selection.range).toEqual(c.request!.headers[3].range)
  })

  it('moves between exchanges with the keys; HTML is its source, and its script never runs', async () => {
    document.title = 'tcpscope'
    const { w, selection } = await mountView(HttpView, http1())
    await w.get('[role="listbox"]').trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect(selection.exchange).toBe(1)
    // Enter goes to the exchange: its response's first line.
    await w.get('[role="listbox"]').trigger('keydown', { key: 'Enter' })
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Start line HTTP/1.1 200 OK: show its bytes')
    expect(w.text()).toContain('<html><script>document.title = "ran"; window.ran = 1</script></html>')
    expect(document.querySelectorAll('script')).toHaveLength(0)
    expect(document.title).toBe('tcpscope')
    expect((window as unknown as { ran?: number }).ran).toBeUndefined()
  })

  it('says where decoding stopped, next to what decoded', async () => {
    const { w } = await mountView(HttpView, http1())
    await w.get('[role="listbox"]').trigger('keydown', { key: 'End' })
    await w.get('[role="listbox"]').trigger('keydown', { key: 'ArrowUp' })
    await w.get('[role="listbox"]').trigger('keydown', { key: 'ArrowUp' })
    await settle()
    expect(w.text()).toContain('Decoding stopped at content offset 10: incorrect header check')
    expect(w.text()).toContain('hello, wor')
  })

  it('previews an image from a blob: URL of its bytes, and says a pending exchange waits', async () => {
    const urls: Blob[] = []
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (b: Blob) => (urls.push(b), 'blob:preview-1'), revokeObjectURL: () => {} }))
    const { w, selection } = await mountView(HttpView, http1())
    selection.exchange = 3
    await settle()
    await nextTick()
    const img = w.get('img')
    expect(img.attributes('src')).toBe('blob:preview-1')
    expect(img.attributes('alt')).toBe('Image (image/png)')
    expect(urls[0].type).toBe('image/png')
    selection.exchange = 4
    await settle()
    await nextTick()
    expect(w.text()).toContain('Pending: no response yet.')
  })

  it('shows the raw head with CR and LF named, in Chinese too', async () => {
    const { w } = await mountView(HttpView, http1(), 'zh-CN')
    const show = w.findAll('button').filter((b) => b.text().startsWith('显示原始头部'))
    expect(show).toHaveLength(2)
    await show[0].trigger('click')
    await settle()
    expect(show[0].attributes('aria-expanded')).toBe('true')
    expect(w.text()).toContain('POST /api/items?x=1 HTTP/1.1CRLF')
    expect(byLabel(w, '请求标头').exists()).toBe(true)
  })

  it('reads a text body in the charset its Content-Type names (GBK here)', async () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=GBK\r\nContent-Length: 10\r\n\r\n'
    const gbk = Uint8Array.from(iconv.encode('你好，世界', 'gbk'))
    const { w } = await mountView(HttpView, {
      exchanges: [{ index: 0, request: messageOf('client', REQ2, 0, 0), informational: [], response: messageOf('server', head, 0, gbk.length), state: 'complete' }],
      bodies: { '0:response': { content: gbk } }
    })
    expect(w.text()).toContain('你好，世界')
  })

  it('sends an upgraded exchange\'s reader on to the WebSocket view', async () => {
    const up = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'
    const { w, selection } = await mountView(HttpView, {
      protocol: 'websocket',
      exchanges: [{ index: 0, request: messageOf('client', REQ2, 0, 0), informational: [], response: messageOf('server', up, 0, 0), state: 'upgraded', upgrade: 'websocket' }]
    })
    expect(w.get('[role="option"]').attributes('aria-label')).toBe('1: GET /page, 101 → websocket, 0 B, 12:00:00.000, 1 ms, HTTP/1.1')
    await w.findAll('button').find((b) => b.text() === 'Its messages are in the WebSocket view')!.trigger('click')
    expect(selection.tab).toBe('websocket')
  })

  it('says why a body could not be read, and offers to try again', async () => {
    const c = http1()
    const t = fakeDecodingEngine(5, c, {
      'http.body': () => {
        throw new Error('capture closed')
      }
    })
    const { w } = await mountHttpView(pinia, t.transport, mounted, 'en')
    expect(w.text()).toContain('capture closed')
    expect(w.text()).not.toContain('Loading…')
    expect(w.findAll('button').filter((b) => b.text() === 'Load more').length).toBeGreaterThan(0)
  })

  it('says above a body the engine cut short that it did, and reads the bytes as sent when asked, by pages', async () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 70000\r\n\r\n'
    const note = 'stopped decoding at 1.02 MiB: it expands over 1000:1 (gzip 97.7 KiB), past the 100:1 allowed; showing the first 1.02 MiB'
    const cut = { reason: 'ratio' as const, kept: 1_070_000, decoded: 1_070_000, limit: 64 * 1024 * 1024, consumed: 1000, sentSize: 100_000, codings: ['gzip'] }
    const sent = Uint8Array.from({ length: 70_000 }, (_, i) => (i === 0 ? 0x1f : i === 1 ? 0x8b : 0x41))
    const { w, t } = await mountView(HttpView, {
      exchanges: [{ index: 0, request: messageOf('client', REQ2, 0, 0), informational: [], response: messageOf('server', head, 0, sent.length), state: 'complete' }],
      bodies: { '0:response': { content: new Uint8Array(100_000), sent, decoded: ['gzip'], cut, note, pretty: false } }
    })
    const response = byLabel(w, 'Response')
    const line = response.get('[role="status"]')
    expect(line.get('span').text()).toBe(`Body cut short: ${note}`)
    // Not pretty-printed: the engine said so.
    expect(response.find('[role="tree"]').exists()).toBe(false)
    expect(response.text()).toMatch(/64(\.0)? KiB of … shown\./)
    await line.get('button').trigger('click')
    await settle()
    const bodyReads = () => t.calls.filter((c) => c.cmd === 'http.body').map((c) => c.args)
    expect(bodyReads().at(-1)).toMatchObject({ decode: false, offset: 0 })
    expect(response.get('pre').text().split('\n')[0]).toBe('0000  1f 8b 41 41 41 41 41 41  41 41 41 41 41 41 41 41  ..AAAAAAAAAAAAAA')
    expect(response.text()).toMatch(/64(\.0)? KiB of 68\.4 KiB shown\./)
    await response.findAll('button').find((b) => b.text() === 'Load more')!.trigger('click')
    await settle()
    expect(bodyReads().at(-1)).toMatchObject({ decode: false, offset: 64 * 1024 })
    expect(response.text()).not.toContain('Load more')
  })

  it.each([
    ['en', 'The body ended after 1000 B of 97.7 KiB: the server reset the connection.', 'Load more', '1: GET /r, 200 · incomplete, 0 B, 1000 B'],
    ['zh-CN', '正文在 1000 B 处中断（应有 97.7 KiB）：服务器重置了连接。', '加载更多', '1 GET /r 200 · 不完整']
  ] as const)('in %s says a response cut off by a reset ended there, and offers no more to load', async (lang, ended, more, row) => {
    // The server promised 100000 bytes, sent 1000, then reset: the capture holds 1000.
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n'
    const response = messageOf('server', head, 0, 1000)
    response.body.complete = false
    const sent = new Uint8Array(1000).fill(0x78)
    const t = fakeDecodingEngine(
      5,
      { exchanges: [{ index: 0, request: messageOf('client', 'GET /r HTTP/1.1\r\nHost: example.test\r\n\r\n', 0, 0), informational: [], response, state: 'incomplete' }] },
      {
        'conn.get': () => [{ ...conn(5), end: 'server-reset' as const }],
        'http.body': ({ offset, length }) => ({ bytes: sent.slice(offset, offset + length), offset, total: 100_000, end: false, decoded: [] })
      }
    )
    const { w } = await mountHttpView(pinia, t.transport, mounted, lang)
    const pane = byLabel(w, lang === 'en' ? 'Response' : '响应')
    expect(pane.text()).toContain(ended)
    expect(pane.findAll('button').some((b) => b.text() === more)).toBe(false)
    // Its row says it did not complete, beside its status.
    expect(w.get('[role="option"]').attributes('aria-label')).toContain(row)
    // One read found all there is: none asked again for bytes that do not exist.
    expect(t.calls.filter((c) => c.cmd === 'http.body')).toHaveLength(1)
  })

  it('shows JSON as text when the engine says the pretty view does not apply', async () => {
    const c = http1()
    c.bodies!['0:response'] = { ...c.bodies!['0:response'], pretty: false }
    const { w } = await mountView(HttpView, c)
    expect(byLabel(w, 'JSON body').exists()).toBe(false)
    expect(byLabel(w, 'Response').text()).toContain('{"ok":true,"items":[{"id":1},{"id":2}],"n":12345678901234567890}')
  })

  it('says so when the connection carries no HTTP', async () => {
    const { w } = await mountView(HttpView, { protocol: 'raw', exchanges: [] })
    expect(w.text()).toContain('This connection carries no HTTP (raw bytes).')
  })
})

describe('the WebSocket view', () => {
  const message = (index: number, m: Partial<WsMessage>): WsMessage => ({
    index,
    dir: 'client',
    opcode: 'text',
    frames: 1,
    range: { dir: 'client', offset: 200 + index * 20, length: 20 },
    size: 5,
    compressed: false,
    masked: true,
    preview: enc('hello'),
    complete: true,
    startedAt: T + index,
    ...m
  })
  const ws = (): FakeConnection => ({
    protocol: 'websocket',
    messages: [
      message(0, {}),
      message(1, { dir: 'server', compressed: true, masked: false, preview: enc('{"n":1}'), size: 7 }),
      message(2, { opcode: 'binary', preview: new Uint8Array([0xde, 0xad]), size: 2 }),
      message(3, { opcode: 'ping', preview: new Uint8Array(0), size: 0 }),
      message(4, { opcode: 'close', dir: 'server', closeCode: 1000, closeReason: 'bye', preview: enc('\x03\xe8bye'), size: 5 })
    ],
    payloads: { 0: enc('hello'), 1: enc('{"n":1}'), 2: new Uint8Array([0xde, 0xad]), 4: enc('\x03\xe8bye') }
  })

  it('lists messages by direction with their type and size, and shows one whole with its frames in hex', async () => {
    const { w, selection } = await mountView(WebSocketView, ws())
    const options = w.findAll('[role="option"]')
    expect(options.map((o) => o.attributes('aria-label'))).toEqual([
      'client → server: 1, 12:00:00.000, text, 5 B, hello',
      'server → client: 2, 12:00:00.001, text, 7 B, deflate, {"n":1}',
      'client → server: 3, 12:00:00.002, binary, 2 B, de ad',
      'client → server: 4, 12:00:00.003, ping, 0 B',
      'server → client: 5, 12:00:00.004, close, 5 B, 1000 bye'
    ])
    expect(options[1].classes()).toContain('dir-server')
    await options[1].trigger('click')
    await settle()
    expect(selection.range).toEqual({ dir: 'client', offset: 220, length: 20 })
    expect(byLabel(w, 'Message payload').text()).toContain('compressed (permessage-deflate)')
    expect(byLabel(w, 'Message payload').text()).toContain('{"n":1}')
    await w.get('[role="listbox"]').trigger('keydown', { key: 'End' })
    await settle()
    expect(byLabel(w, 'Message payload').text()).toContain('Close code 1000, reason: bye')
    await w.get('[role="listbox"]').trigger('keydown', { key: 'Enter' })
    expect(document.activeElement?.textContent?.trim()).toBe('Show its frames in hex')
  })
})

describe('the detail tabs', () => {
  async function tabsFor(protocol: 'http1' | 'websocket' | 'raw') {
    // A view a previous test left mounting makes its own store set the active one.
    setActivePinia(pinia)
    const t = fakeDecodingEngine(5, { protocol })
    useEngineStore().attach(t.transport)
    const selection = useSelectionStore()
    selection.select(5)
    await settle()
    const w = mount(DetailPane, { global: { plugins: [pinia, createAppI18n('en')] }, attachTo: document.body })
    mounted.push(w)
    await nextTick()
    const tab = (name: string) => w.findAll('[role="tab"]').find((b) => b.text() === name)!
    return { w, selection, tab }
  }

  it('offer HTTP to HTTP/1.x connections, WebSocket only to WebSocket ones, and the arrows skip the rest', async () => {
    const { selection, tab } = await tabsFor('raw')
    expect(conn(5, 'raw').protocol?.protocol).toBe('raw')
    expect(tab('HTTP').attributes('aria-disabled')).toBe('true')
    expect(tab('WebSocket').attributes('aria-disabled')).toBe('true')
    await tab('HTTP').trigger('click')
    expect(selection.tab).toBe('conversation')
    selection.tab = 'text'
    await nextTick()
    // HTTP, WebSocket and H2 frames are skipped; Messages is offered to every raw connection (Decode as… starts there).
    await tab('Text').trigger('keydown', { key: 'ArrowRight' })
    expect(selection.tab).toBe('messages')
    await nextTick()
    await tab('Messages').trigger('keydown', { key: 'ArrowRight' })
    expect(selection.tab).toBe('flow')
  })

  it('offer both to a WebSocket connection', async () => {
    const { selection, tab } = await tabsFor('websocket')
    expect(tab('HTTP').attributes('aria-disabled')).toBeUndefined()
    await tab('WebSocket').trigger('click')
    expect(selection.tab).toBe('websocket')
  })
})
