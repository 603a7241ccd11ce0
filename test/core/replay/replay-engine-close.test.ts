// The engine's close stops replays under way: a replay waiting on a silent server (raw,
// HTTP, a whole capture) ends as cancelled with its connection recorded as stopped, rather
// than running on after the engine (and its capture) closed; a recorded server started
// as the engine closes does not listen past it.
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { once } from 'node:events'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { startServer, waitFor } from '../../helpers/net'
import { nodeRequest, rawRecorder } from './http-replay-peers'

let t: TestEngine | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const HOUR = 3_600_000

describe("replays and the engine's close", () => {
  it('cancels raw, HTTP and whole-capture replays waiting on a silent server', async () => {
    t = await testEngine()
    const recorder = await rawRecorder()
    cleanups.push(recorder.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    await nodeRequest(proxy.listen, '/x')
    const conn = await waitFor(() => t!.engine.capture.connections().find((c) => c.kind === 'proxy' && c.end !== 'open'), 'the captured connection')
    let heard = 0
    const silent = await startServer((s) => void s.once('data', () => heard++))
    cleanups.push(silent.close)
    const target = `127.0.0.1:${silent.port}`
    const replays = [
      t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', target, timeoutMs: HOUR }),
      t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target, timeoutMs: HOUR }),
      t.engine['replay.sequence']({ capture: 'live', requests: [{ connId: conn.id, exchange: 0 }], target, timeoutMs: HOUR }),
      t.engine['replay.capture']({ capture: 'live', filter: `id:${conn.id}`, target, timeoutMs: HOUR })
    ]
    const outcomes = replays.map((p) => p.then(() => 'resolved', (err: { code?: string }) => err.code))
    await waitFor(() => heard === 4, 'four replays sending')
    await t.engine.close()
    expect(await Promise.all(outcomes)).toEqual(['ECANCELED', 'ECANCELED', 'ECANCELED', 'ECANCELED'])
    expect(t.engine.capture.connections().filter((c) => c.ownerId === 'replay').map((c) => c.end)).toEqual(['stopped', 'stopped', 'stopped', 'stopped'])
  })

  it('does not leave a recorded server listening when the engine closes as it starts', async () => {
    t = await testEngine()
    const recorder = await rawRecorder()
    cleanups.push(recorder.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    await nodeRequest(proxy.listen, '/x')
    const conn = await waitFor(() => t!.engine.capture.connections().find((c) => c.kind === 'proxy' && c.end !== 'open'), 'the captured connection')
    const serving = t.engine['replay.serve']({ capture: 'live', connId: conn.id, listen: '127.0.0.1:0' }).then(
      (info) => info.listen,
      () => undefined
    )
    await t.engine.close()
    const listen = await serving
    if (listen !== undefined) {
      const s = connect({ host: '127.0.0.1', port: Number(listen.slice(listen.lastIndexOf(':') + 1)) })
      const [err] = (await once(s, 'error')) as [NodeJS.ErrnoException]
      expect(err.code).toBe('ECONNREFUSED')
    }
  })

  it('a cancelled whole-capture replay answers only once every replay under way has closed', async () => {
    t = await testEngine()
    const recorder = await rawRecorder()
    cleanups.push(recorder.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    for (let i = 0; i < 4; i++) await nodeRequest(proxy.listen, `/${i}`)
    await waitFor(() => t!.engine.capture.connections().filter((c) => c.kind === 'proxy' && c.end !== 'open').length === 4, 'four captured connections')
    let heard = 0
    const silent = await startServer((s) => void s.once('data', () => heard++))
    cleanups.push(silent.close)
    const abort = new AbortController()
    const run = t.engine['replay.capture']({ capture: 'live', filter: 'kind:proxy', target: `127.0.0.1:${silent.port}`, speed: 0, concurrency: 3, timeoutMs: HOUR }, { signal: abort.signal })
    const replays = (): string[] => t!.engine.capture.connections().filter((c) => c.ownerId === 'replay').map((c) => c.end)
    await waitFor(() => heard === 3, 'three replays sending')
    abort.abort()
    // Checked the moment it answers: a replay still closing then would be recorded after the command said it was done.
    const ends = await run.then(
      () => ['resolved'],
      () => replays()
    )
    expect(ends).toEqual(['stopped', 'stopped', 'stopped'])
  })

  it('a cancelled HTTP repeat answers only once every request under way has closed', async () => {
    t = await testEngine()
    const recorder = await rawRecorder()
    cleanups.push(recorder.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    await nodeRequest(proxy.listen, '/x')
    const conn = await waitFor(() => t!.engine.capture.connections().find((c) => c.kind === 'proxy' && c.end !== 'open'), 'the captured connection')
    let heard = 0
    const silent = await startServer((s) => void s.once('data', () => heard++))
    cleanups.push(silent.close)
    const abort = new AbortController()
    const run = t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${silent.port}`, count: 3, concurrency: 3, timeoutMs: HOUR }, { signal: abort.signal })
    await waitFor(() => heard === 3, 'three requests sent')
    abort.abort()
    const ends = await run.then(
      () => ['resolved'],
      () => t!.engine.capture.connections().filter((c) => c.ownerId === 'replay').map((c) => c.end)
    )
    expect(ends).toEqual(['stopped', 'stopped', 'stopped'])
  })
})
