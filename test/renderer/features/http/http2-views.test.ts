// @vitest-environment jsdom
// HTTP/2 exchanges in the HTTP tab, over a fake engine: each row names its protocol and stream
// (h2c over plain TCP, h2 over TLS tcpscope terminated, gRPC by its content type) after what
// it showed before; a message's start line is marked as made from the pseudo-headers, which
// come first in the headers, each still showing its bytes; the head is an HPACK block shown
// in hex, never as text; trailers as for chunked bodies; a stream reset or pushed says so,
// and the exchange leads to its stream's frames.
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/capture-types'
import type { HttpExchange, HttpHeader, HttpMessage } from '../../../../src/shared/protocol-types'
import { useFramesStore } from '../../../../src/renderer/src/features/frames/frames-store'
import { conn, fakeDecodingEngine, settle, T } from './http-fixtures'
import { mountHttpView } from './mount-http-view'
import { fakeTransport } from '../../fake-transport'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
})

/** An HTTP/2 message: its header block's frame at `at` (9 bytes of frame header, then one byte per field, as a hand-made HPACK block of indexed fields would be). */
function h2Message(dir: Direction, at: number, fields: Array<[string, string]>, body = 0, trailers?: Array<[string, string]>): HttpMessage {
  const headers: HttpHeader[] = fields.map(([name, value], i) => ({ name, value, range: { dir, offset: at + 9 + i, length: 1 } }))
  const head = { dir, offset: at, length: 9 + fields.length }
  const get = (n: string): string | undefined => fields.find(([k]) => k === n)?.[1]
  // A pushed exchange's request is the server's promise.
  const request = get(':method') !== undefined
  return {
    dir,
    startLine: request ? `${get(':method')} ${get(':path')} HTTP/2` : `HTTP/2 ${get(':status')}`,
    startRange: head,
    version: 'HTTP/2',
    ...(request ? { method: get(':method'), target: get(':path') } : { status: Number(get(':status')) }),
    headers,
    headRange: head,
    body: {
      framing: body ? 'h2' : 'none',
      range: { dir, offset: at + head.length, length: body ? body + 9 : 0 },
      size: body,
      chunks: body ? [{ dir, offset: at + head.length + 9, length: body }] : undefined,
      complete: true,
      ...(trailers ? { trailers: trailers.map(([name, value], i) => ({ name, value, range: { dir, offset: at + 100 + i, length: 1 } })) } : {})
    },
    startedAt: T + at,
    endedAt: T + at + 2
  }
}

const REQ: Array<[string, string]> = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':authority', 'api.test'],
  [':path', '/items'],
  ['accept', '*/*']
]
const RES: Array<[string, string]> = [
  [':status', '200'],
  ['content-type', 'text/plain']
]
const GRPC_REQ: Array<[string, string]> = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':authority', 'api.test'],
  [':path', '/pkg.Svc/Get'],
  ['content-type', 'application/grpc']
]

function h2Exchanges(): HttpExchange[] {
  return [
    { index: 0, stream: 1, request: h2Message('client', 24, REQ), informational: [], response: h2Message('server', 0, RES, 5), state: 'complete' },
    {
      index: 1,
      stream: 3,
      request: h2Message('client', 60, GRPC_REQ, 5),
      informational: [],
      response: h2Message('server', 40, [[':status', '200'], ['content-type', 'application/grpc']], 7, [['grpc-status', '0'], ['grpc-message', '']]),
      state: 'complete'
    },
    {
      index: 2,
      stream: 5,
      request: h2Message('client', 90, REQ),
      informational: [],
      state: 'incomplete',
      ended: { kind: 'rst_stream', by: 'client', code: 8, name: 'CANCEL', range: { dir: 'client', offset: 120, length: 13 }, time: T + 130 }
    },
    { index: 3, stream: 2, pushedOn: 1, request: h2Message('server', 80, [[':method', 'GET'], [':scheme', 'http'], [':authority', 'api.test'], [':path', '/style.css']]), informational: [], response: h2Message('server', 95, RES, 3), state: 'complete' }
  ]
}

async function mountH2(language: 'en' | 'zh-CN' = 'en', tls = false) {
  const c = { exchanges: h2Exchanges(), streams: { client: new Uint8Array(200), server: new Uint8Array(200) } }
  const base = fakeDecodingEngine(5, c)
  const summary = { ...conn(5), protocol: { protocol: 'http2' as const }, ...(tls ? { tls: { client: { version: 'TLSv1.3', cipher: 'x', alpn: 'h2' } } } : {}) }
  const t = fakeTransport({
    'conn.get': () => [summary as never],
    'http.exchanges': ({ from = 0, limit = 1000 }) => ({ protocol: 'http2', from, total: c.exchanges.length, exchanges: c.exchanges.slice(from, from + limit), problems: [] }),
    'http.body': (args, ctx) => (base.transport.call('http.body', args, ctx) as never),
    'conn.read': ({ dir, offset, length }) => c.streams[dir].slice(offset, offset + length)
  })
  const { w, selection } = await mountHttpView(pinia, t.transport, mounted, language)
  return { w, selection, t }
}

const byLabel = (w: VueWrapper, label: string) => w.find(`[aria-label="${label}"]`)
const rowsOf = (w: VueWrapper) => w.findAll('[role="option"]')

describe('HTTP/2 in the HTTP view', () => {
  it('names each row\'s protocol and stream after what it showed, its name holding its text in order', async () => {
    const { w } = await mountH2()
    expect(rowsOf(w).map((o) => o.attributes('aria-label'))).toEqual([
      '1: GET /items, 200, 0 B, 5 B, 12:00:00.024, < 1 ms, h2c · 1',
      '2: POST /pkg.Svc/Get, 200, 5 B, 7 B, 12:00:00.060, < 1 ms, gRPC · 3',
      '3: GET /items, RST CANCEL, 0 B, 12:00:00.090, h2c · 5',
      '4: GET /style.css, 200, 0 B, 3 B, 12:00:00.080, 17 ms, h2c · 2'
    ])
    // What is seen, cell by cell, is the name's words in the name's order.
    for (const o of rowsOf(w)) {
      const seen = o.findAll('span').map((s) => s.text()).filter(Boolean)
      let at = 0
      for (const words of seen) {
        const found = o.attributes('aria-label')!.indexOf(words, at)
        expect(found, words).toBeGreaterThanOrEqual(0)
        at = found + words.length
      }
    }
  })

  it('says h2 for a connection whose TLS tcpscope terminated', async () => {
    const { w } = await mountH2('en', true)
    expect(rowsOf(w)[0].attributes('aria-label')).toMatch(/, h2 · 1$/)
  })

  it('marks the start line as made from the pseudo-headers, lists them first, and shows each one\'s bytes', async () => {
    const { w, selection } = await mountH2()
    const start = byLabel(w, 'Start line GET /items HTTP/2 made from the pseudo-headers, not sent: show its bytes')
    expect(start.exists()).toBe(true)
    expect(start.text().replace(/\s+/g, ' ')).toBe('GET /items HTTP/2 made from the pseudo-headers, not sent')
    expect(byLabel(w, 'Start line HTTP/2 200 made from the pseudo-headers, not sent: show its bytes').exists()).toBe(true)
    const rows = byLabel(w, 'Request headers').findAll('tbody tr')
    expect(rows.map((r) => r.findAll('td').map((d) => d.text()))).toEqual(REQ.map(([n, v]) => [n, v]))
    // A line under the last pseudo-header sets them apart from the fields proper.
    expect(rows.map((r) => r.classes('pseudo-end'))).toEqual([false, false, false, true, false])
    await rows[3].trigger('click')
    expect(selection.range).toEqual({ dir: 'client', offset: 24 + 9 + 3, length: 1 })
    await start.trigger('click')
    expect(selection.range).toEqual({ dir: 'client', offset: 24, length: 14 })
  })

  it('shows the head as an HPACK block in hex, never as text, and no raw head to unfold', async () => {
    const { w, selection } = await mountH2()
    const request = byLabel(w, 'Request')
    expect(request.text()).toContain('Head sent as an HPACK block in HEADERS frames: 14 B at offset 24.')
    expect(request.findAll('button').some((b) => b.text().startsWith('Show raw head'))).toBe(false)
    const show = request.findAll('button').find((b) => b.text() === 'Show its bytes')!
    expect(show.attributes('aria-pressed')).toBe('false')
    await show.trigger('click')
    expect(selection.range).toEqual({ dir: 'client', offset: 24, length: 14 })
    expect(show.attributes('aria-pressed')).toBe('true')
    expect(request.text()).toContain('Body')
  })

  it('shows trailers, a reset stream\'s end where its response would be, and a pushed one\'s stream', async () => {
    const { w, selection } = await mountH2()
    selection.exchange = 1
    await settle()
    // A gRPC call opens on its messages: its HTTP panes are one radio away.
    await byLabel(w, 'Exchange view').findAll('[role="radio"]').find((b) => b.text() === 'HTTP')!.trigger('click')
    await settle()
    const trailers = byLabel(w, 'Trailers')
    expect(trailers.findAll('tbody tr').map((r) => r.findAll('td').map((d) => d.text()))).toEqual([
      ['grpc-status', '0'],
      ['grpc-message', '']
    ])
    selection.exchange = 2
    await settle()
    expect(byLabel(w, 'Response').text()).toContain('reset by client: CANCEL (RST_STREAM)')
    expect(w.get('.h2-line').text()).toContain('Stream 5')
    expect(w.get('.h2-line').text()).toContain('reset by client: CANCEL (RST_STREAM)')
    selection.exchange = 3
    await settle()
    expect(w.get('.h2-line').text()).toContain('pushed on stream 1')
  })

  it('leads from an exchange to its stream\'s frames', async () => {
    const { w, selection } = await mountH2()
    selection.exchange = 1
    await settle()
    await w.findAll('button').find((b) => b.text() === "Show stream 3's frames")!.trigger('click')
    expect(selection.tab).toBe('frames')
    expect(useFramesStore().stream).toBe(3)
  })

  it('says it in Chinese', async () => {
    const { w, selection } = await mountH2('zh-CN')
    expect(byLabel(w, '起始行 GET /items HTTP/2 由伪标头生成，并未发送：显示其字节').exists()).toBe(true)
    expect(byLabel(w, '请求').text()).toContain('头部以 HPACK 块在 HEADERS 帧中发送：14 B，偏移 24。')
    selection.exchange = 2
    await settle()
    expect(byLabel(w, '响应').text()).toContain('被客户端重置：CANCEL（RST_STREAM）')
    expect(w.findAll('button').some((b) => b.text() === '显示流 5 的帧')).toBe(true)
  })
})
