// @vitest-environment jsdom
// The http store over a fake engine: the selected connection's exchanges and messages paged
// from it, a body read by pieces (the first piece, then "load more" a MiB at a time; JSON
// and images whole), a problem kept with what decoded before it, a live connection read
// again when the engine says it changed, and everything dropped for another connection.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../src/shared/contract'
import type { HttpExchange } from '../../../../src/shared/protocol-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { FIRST_PIECE, MORE_PIECE, SHOWN_MAX, useHttpStore } from '../../../../src/renderer/src/features/http/http-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { fakeDecodingEngine, messageOf, settle, type FakeConnection } from './http-fixtures'

const REQ = 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n'
const RES = 'HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n'
const exchange = (index: number, state: HttpExchange['state'] = 'complete'): HttpExchange => ({
  index,
  request: messageOf('client', REQ, index * REQ.length, 0),
  informational: [],
  ...(state === 'pending' ? {} : { response: messageOf('server', RES, 0, 3_000_000) }),
  state
})

function setUp(c: FakeConnection) {
  const t = fakeDecodingEngine(5, c)
  useEngineStore().attach(t.transport)
  const selection = useSelectionStore()
  selection.select(5)
  return { t, http: useHttpStore(), selection, bodyCalls: () => t.calls.filter((x) => x.cmd === 'http.body').map((x) => x.args as CommandArgs<'http.body'>) }
}

describe('the http store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('pages the connection\'s exchanges from the engine, and the protocol it says', async () => {
    const { http, t } = setUp({ exchanges: Array.from({ length: 450 }, (_, i) => exchange(i)) })
    const list = http.openExchanges()!
    await settle()
    expect(list.total.value).toBe(450)
    expect(http.protocol).toBe('http1')
    expect(list.item(0)?.request?.target).toBe('/big')
    expect(list.item(420)).toBeUndefined()
    list.show(400, 430)
    await settle()
    expect(list.item(420)?.index).toBe(420)
    expect(t.calls.filter((c) => c.cmd === 'http.exchanges').map((c) => c.args)).toEqual([
      { capture: 'live', connId: 5, from: 0, limit: 200 },
      { capture: 'live', connId: 5, from: 200, limit: 200 },
      { capture: 'live', connId: 5, from: 400, limit: 200 }
    ])
  })

  it('reads a body by pieces: its first bytes, then a MiB more each time asked, to its end', async () => {
    const content = new Uint8Array(3_000_000).map((_, i) => i & 0xff)
    const { http, bodyCalls } = setUp({ exchanges: [exchange(0)], bodies: { '0:response': { content, decoded: ['gzip'] } } })
    await http.loadBody(0, 'response')
    expect(http.body(0, 'response')).toMatchObject({ end: false, total: 3_000_000, decoded: ['gzip'] })
    expect(http.body(0, 'response')!.bytes.length).toBe(FIRST_PIECE)
    await http.loadBody(0, 'response', { more: true })
    expect(http.body(0, 'response')!.bytes.length).toBe(FIRST_PIECE + MORE_PIECE)
    await http.loadBody(0, 'response', { more: true })
    await http.loadBody(0, 'response', { more: true })
    const b = http.body(0, 'response')!
    expect(b.end).toBe(true)
    // Compared by hand: a deep equality of 3 MB takes seconds.
    expect(b.bytes.length === content.length && b.bytes.every((v, i) => v === content[i])).toBe(true)
    expect(bodyCalls().every((c) => c.length <= MORE_PIECE && c.decode === true && c.part === 'response')).toBe(true)
    // Asked again, it is not read again.
    await http.loadBody(0, 'response')
    expect(bodyCalls()).toHaveLength(4)
  })

  it('keeps at most SHOWN_MAX of a body, and says the rest is for the hex view', async () => {
    const { http, bodyCalls } = setUp({ exchanges: [exchange(0)], bodies: { '0:response': { content: new Uint8Array(SHOWN_MAX + 5000) } } })
    await http.loadBody(0, 'response')
    for (let i = 0; i < 6; i++) await http.loadBody(0, 'response', { more: true })
    expect(http.body(0, 'response')).toMatchObject({ end: false, capped: true, total: SHOWN_MAX + 5000 })
    expect(http.body(0, 'response')!.bytes.length).toBe(SHOWN_MAX)
    const calls = bodyCalls().length
    await http.loadBody(0, 'response', { more: true })
    expect(bodyCalls()).toHaveLength(calls)
  })

  it('reads a body that must be whole to its end at once, and keeps a problem with what came before it', async () => {
    const json = new TextEncoder().encode(JSON.stringify({ items: Array.from({ length: 50_000 }, (_, i) => i) }))
    const { http } = setUp({
      exchanges: [exchange(0), exchange(1)],
      bodies: { '0:response': { content: json }, '1:response': { content: new Uint8Array(5000).fill(65), decoded: ['gzip'], problem: { message: 'unexpected end of file', offset: 4000 } } }
    })
    await http.loadBody(0, 'response', { whole: true })
    expect(http.body(0, 'response')).toMatchObject({ end: true, total: json.length })
    await http.loadBody(1, 'response')
    expect(http.body(1, 'response')).toMatchObject({ end: false, problem: { message: 'unexpected end of file', offset: 4000 } })
    expect(http.body(1, 'response')!.bytes.length).toBe(4000)
  })

  it('reads a live connection again when the engine says it changed: the list grows, a pending exchange gets its response', async () => {
    const c: FakeConnection = { exchanges: [exchange(0, 'pending')] }
    const { http } = setUp(c)
    const list = http.openExchanges()!
    await settle()
    expect(list.item(0)?.state).toBe('pending')
    c.exchanges = [exchange(0), exchange(1, 'pending')]
    useEngineStore().applyBatches([{ type: 'batch', data: [{ connId: 5, dir: 'server', offset: 0, length: 10 }] } as never])
    await settle()
    expect(list.total.value).toBe(2)
    expect(list.item(0)?.state).toBe('complete')
    // Another connection changing reads nothing again.
    const before = list.item(0)
    useEngineStore().applyBatches([{ type: 'batch', data: [{ connId: 9, dir: 'server', offset: 0, length: 10 }] } as never])
    await settle()
    expect(list.item(0)).toBe(before)
  })

  it('reads on a body that is still arriving when the engine says its connection changed', async () => {
    const body = { content: new TextEncoder().encode('first '), arriving: true }
    const { http } = setUp({ exchanges: [exchange(0)], bodies: { '0:response': body } })
    await http.loadBody(0, 'response')
    expect(http.body(0, 'response')).toMatchObject({ end: false })
    body.content = new TextEncoder().encode('first second')
    body.arriving = false
    useEngineStore().applyBatches([{ type: 'batch', data: [{ connId: 5, dir: 'server', offset: 0, length: 6 }] } as never])
    await settle()
    expect(http.body(0, 'response')).toMatchObject({ end: true })
    expect(new TextDecoder().decode(http.body(0, 'response')!.bytes)).toBe('first second')
  })

  it('pages WebSocket messages and reads a payload; another connection starts afresh', async () => {
    const payload = new TextEncoder().encode('hello')
    const { http, selection } = setUp({
      protocol: 'websocket',
      messages: [{ index: 0, dir: 'client', opcode: 'text', frames: 1, range: { dir: 'client', offset: 200, length: 11 }, size: 5, compressed: false, masked: true, preview: payload, complete: true, startedAt: 0 }],
      payloads: { 0: payload }
    })
    const list = http.openMessages()!
    await settle()
    expect(list.total.value).toBe(1)
    await http.loadPayload(0)
    expect(http.payload(0)).toMatchObject({ bytes: payload, end: true })
    http.selectMessage(0)
    selection.select(6)
    await settle()
    expect(http.messages).toBeUndefined()
    expect(http.message).toBeUndefined()
    expect(http.payload(0)).toBeUndefined()
  })
})
