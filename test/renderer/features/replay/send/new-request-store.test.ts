// The New request store: Send is offered once the URL is there and nothing is wrong (the
// engine's own one line says what is); empty header rows and an empty body are not sent;
// HTTP/2 and insecure go as flags; the engine's refusal stays beside Send; a cancel is no error;
// a send tried, gone or refused, leaves no earlier answer standing as its own.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../../src/shared/contract'
import { EngineError } from '../../../../../src/shared/errors'
import type { HttpReplayResult } from '../../../../../src/shared/replay-types'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { useNewRequestStore } from '../../../../../src/renderer/src/features/replay/send/new-request-store'
import { useSelectionStore } from '../../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport, type Handlers } from '../../../fake-transport'

const result: HttpReplayResult = {
  target: '127.0.0.1:8080',
  connId: 7,
  sent: 60,
  fixed: ['host'],
  matched: false,
  differences: [],
  response: { version: 'HTTP/1.1', status: 201, reason: 'Created', headers: [], bodySize: 0, body: new Uint8Array(0), complete: true }
}

beforeEach(() => setActivePinia(createPinia()))

function setup(over: Handlers = {}) {
  const t = fakeTransport({ 'replay.send': () => ({ first: result }), ...over })
  useEngineStore().attach(t.transport)
  const sent = () => t.calls.filter((c) => c.cmd === 'replay.send').map((c) => c.args as CommandArgs<'replay.send'>)
  return { sent, store: useNewRequestStore() }
}

describe('the new request store', () => {
  it('offers Send once the URL is there and says what is wrong in the engine’s words', () => {
    const { store } = setup()
    expect(store.canSend).toBe(false)
    expect(store.problem).toBeUndefined()
    store.url = 'example.test/x'
    expect(store.problem).toBe('"example.test/x" does not start with http:// or https://: add one in front')
    store.url = 'localhost:41081/json'
    expect(store.problem).toBe('"localhost:41081/json" does not start with http:// or https://: add one in front')
    store.url = 'http://example.test/x'
    expect(store.canSend).toBe(true)
    const row = store.addHeader('X Bad', 'v')
    expect(store.problem).toMatch(/^header 1 name "X Bad" is not a token/)
    store.setHeader(row.id, 'name', 'Connection')
    expect(store.problem).toBeUndefined()
    store.version = 'http2'
    expect(store.problem).toMatch(/^header 1 \(Connection\) belongs to HTTP\/1's connection/)
    store.removeHeader(row.id)
    expect(store.canSend).toBe(true)
    store.bodyProblem = 'line 1, column 2: "中" is not Latin-1'
    expect(store.canSend).toBe(false)
  })

  it('sends the parts as replay.send takes them, and keeps the result', async () => {
    const { store, sent } = setup()
    store.method = 'POST'
    store.url = '  http://127.0.0.1:8080/items  '
    store.addHeader('Content-Type', 'application/json')
    store.addHeader()
    await store.send()
    expect(sent()).toEqual([{ url: 'http://127.0.0.1:8080/items', method: 'POST', headers: [['Content-Type', 'application/json']], timeoutMs: 2000 }])
    expect(store.result).toEqual(result)
    store.body = new TextEncoder().encode('{"a":1}')
    store.version = 'http2'
    store.insecure = true
    store.timeoutMs = Number.NaN
    await store.send()
    expect(sent()[1]).toEqual({ url: 'http://127.0.0.1:8080/items', method: 'POST', headers: [['Content-Type', 'application/json']], body: new TextEncoder().encode('{"a":1}'), http2: true, insecure: true, timeoutMs: 2000 })
  })

  it('keeps the engine’s one line beside Send; a cancel is no error', async () => {
    let release: () => void = () => {}
    const { store } = setup({
      'replay.send': (_a, ctx) =>
        new Promise((_resolve, reject) => {
          release = () => reject(new EngineError('ECONNREFUSED', 'cannot connect to 127.0.0.1:1: connection refused'))
          ctx.signal?.addEventListener('abort', () => reject(new EngineError('ECANCELED', 'cancelled')))
        })
    })
    store.url = 'http://127.0.0.1:1/'
    store.result = result
    let running = store.send()
    expect(store.result).toBeUndefined()
    expect(store.sending).toBeDefined()
    expect(store.canSend).toBe(false)
    release()
    await running
    expect(store.error).toBe('cannot connect to 127.0.0.1:1: connection refused')
    // The answer to an earlier send is not left beside the failure of the next.
    expect(store.result).toBeUndefined()
    expect(store.sending).toBeUndefined()
    running = store.send()
    store.cancel()
    await running
    expect(store.error).toBeUndefined()
  })

  it('clears the last answer when Ctrl+Enter meets a request that cannot go: its problem is not shown over the answer to another', async () => {
    const { store, sent } = setup()
    store.url = 'http://127.0.0.1:8080/'
    await store.send()
    expect(store.result).toEqual(result)
    store.url = 'ftp://x'
    expect(store.problem).toMatch(/scheme is ftp/)
    await store.send()
    expect(sent()).toHaveLength(1)
    expect(store.result).toBeUndefined()
  })

  it('opens in the Replay tab', () => {
    const { store } = setup()
    store.open()
    expect(store.shown).toBe(true)
    expect(useSelectionStore().tab).toBe('replay')
  })
})
