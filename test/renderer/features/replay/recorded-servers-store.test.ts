// @vitest-environment jsdom
// Recorded servers from the UI: the list fetched when the engine is there, after a start
// and a stop, and again while one runs (clients come and go without a batch); a stop keeps
// the last clients' reports a while; an engine refusal reaches the caller.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EngineError } from '../../../../src/shared/errors'
import type { RecordedClientReport, RecordedServerInfo } from '../../../../src/shared/replay-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { RUNNING_REFRESH_MS, STOPPED_SHOWN_MS, matchedTurns, useRecordedServersStore } from '../../../../src/renderer/src/features/replay/recorded-servers-store'
import { fakeTransport } from '../../fake-transport'

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

const REPORT: RecordedClientReport = {
  client: '127.0.0.1:50000',
  played: 2,
  of: 2,
  turns: [
    { index: 0, expected: 5, received: 5, matched: true },
    { index: 1, expected: 5, received: 4, matched: false }
  ],
  matched: false
}

function setup() {
  const running: RecordedServerInfo[] = []
  let n = 0
  const t = fakeTransport({
    'replay.servers': () => running.map((s) => ({ ...s })),
    'replay.serve': ({ capture, connId, listen }) => {
      if (listen === '127.0.0.1:1') throw new EngineError('EADDRINUSE', 'cannot listen on 127.0.0.1:1: address in use')
      const info = { id: `r${++n}`, listen: listen.replace(/:0$/, ':40000'), capture, connId, turns: 2, clients: 0, open: 0 }
      running.push(info)
      return info
    },
    'replay.stop': ({ id }) => {
      if (!running.some((s) => s.id === id)) throw new EngineError('ENOENT', `no recorded server "${id}"`)
      running.splice(
        running.findIndex((s) => s.id === id),
        1
      )
      return [REPORT]
    }
  })
  useEngineStore().attach(t.transport)
  const servers = (): number => t.calls.filter((c) => c.cmd === 'replay.servers').length
  return { t, running, servers, store: useRecordedServersStore() }
}

describe('recorded servers in the UI', () => {
  it('lists what runs, counting clients while one does, and keeps a stopped one’s reports a while', async () => {
    const { running, servers, store } = setup()
    await vi.advanceTimersByTimeAsync(0)
    expect(servers()).toBe(1)
    expect(store.servers).toEqual([])

    const info = await store.serve('live', 12, '127.0.0.1:0')
    expect(info).toMatchObject({ id: 'r1', listen: '127.0.0.1:40000', connId: 12 })
    expect(store.servers.map((s) => s.id)).toEqual(['r1'])

    // A client came: the next refresh, a second later, counts it.
    running[0].clients = 1
    running[0].open = 1
    const before = servers()
    await vi.advanceTimersByTimeAsync(RUNNING_REFRESH_MS)
    expect(servers()).toBe(before + 1)
    expect(store.servers[0]).toMatchObject({ clients: 1, open: 1 })

    expect(await store.stop('r1')).toEqual([REPORT])
    expect(store.servers).toEqual([])
    expect(store.stopped).toEqual([{ info: { ...store.stopped[0].info, id: 'r1', clients: 1, open: 0 }, reports: [REPORT] }])
    expect(matchedTurns(REPORT)).toBe(1)
    await vi.advanceTimersByTimeAsync(STOPPED_SHOWN_MS)
    expect(store.stopped).toEqual([])
  })

  it('hands the engine’s refusal to the form, and dismisses a report when asked', async () => {
    const { running, store } = setup()
    await expect(store.serve('live', 3, '127.0.0.1:1')).rejects.toThrow(/address in use/)
    expect(store.servers).toEqual([])
    await store.serve('live', 3, '127.0.0.1:0')
    await store.stop('r1')
    expect(store.stopped.length).toBe(1)
    store.dismiss('r1')
    expect(store.stopped).toEqual([])

    // Stopped elsewhere first: the engine says so, and the list is fetched again.
    await store.serve('live', 3, '127.0.0.1:0')
    running.splice(0)
    await expect(store.stop('r2')).rejects.toThrow(/no recorded server/)
    await vi.advanceTimersByTimeAsync(0)
    expect(store.servers).toEqual([])
  })
})
