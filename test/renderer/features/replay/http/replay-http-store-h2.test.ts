// The HTTP replay store on an HTTP/2 exchange: the request opens in its text form, pseudo-
// headers first, its body read from its DATA frames through http.body (the wire holds HPACK
// and frames, not a head to show); a send is the engine's replay.http, with the text only
// once edited, and the text form reads back to the same header block.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../../src/shared/contract'
import type { HttpExchange, HttpMessage } from '../../../../../src/shared/protocol-types'
import { parseH2Request } from '../../../../../src/shared/h2-request-edit'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { useReplayHttpStore } from '../../../../../src/renderer/src/features/replay/http/replay-http-store'
import { fakeTransport } from '../../../fake-transport'
import { latin1 } from '../../http/http-fixtures'
import { flushPromises } from '../../../../helpers/flush-promises'

const BODY = '{"name":"x"}'
const range = { dir: 'client' as const, offset: 0, length: 0 }
const HEADERS: Array<[string, string]> = [
  [':method', 'POST'],
  [':scheme', 'https'],
  [':authority', 'api.test'],
  [':path', '/v1/items'],
  ['content-type', 'application/json'],
  ['x-dup', '1'],
  ['x-dup', '2']
]
const request: HttpMessage = {
  dir: 'client',
  startLine: 'POST /v1/items HTTP/2',
  startRange: range,
  version: 'HTTP/2',
  method: 'POST',
  target: '/v1/items',
  headers: HEADERS.map(([name, value]) => ({ name, value, range })),
  headRange: range,
  body: { framing: 'h2', range: { dir: 'client', offset: 100, length: 40 }, size: BODY.length, chunks: [{ dir: 'client', offset: 109, length: BODY.length }], complete: true },
  startedAt: 1
}
const exchange: HttpExchange = { index: 0, stream: 1, request, informational: [], state: 'complete' }

beforeEach(() => setActivePinia(createPinia()))

function setup() {
  const t = fakeTransport({
    'http.exchanges': (a) => ({ protocol: 'http2', from: a.from ?? 0, total: 1, exchanges: [exchange], problems: [] }),
    'http.body': (a) => ({ bytes: latin1(BODY).slice(a.offset, a.offset + a.length), offset: a.offset, end: true, decoded: [] }),
    'replay.http': () => ({ first: { target: '127.0.0.1:8443', source: { connId: 3, exchange: 0 }, sent: BODY.length, fixed: [], matched: true, differences: [] } })
  })
  useEngineStore().attach(t.transport)
  const argsOf = <K extends 'replay.http' | 'http.body' | 'conn.read'>(cmd: K) => t.calls.filter((c) => c.cmd === cmd).map((c) => c.args as CommandArgs<K>)
  return { argsOf, replay: useReplayHttpStore() }
}

describe('HTTP replay store, HTTP/2', () => {
  it('opens an HTTP/2 request in its text form, pseudo-headers first, with its body from its DATA frames', async () => {
    const { replay, argsOf } = setup()
    const d = replay.open({ capture: 'live', connId: 3, exchange: 0 }, '127.0.0.1:8443')
    await flushPromises()
    expect(d.loadError).toBeUndefined()
    expect(argsOf('conn.read')).toEqual([])
    expect(argsOf('http.body')).toEqual([{ capture: 'live', connId: 3, exchange: 0, part: 'request', decode: false, offset: 0, length: BODY.length }])
    expect(new TextDecoder().decode(d.captured)).toBe(':method: POST\n:scheme: https\n:authority: api.test\n:path: /v1/items\ncontent-type: application/json\nx-dup: 1\nx-dup: 2\n\n' + BODY)
    expect(parseH2Request(d.captured!)).toEqual({ request: { headers: HEADERS.map(([name, value]) => ({ name, value })), body: latin1(BODY) } })
    expect(replay.edited(d)).toBe(false)
  })

  it('sends from the capture until edited, then the edited text', async () => {
    const { replay, argsOf } = setup()
    const d = replay.open({ capture: 'live', connId: 3, exchange: 0 }, '127.0.0.1:8443')
    await flushPromises()
    await replay.send(d)
    expect(argsOf('replay.http')[0].request).toBeUndefined()
    const edited = latin1(new TextDecoder().decode(d.captured).replace(':path: /v1/items', ':path: /v2/items'))
    replay.edit(d, edited)
    expect(replay.edited(d)).toBe(true)
    await replay.send(d)
    expect(argsOf('replay.http')[1].request).toEqual(edited)
    expect(d.result?.matched).toBe(true)
  })
})
