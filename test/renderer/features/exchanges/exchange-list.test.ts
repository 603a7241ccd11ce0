// @vitest-environment jsdom
// The exchange list and the connection list's new cells as components over a fake engine:
// the exchange list's columns and the order chosen from their headers (by click and by key),
// a chosen row opening its exchange in the HTTP view, the arrow keys; the connection list's
// protocol and Info cells as Wireshark writes them; the context menu from the keyboard, with
// every item named, in English and in Chinese.
import type { VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { CommandArgs } from '../../../../src/shared/contract'
import type { ExchangeRow, ProtocolSummary } from '../../../../src/shared/protocol-types'
import ConnectionList from '../../../../src/renderer/src/features/connections/ConnectionList.vue'
import ExchangeList from '../../../../src/renderer/src/features/exchanges/ExchangeList.vue'
import { protocolInfo, protocolLabel } from '../../../../src/renderer/src/features/exchanges/protocol-info'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useExchangesStore } from '../../../../src/renderer/src/features/exchanges/exchanges-store'
import { QUIET_MS } from '../../../../src/renderer/src/ui/useFilterWords'
import { fakeTransport } from '../../fake-transport'
import { settle, useViewport } from '../../viewport'
import { LIST_T0, listRow } from '../connections/list-rows'

const { mountView } = useViewport({ clientHeight: 400, clientWidth: 1000 })
afterEach(() => {
  vi.useRealTimers()
})

const T = LIST_T0
const row = (i: number): ExchangeRow => ({
  connId: 10 + Math.floor(i / 2),
  index: i % 2,
  method: i % 3 ? 'GET' : 'POST',
  host: 'api.example.com',
  path: `/items/${i}?q=1`,
  status: i === 1 ? 404 : i === 2 ? undefined : 200,
  contentType: 'application/json; charset=utf-8',
  requestSize: i % 3 ? 0 : 20,
  responseSize: 3174,
  startedAt: T + i,
  duration: i === 2 ? undefined : 12,
  state: i === 2 ? 'pending' : 'complete'
})

const http: ProtocolSummary = { protocol: 'http1', exchanges: 4, first: { method: 'GET', target: '/api/items', status: 200, contentType: 'application/json; charset=utf-8', size: 3174 } }
const conn = (id: number, protocol?: ProtocolSummary): ConnectionSummary => listRow(id, protocol ? { protocol } : {})

function engineWith(total = 500) {
  const t = fakeTransport({
    'exchange.page': ({ offset, limit }: CommandArgs<'exchange.page'>) => ({
      total,
      of: total,
      offset,
      rows: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, k) => row(offset + k))
    }),
    'conn.page': ({ offset }) => ({
      total: 4,
      offset,
      rows: [conn(1, http), conn(2, { protocol: 'websocket', exchanges: 1, messages: 42 }), conn(3), conn(4, { protocol: 'raw' })]
    }),
    'conn.get': ({ ids }) => ids.map((id) => conn(id, http))
  })
  useEngineStore().attach(t.transport)
  return t
}

const text = (w: { text(): string }): string => w.text().replace(/\s+/g, ' ').trim()
const cells = (w: VueWrapper, n: number): string[] =>
  w.findAll('[role=rowgroup] [role=row]')[n].findAll('[role=gridcell]').map((c) => text(c))

describe('the exchange list', () => {
  it('shows each exchange as devtools do, and a chosen row opens its exchange in the HTTP view', async () => {
    const t = engineWith()
    const w = mountView(ExchangeList)
    await settle()
    expect(w.get('[role=grid]').attributes('aria-label')).toBe('HTTP exchanges')
    expect(w.findAll('[role=columnheader]').map((h) => text(h))).toEqual(['method', 'host', 'path', 'status', 'type', '↑ request', '↓ response', 'start ▴', 'duration', 'protocol', 'conn'])
    expect(cells(w, 1)).toEqual(['GET', 'api.example.com', '/items/1?q=1', '404', 'application/json', '0 B', '3.10 KiB', '12:00:00.001', '12 ms', 'HTTP/1.1', '10'])
    expect(cells(w, 2)[3]).toBe('pending')
    expect(text(w.get('[role=status]'))).toBe('500 of 500 exchanges')
    // Never more than a page or two asked for.
    expect(t.calls.filter((c) => c.cmd === 'exchange.page').length).toBeLessThanOrEqual(2)

    await w.findAll('[role=rowgroup] [role=row]')[3].trigger('click')
    const selection = useSelectionStore()
    expect([selection.connId, selection.exchange, selection.tab]).toEqual([11, 1, 'http'])
    expect(w.findAll('[role=rowgroup] [role=row]')[3].attributes('aria-selected')).toBe('true')
    const grid = w.get('[role=grid]')
    await grid.trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect([selection.connId, selection.exchange]).toEqual([12, 0])
    expect(w.emitted('open')).toBeUndefined()
    await grid.trigger('keydown', { key: 'Enter' })
    expect(w.emitted('open')).toHaveLength(1)
  })

  it('sorts by a header chosen by click or by key, and asks the engine with its filter words', async () => {
    const t = engineWith()
    const w = mountView(ExchangeList)
    await settle()
    const status = w.get('button[aria-label="Sort by status"]')
    await status.trigger('click')
    await settle()
    expect(t.calls.at(-1)?.args).toMatchObject({ sort: 'status', descending: false, offset: 0 })
    expect(w.get('[role=columnheader][aria-sort=ascending]').text()).toContain('status')
    await status.trigger('click')
    await settle()
    expect(t.calls.at(-1)?.args).toMatchObject({ sort: 'status', descending: true })
    // A button: Enter and Space press it, as everywhere.
    expect(status.element.tagName).toBe('BUTTON')
    // The engine is asked once typing stops (on a fake clock), not at every key.
    vi.useFakeTimers()
    const asked = t.calls.length
    await w.get('input[type=search]').setValue('status:4xx path:/items')
    await vi.advanceTimersByTimeAsync(QUIET_MS - 1)
    expect(t.calls).toHaveLength(asked)
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(t.calls.at(-1)?.args).toMatchObject({ filter: 'status:4xx path:/items' })
    expect(w.get('input[type=search]').attributes('aria-label')).toBe('Filter exchanges')
  })

  it.each([
    ['en', 'Filter hint', 'stauts: is read as a host: did you mean status:?', '0 of 500 exchanges'],
    ['zh-CN', '过滤提示', '“stauts:” 被当作主机名：你要写的是不是 status:？', '0 / 500 个交换']
  ] as const)("in %s says the engine's hint beside an empty list, as a note: the filter is applied, nothing is refused", async (lang, name, said, none) => {
    const t = fakeTransport({
      'exchange.page': ({ filter, offset }: CommandArgs<'exchange.page'>) =>
        filter === 'stauts:' ? { total: 0, of: 500, offset, rows: [], hints: ['stauts: is read as a host: did you mean status:?'] } : { total: 500, of: 500, offset, rows: [row(0)] }
    })
    useEngineStore().attach(t.transport)
    const w = mountView(ExchangeList, { locale: lang })
    await settle()
    useExchangesStore().filter = 'stauts:'
    await settle()
    const note = w.get(`[role=status][aria-label="${name}"]`)
    expect(text(note)).toBe(said)
    const input = w.get('input[type=search]')
    expect(input.attributes('aria-describedby')).toBe(note.attributes('id'))
    expect(input.attributes('aria-invalid')).toBe('false')
    expect(w.find('[role=alert]').exists()).toBe(false)
    expect(text(w.get('[role=status]:not([aria-label])'))).toBe(none)
    useExchangesStore().filter = 'status:200'
    await settle()
    expect(w.find(`[aria-label="${name}"]`).exists()).toBe(false)
  })

  it('opens the context menu from the keyboard, every action named, in Chinese too', async () => {
    engineWith()
    const w = mountView(ExchangeList, { locale: 'zh-CN' })
    await settle()
    expect(w.get('[role=grid]').attributes('aria-label')).toBe('HTTP 交换')
    await w.findAll('[role=rowgroup] [role=row]')[0].trigger('click')
    const grid = w.get('[role=grid]')
    ;(grid.element as HTMLElement).focus()
    await grid.trigger('keydown', { key: 'F10', shiftKey: true })
    await settle()
    const menu = document.querySelector('[role=menu]')!
    expect(menu.getAttribute('aria-label')).toBe('操作')
    expect([...menu.querySelectorAll('[role=menuitem]')].map((i) => i.textContent!.trim())).toEqual([
      '复制为 curl',
      '复制为 curl（目标实际收到的，经规则处理后）',
      '模拟这个响应…',
      '改写类似的请求…',
      '将连接 #10 导出为 HAR…',
      '将整个抓包导出为 HAR…',
      '将连接 #10 按实际送达内容导出为 HAR（经规则处理后）…',
      '将连接 #10 导出为 pcapng…',
      '将整个抓包导出为 pcapng…',
      '重放…',
      '作为录制服务器提供…',
      '重放全部连接…',
      '解码为…'
    ])
    expect(document.activeElement?.textContent?.trim()).toBe('复制为 curl')
    // No proxy runs: the rule items are off, and say why (title, description, a hint beside them).
    const mock = [...menu.querySelectorAll('[role=menuitem]')].find((i) => i.getAttribute('aria-label') === '模拟这个响应…')!
    expect(mock.getAttribute('aria-disabled')).toBe('true')
    expect(mock.getAttribute('aria-description')).toBe('请先启动代理：规则属于正在运行的代理，而目前没有代理在运行。')
    expect(mock.getAttribute('title')).toBe(mock.getAttribute('aria-description'))
    expect(mock.getAttribute('data-why')).toBe('请先启动代理')
    // An item that is on says nothing more.
    expect(document.activeElement?.getAttribute('aria-description')).toBeNull()
    menu.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    expect(document.querySelector('[role=menu]')).toBeNull()
    expect(document.activeElement).toBe(w.get('[role=grid]').element)
  })
})

describe('the connection list', () => {
  it('shows the protocol and an Info column as Wireshark does, and offers curl but for what is known not to be HTTP', async () => {
    const t = engineWith()
    const w = mountView(ConnectionList)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [] })
    await settle()
    const heads = w.findAll('[role=columnheader]').map((h) => text(h))
    expect(heads.slice(5, 7)).toEqual(['proto', 'info'])
    expect(cells(w, 0).slice(5, 7)).toEqual(['HTTP', 'GET /api/items → 200 application/json 3.10 KiB +3 more'])
    expect(cells(w, 1).slice(5, 7)).toEqual(['WS', 'WebSocket 42 messages'])
    expect(cells(w, 2).slice(5, 7)).toEqual(['', ''])
    expect(cells(w, 3).slice(5, 7)).toEqual(['raw', ''])

    // Not decoded yet (decoding runs a moment behind): curl is offered, the engine decides.
    await w.findAll('[role=rowgroup] [role=row]')[2].trigger('contextmenu')
    await settle()
    expect(document.querySelector('[role=menuitem]')!.getAttribute('aria-disabled')).toBeNull()
    document.querySelector('[role=menu]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()

    await w.findAll('[role=rowgroup] [role=row]')[3].trigger('contextmenu')
    await settle()
    const items = [...document.querySelectorAll('[role=menuitem]')]
    expect(items.map((i) => i.textContent!.trim())).toEqual([
      'Copy as curl',
      'Copy as curl, as the target got it (after rules)',
      'Mock this response…',
      'Rewrite requests like this…',
      'Export HAR of connection #4…',
      'Export HAR of the whole capture…',
      'Export HAR of connection #4 as delivered (after rules)…',
      'Export pcapng of connection #4…',
      'Export pcapng of the whole capture…',
      'Replay…',
      'Serve as recorded server…',
      'Replay all connections…',
      'Decode as…'
    ])
    expect(items[0].getAttribute('aria-disabled')).toBe('true')
    expect(items[0].getAttribute('aria-description')).toBe('This connection carries no HTTP request.')
    expect(items[2].getAttribute('aria-description')).toBe('This connection carries no HTTP request.')
    expect(useSelectionStore().connId).toBe(4)
  })
})

describe('the Info cell', () => {
  const say = (key: string, named?: Record<string, unknown>): string => `${key}${named ? JSON.stringify(named) : ''}`
  it('says nothing while the protocol is unknown, and tells a pending request, TLS and a problem', () => {
    expect(protocolLabel(undefined, say)).toBe('')
    expect(protocolLabel({ protocol: 'unknown' }, say)).toBe('')
    expect(protocolInfo({ protocol: 'http1', exchanges: 1, first: { method: 'POST', target: '/upload' } }, say)).toBe('POST /upload → …')
    expect(protocolInfo({ protocol: 'tls' }, say)).toBe('exchanges.info.tls')
    expect(protocolInfo({ protocol: 'http1', exchanges: 1, first: { method: 'GET', target: '/', status: 204 }, problem: true }, say)).toBe('GET / → 204 exchanges.info.problem')
    expect(protocolInfo({ protocol: 'raw' }, say)).toBe('')
  })
})
