// What a front end that is not a page asks of the engine's replays (the CLI): a replay
// that records nothing (`record: false`), and a `recorded-client` event for each client of
// a recorded server once it is gone, so it can be shown as it happens.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { EngineEvent } from '../../../src/shared/events'
import { closedConnections } from '../../helpers/capture-checks'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, startServer } from '../../helpers/net'

let t: TestEngine | undefined
afterEach(async () => {
  await t?.dispose()
  t = undefined
})

/** An engine whose live capture holds one proxied connection: the client sent `hello`, the echo server answered it. */
async function echoed(): Promise<{ t: TestEngine; connId: number; target: string; close: () => Promise<void> }> {
  const te = (t = await testEngine())
  const server = await startServer((s) => s.pipe(s))
  const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const c = await connectTo(portOf(proxy.listen))
  c.write('hello')
  await once(c, 'data')
  c.end()
  c.resume()
  const [conn] = await closedConnections(te.engine, 1)
  return { t: te, connId: conn.id, target: `127.0.0.1:${server.port}`, close: server.close }
}

describe('replays for the CLI', () => {
  it('record: false replays and compares, and adds nothing to the live capture', async () => {
    const { t, connId, close } = await echoed()
    try {
      const quiet = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', record: false })
      expect(quiet).toMatchObject({ matched: 1, of: 1 })
      expect(t.engine.capture.connections().map((c) => c.id)).toEqual([connId])
      const recorded = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns' })
      expect(recorded).toMatchObject({ matched: 1, of: 1 })
      const conns = await closedConnections(t.engine, 2)
      expect(conns[1].replayOf).toEqual({ capture: 'live', connId })
    } finally {
      await close()
    }
  })

  it("tells of each recorded server's client once it is gone", async () => {
    const { t, connId, close } = await echoed()
    await close()
    const server = await t.engine['replay.serve']({ capture: 'live', connId, listen: '127.0.0.1:0' })
    const told = new Promise<Extract<EngineEvent, { type: 'recorded-client' }>>((resolve) => {
      t.engine.subscribe((e) => (e.type === 'recorded-client' ? resolve(e) : undefined), { connections: false })
    })
    const c = await connectTo(portOf(server.listen))
    c.write('hello')
    await once(c, 'data')
    c.end()
    c.resume()
    const event = await told
    expect(event.server).toBe(server.id)
    expect(event.report).toMatchObject({ played: 1, of: 1, turns: [{ matched: true }] })
    // And replay.stop gives the same report.
    expect(await t.engine['replay.stop']({ id: server.id })).toEqual([event.report])
  })
})
