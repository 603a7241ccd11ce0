// The HTTP replay store: a captured request is read from its exchange's byte ranges, edits
// make it "edited" until reverted, a send carries the bytes only when edited (else the
// engine replays the capture byte for byte), a repeat and a keep-alive sequence are bounded
// and cancellable, and a draft outlives looking at its replay's own connection. A send clears
// the last result as it leaves, and an error about the target goes once the target changes.
// Over TLS, the CA file and not verifying go as the replay's `tls` (nothing when left as they
// are: the engine trusts the recorded CA file), and a TLS failure goes once they change.
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../../src/shared/contract'
import { EngineError } from '../../../../../src/shared/errors'
import type { HttpExchange } from '../../../../../src/shared/protocol-types'
import { MAX_SEQUENCE_REQUESTS, type HttpReplayResult } from '../../../../../src/shared/replay-types'
import { useConnectionsStore } from '../../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { SHOWN_OF_LARGE_REQUEST, useReplayHttpStore, type HttpReplayDraft } from '../../../../../src/renderer/src/features/replay/http/replay-http-store'
import { useSelectionStore } from '../../../../../src/renderer/src/features/connections/selection-store'
import { EDITABLE_BYTES } from '../../../../../src/renderer/src/features/replay/editor/editor-text'
import { fakeTransport, type Handlers } from '../../../fake-transport'
import { latin1, messageOf } from '../../http/http-fixtures'
import { flushPromises } from '../../../../helpers/flush-promises'

const HEAD = 'POST /items HTTP/1.1\r\nHost: example.test\r\nX-Trace: one\r\nContent-Length: 5\r\n\r\n'
/** The client stream: 7 bytes of an earlier request, then the request replayed. */
const AT = 7
const STREAM = latin1('GARBAGE' + HEAD + 'hello')

const exchange = (index: number, bodySize = 5): HttpExchange => ({
  index,
  request: messageOf('client', HEAD, AT, bodySize),
  informational: [],
  state: 'complete'
})

const result = (over: Partial<HttpReplayResult> = {}): HttpReplayResult => ({
  target: '127.0.0.1:8080',
  source: { connId: 3, exchange: 0 },
  connId: 42,
  sent: HEAD.length + 5,
  fixed: [],
  matched: true,
  differences: [],
  ...over
})

const okResponse = { version: 'HTTP/1.1', status: 200, reason: 'OK', headers: [], bodySize: 5, body: latin1('hello'), complete: true }

beforeEach(() => setActivePinia(createPinia()))

function setup(over: Handlers = {}, opts: { exchanges?: number; bodySize?: number } = {}) {
  const t = fakeTransport({
    'http.exchanges': (a) => ({ protocol: 'http1', from: a.from ?? 0, total: opts.exchanges ?? 3, exchanges: [exchange(a.from ?? 0, opts.bodySize)], problems: [] }),
    'conn.read': (a) => STREAM.slice(a.offset, a.offset + a.length),
    'replay.http': () => ({ first: result() }),
    ...over
  })
  useEngineStore().attach(t.transport)
  const argsOf = <K extends 'replay.http' | 'replay.sequence' | 'conn.read'>(cmd: K) => t.calls.filter((c) => c.cmd === cmd).map((c) => c.args as CommandArgs<K>)
  return { t, argsOf, replay: useReplayHttpStore() }
}

async function opened(replay: ReturnType<typeof useReplayHttpStore>, exchangeIndex = 0): Promise<HttpReplayDraft> {
  const d = replay.open({ capture: 'live', connId: 3, exchange: exchangeIndex }, '127.0.0.1:8080')
  await flushPromises()
  return d
}

describe('HTTP replay store', () => {
  it('reads the captured request from its head and body ranges, unedited', async () => {
    const { replay, argsOf } = setup()
    const d = await opened(replay)
    expect(argsOf('conn.read')).toEqual([{ capture: 'live', connId: 3, dir: 'client', offset: AT, length: HEAD.length + 5 }])
    expect(new TextDecoder().decode(d.captured)).toBe(HEAD + 'hello')
    expect(d.bytes).toBe(d.captured)
    expect(d.exchanges).toBe(3)
    expect(replay.edited(d)).toBe(false)
    expect(replay.current).toBe(d)
  })

  it('sends byte-exact from the capture until edited, then the edited bytes; revert makes it byte-exact again', async () => {
    const { replay, argsOf } = setup()
    const d = await opened(replay)
    await replay.send(d)
    expect(argsOf('replay.http')[0]).toEqual({ capture: 'live', connId: 3, exchange: 0, timeoutMs: 2000 })
    expect(d.result?.connId).toBe(42)

    const edited = latin1(HEAD.replace('X-Trace: one', 'X-Trace: two') + 'hello')
    replay.edit(d, edited)
    expect(replay.edited(d)).toBe(true)
    // The same bytes as captured, typed again, are not an edit.
    replay.edit(d, latin1(HEAD + 'hello'))
    expect(replay.edited(d)).toBe(false)
    replay.edit(d, edited)
    replay.setOption(d, 'fixLength', true)
    replay.setOption(d, 'target', '127.0.0.1:9999')
    await replay.send(d)
    expect(argsOf('replay.http')[1]).toEqual({ capture: 'live', connId: 3, exchange: 0, target: '127.0.0.1:9999', fixLength: true, timeoutMs: 2000, request: edited })

    replay.revert(d)
    expect(replay.edited(d)).toBe(false)
    await replay.send(d)
    expect(argsOf('replay.http')[2]).not.toHaveProperty('request')
  })

  it('shows the engine’s one-line error next to Send, and clears it on the next send', async () => {
    let fail = true
    const { replay } = setup({
      'replay.http': () => {
        if (fail) throw new EngineError('ECONNREFUSED', 'cannot connect to 127.0.0.1:1: connection refused')
        return { first: result() }
      }
    })
    const d = await opened(replay)
    await replay.send(d)
    expect(d.sendError).toBe('cannot connect to 127.0.0.1:1: connection refused')
    expect(d.send).toBeUndefined()
    fail = false
    await replay.send(d)
    expect(d.sendError).toBeUndefined()
    expect(d.result?.matched).toBe(true)
  })

  it('clears the last result as the next send leaves: a refused send does not stand beside "Same as recorded"', async () => {
    let fail = false
    const { replay } = setup({
      'replay.http': () => {
        if (fail) throw new EngineError('ECONNREFUSED', 'connection refused by 127.0.0.1:34999: nothing is listening there; is the server running?')
        return { first: result() }
      }
    })
    const d = await opened(replay)
    await replay.send(d)
    expect(d.result?.matched).toBe(true)
    fail = true
    replay.setOption(d, 'target', '127.0.0.1:34999')
    await replay.send(d)
    expect(d.sendError).toMatch(/^connection refused by 127\.0\.0\.1:34999/)
    expect(d.result).toBeUndefined()
  })

  it('drops an error about the target once the target changes, and keeps one about anything else', async () => {
    let error = new EngineError('EINVAL', 'target: bad address "nonsense": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path')
    const { replay } = setup({
      'replay.http': () => {
        throw error
      },
      'replay.sequence': () => {
        throw new EngineError('ETIMEDOUT', 'timed out connecting to 10.0.0.1:80 after 2000 ms')
      }
    })
    const d = await opened(replay)
    replay.setOption(d, 'target', 'nonsense')
    await replay.send(d)
    await replay.sequence(d)
    expect(d.sendError).toMatch(/^target: bad address "nonsense"/)
    expect(d.sequenceError).toMatch(/^timed out connecting to/)
    replay.setOption(d, 'timeoutMs', 5000)
    expect(d.sendError).toMatch(/^target: bad address "nonsense"/)
    replay.setOption(d, 'target', '127.0.0.1:34080')
    expect([d.sendError, d.sequenceError]).toEqual([undefined, undefined])

    error = new EngineError('EINVAL', 'the request has no complete head')
    await replay.send(d)
    replay.setOption(d, 'target', '127.0.0.1:34081')
    expect(d.sendError).toBe('the request has no complete head')
  })

  it('keeps a request over the editable size read-only: its first bytes shown, replayed as captured', async () => {
    const big = EDITABLE_BYTES + 10
    const { replay, argsOf } = setup({ 'conn.read': (a) => new Uint8Array(a.length).fill(0x41) }, { bodySize: big })
    const d = await opened(replay)
    expect(d.tooLarge).toBe(true)
    expect(d.size).toBe(HEAD.length + big)
    expect(argsOf('conn.read')[0].length).toBe(SHOWN_OF_LARGE_REQUEST)
    replay.edit(d, latin1('GET / HTTP/1.1\r\n\r\n'))
    expect(replay.edited(d)).toBe(false)
    await replay.send(d)
    expect(argsOf('replay.http')[0]).not.toHaveProperty('request')
  })

  it('says when an exchange has no request to replay', async () => {
    const { replay } = setup({ 'http.exchanges': () => ({ protocol: 'http1', from: 0, total: 1, exchanges: [{ index: 0, informational: [], state: 'incomplete' }], problems: [] }) })
    const d = await opened(replay)
    expect(d.loadError).toBe('exchange 1 of connection #3 has no request')
    expect(d.loading).toBe(false)
  })

  it('repeats within bounds and sums up; Cancel aborts the command and is not an error', async () => {
    const summary = { count: 20, concurrency: 4, statuses: { '200': 20 }, matched: 20, errors: 0, unreachable: 0, errorSamples: [], p50Ms: 1, p99Ms: 3, perSecond: 900 }
    let hold = false
    const { replay, argsOf } = setup({
      'replay.http': (a, ctx) =>
        hold
          ? new Promise((_, reject) => ctx.signal?.addEventListener('abort', () => reject(new EngineError('ECANCELED', 'cancelled'))))
          : { first: result(), summary: { ...summary, count: a.count!, concurrency: a.concurrency! } }
    })
    const d = await opened(replay)
    replay.setOption(d, 'count', 20)
    replay.setOption(d, 'concurrency', 4)
    await replay.repeat(d)
    expect(argsOf('replay.http')[0]).toMatchObject({ count: 20, concurrency: 4 })
    expect(d.summary?.statuses).toEqual({ '200': 20 })

    // At once is never more than Count.
    replay.setOption(d, 'count', 2)
    replay.setOption(d, 'concurrency', 50)
    await replay.repeat(d)
    expect(argsOf('replay.http')[1]).toMatchObject({ count: 2, concurrency: 2 })
    // Fields left empty or typed out of bounds are read as the engine takes them.
    replay.setOption(d, 'count', '' as unknown as number)
    replay.setOption(d, 'concurrency', 1e9)
    replay.setOption(d, 'timeoutMs', 2.5)
    await replay.repeat(d)
    expect(argsOf('replay.http')[2]).toMatchObject({ count: 20, concurrency: 20, timeoutMs: 2 })

    hold = true
    const running = replay.repeat(d)
    await flushPromises()
    expect(d.repeat).toBeDefined()
    expect(d.summary).toBeUndefined()
    replay.cancel(d, 'repeat')
    await running
    expect(d.repeat).toBeUndefined()
    expect(d.repeatCancelled).toBe(true)
    expect(d.repeatError).toBeUndefined()
  })

  it('sends the connection’s requests in order as one keep-alive sequence, at most MAX_SEQUENCE_REQUESTS', async () => {
    const { replay, argsOf } = setup({ 'replay.sequence': (a) => ({ target: 't', connId: 50, results: a.requests.map((r) => result({ source: r, response: okResponse })), notSent: 0, matched: a.requests.length }) })
    const d = await opened(replay)
    await replay.sequence(d)
    expect(argsOf('replay.sequence')[0]).toEqual({ capture: 'live', requests: [0, 1, 2].map((exchange) => ({ connId: 3, exchange })), timeoutMs: 2000 })
    expect(d.sequence?.matched).toBe(3)
    // The table shows statuses and differences: the bodies are not kept.
    expect(d.sequence?.results.map((r) => [r.response?.status, r.response?.body.length])).toEqual([
      [200, 0],
      [200, 0],
      [200, 0]
    ])
    await replay.sequence(d, 5000)
    expect(argsOf('replay.sequence')[1].requests).toHaveLength(MAX_SEQUENCE_REQUESTS)
  })

  it('over TLS, sends a CA file or not verifying as the replay\'s tls, none when left as recorded; a TLS failure goes once they change', async () => {
    const untrusted = 'cannot verify 127.0.0.1:8443\'s certificate (self-signed, CN localhost): pass --upstream-ca FILE to trust it, or --insecure to skip verification'
    let fail = true
    const { replay, argsOf } = setup({
      'replay.http': () => {
        if (fail) throw new EngineError('DEPTH_ZERO_SELF_SIGNED_CERT', untrusted)
        return { first: result({ caFile: { path: '/tmp/other.pem', recorded: false } }) }
      },
      'replay.sequence': () => ({ target: '127.0.0.1:8443', results: [], notSent: 0, matched: 0 })
    })
    const d = replay.open({ capture: 'live', connId: 3, exchange: 0 }, '127.0.0.1:8443', { recordedCa: '/tmp/srv.crt' })
    await flushPromises()
    expect(d.tls).toEqual({ recordedCa: '/tmp/srv.crt' })
    await replay.send(d)
    expect(argsOf('replay.http')[0].tls).toBeUndefined()
    expect(d.sendError).toBe(untrusted)
    // Another CA file: the failure no longer says what a send would meet.
    replay.setOption(d, 'caFile', ' /tmp/other.pem ')
    expect(d.sendError).toBeUndefined()
    fail = false
    await replay.send(d)
    expect(argsOf('replay.http')[1].tls).toEqual({ ca: '/tmp/other.pem' })
    expect(d.result?.caFile).toEqual({ path: '/tmp/other.pem', recorded: false })
    // Not verifying: no CA file sent (it has nothing to do), for a send and a sequence alike.
    replay.setOption(d, 'insecure', true)
    await replay.send(d)
    await replay.sequence(d, 1)
    expect(argsOf('replay.http')[2].tls).toEqual({ verify: false })
    expect(argsOf('replay.sequence')[0].tls).toEqual({ verify: false })
    // Another error stays when they change.
    d.sendError = 'the request has no complete head'
    replay.setOption(d, 'insecure', false)
    expect(d.sendError).toBe('the request has no complete head')
  })

  it('asks for no TLS for a connection whose target spoke none', async () => {
    const { replay, argsOf } = setup()
    const d = await opened(replay)
    expect(d.tls).toBeUndefined()
    replay.setOption(d, 'caFile', '/tmp/ca.pem')
    await replay.send(d)
    expect(argsOf('replay.http')[0].tls).toBeUndefined()
  })

  it('keeps a draft, edit and result, while the person looks at another request and comes back', async () => {
    const { replay } = setup()
    const d = await opened(replay, 0)
    replay.edit(d, latin1('GET /changed HTTP/1.1\r\n\r\n'))
    await replay.send(d)
    const other = await opened(replay, 1)
    expect(other).not.toBe(d)
    expect(replay.edited(other)).toBe(false)
    const back = await opened(replay, 0)
    expect(back).toBe(d)
    expect(replay.edited(back)).toBe(true)
    expect(back.result).toBeDefined()
  })

  it('opens a replay’s own connection, in the live capture, in the HTTP view', async () => {
    const { replay } = setup({ 'conn.get': () => [] })
    const list = useConnectionsStore()
    const selection = useSelectionStore()
    list.capture = 'file-1'
    await nextTick()
    await replay.showReplay(42)
    await flushPromises()
    expect(list.capture).toBe('live')
    expect(selection.connId).toBe(42)
    expect(selection.exchange).toBe(0)
    expect(selection.tab).toBe('http')
  })
})
