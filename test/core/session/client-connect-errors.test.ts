// A client session whose connect fails: `client.connect` rejects with one line that says
// why, the capture records `connect-failed`, and the session stays to be reconnected.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { freePort, startServer } from '../../helpers/net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { startHangingListener, type HangingListener } from '../../helpers/hanging-listener'
import { clientInfo, eventsOf, summaryOf } from '../../helpers/sessions'

let t: TestEngine
let hanging: HangingListener | undefined
afterEach(async () => {
  await t?.dispose()
  await hanging?.close()
  hanging = undefined
})

/** The one connection of the session's failed attempt. */
function onlyConnection(): number {
  const conns = t.engine.capture.connections()
  expect(conns).toHaveLength(1)
  return conns[0].id
}

describe('client session: failed connects', () => {
  it('rejects a refused connect with one line and records connect-failed ECONNREFUSED', async () => {
    t = await testEngine()
    const port = await freePort()
    const message = await oneLineRejection(t.engine['client.connect']({ target: `127.0.0.1:${port}` }))
    expect(message).toBe(`connection refused by 127.0.0.1:${port}: nothing is listening there; is the server running?`)
    const connId = onlyConnection()
    expect(summaryOf(t.engine, connId)).toMatchObject({ kind: 'client', end: 'connect-failed', error: { code: 'ECONNREFUSED' } })
    const events = await eventsOf(t.engine, connId)
    expect(events.map((e) => e.kind)).toEqual(['open', 'connecting', 'connect-failed', 'close'])
    expect(events[2]).toMatchObject({ dir: 'server', info: { code: 'ECONNREFUSED', message } })
    expect(await clientInfo(t.engine, 'c1')).toMatchObject({ state: 'closed', error: message, connId })

    // The session stays: once something listens there, reconnect works, as a new connection.
    const server = createServer((s) => s.resume())
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    const again = await t.engine['client.reconnect']({ clientId: 'c1' })
    expect(again).toMatchObject({ id: 'c1', state: 'open' })
    expect(again.error).toBeUndefined()
    expect(again.connId).not.toBe(connId)
    await t.engine['client.close']({ clientId: 'c1' })
    await new Promise<void>((r) => server.close(() => r()))
  })

  it('gives up after connectTimeoutMs: records timeout, then connect-failed ETIMEDOUT', async () => {
    t = await testEngine()
    hanging = await startHangingListener()
    const target = `127.0.0.1:${hanging.port}`
    const message = await oneLineRejection(t.engine['client.connect']({ target, connectTimeoutMs: 300 }))
    expect(message).toBe(`timed out connecting to ${target}: the host did not answer`)
    const connId = onlyConnection()
    const events = await eventsOf(t.engine, connId)
    expect(events.map((e) => e.kind)).toEqual(['open', 'connecting', 'timeout', 'connect-failed', 'close'])
    expect(events[2].info).toEqual({ ms: 300, what: 'connect' })
    expect(events[3].info).toMatchObject({ code: 'ETIMEDOUT' })
    expect(summaryOf(t.engine, connId)).toMatchObject({ end: 'connect-failed', error: { code: 'ETIMEDOUT' } })
  })

  it('names a local address that is not on this machine as the problem', async () => {
    t = await testEngine()
    const server = await startServer((s) => s.resume())
    const message = await oneLineRejection(t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, localAddress: '192.0.2.1' }))
    expect(message).toBe(
      `cannot connect to 127.0.0.1:${server.port} from 192.0.2.1: that local address is not on this machine, or a connection from that port to the same server is still closing; pick another local address or port, or leave them out`
    )
    expect(summaryOf(t.engine, onlyConnection()).error?.code).toBe('EADDRNOTAVAIL')
    await server.close()
  })

  it('names a local port that is in use as the problem', async () => {
    t = await testEngine()
    const server = await startServer((s) => s.resume())
    const busy = await startServer(() => {})
    const message = await oneLineRejection(
      t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, localAddress: '127.0.0.1', localPort: busy.port })
    )
    expect(message).toBe(
      `cannot connect to 127.0.0.1:${server.port} from 127.0.0.1 port ${busy.port}: that local port is in use; pick another local address or port, or leave them out`
    )
    await busy.close()
    await server.close()
  })

  it('rejects a bad target before connecting', async () => {
    t = await testEngine()
    expect(await oneLineRejection(t.engine['client.connect']({ target: 'no-port-here' }))).toBe(
      'target: bad address "no-port-here": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path'
    )
    expect(t.engine.capture.connections()).toHaveLength(0)
    expect(await t.engine['session.list']()).toEqual([])
  })
})
