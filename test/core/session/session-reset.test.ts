// An RST from either side of a session connection is recorded as a reset and ends it as
// `client-reset` or `server-reset`; the remote peer of `conn.reset` sees ECONNRESET.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { connectTo, outcomeOf, startServer } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedSummary, connIdOf, eventsOf, SocketReader } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

/** A server session with one echo client that has done a round trip. */
async function echoClient(): Promise<{ client: Socket; connId: number }> {
  const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true } })
  const client = await connectTo(portOf(server.listen))
  const r = new SocketReader(client)
  client.write('ping')
  await r.contains('ping')
  client.removeAllListeners('data')
  return { client, connId: await connIdOf(t.engine, client) }
}

/** A client session connected to a plain Node server, with one round trip done. */
async function clientSession(): Promise<{ remote: Socket; connId: number; close: () => Promise<void> }> {
  let accepted!: (s: Socket) => void
  const remoteSide = new Promise<Socket>((r) => (accepted = r))
  const server = await startServer((s) => accepted(s))
  const session = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}` })
  const remote = await remoteSide
  await t.engine['conn.send']({ connId: session.connId!, payload: { kind: 'text', data: 'hi' } })
  await once(remote, 'data')
  return { remote, connId: session.connId!, close: server.close }
}

describe('session connections: reset', () => {
  it('records a reset by the remote client of a server session as client-reset', async () => {
    t = await testEngine()
    const { client, connId } = await echoClient()
    client.resetAndDestroy()
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'client-reset', fin: { client: false, server: false } })
    const events = await eventsOf(t.engine, connId)
    expect(events.filter((e) => e.kind === 'reset')).toEqual([expect.objectContaining({ dir: 'client', info: expect.objectContaining({ code: 'ECONNRESET' }) })])
    expect(events.at(-1)).toMatchObject({ kind: 'close', info: { end: 'client-reset' } })
  })

  it('resets the remote client with conn.reset on a server session: it sees ECONNRESET', async () => {
    t = await testEngine()
    const { client, connId } = await echoClient()
    const outcome = outcomeOf(client)
    await t.engine['conn.reset']({ connId })
    expect(await outcome).toEqual({ ended: false, error: 'ECONNRESET' })
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'server-reset', fin: { client: false, server: false } })
    const events = await eventsOf(t.engine, connId)
    expect(events.filter((e) => e.kind === 'reset')).toEqual([expect.objectContaining({ dir: 'server' })])
    expect(events.at(-1)).toMatchObject({ kind: 'close', info: { end: 'server-reset' } })
  })

  it('records a reset by the remote server of a client session as server-reset', async () => {
    t = await testEngine()
    const { remote, connId, close } = await clientSession()
    remote.resetAndDestroy()
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ kind: 'client', end: 'server-reset', fin: { client: false, server: false } })
    const events = await eventsOf(t.engine, connId)
    expect(events.filter((e) => e.kind === 'reset')).toEqual([expect.objectContaining({ dir: 'server', info: expect.objectContaining({ code: 'ECONNRESET' }) })])
    expect((await t.engine['session.list']())[0]).toMatchObject({ kind: 'client', state: 'closed', connId })
    await close()
  })

  it('resets the remote server with conn.reset on a client session: it sees ECONNRESET', async () => {
    t = await testEngine()
    const { remote, connId, close } = await clientSession()
    const outcome = outcomeOf(remote)
    await t.engine['conn.reset']({ connId })
    expect(await outcome).toEqual({ ended: false, error: 'ECONNRESET' })
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'client-reset' })
    expect((await eventsOf(t.engine, connId)).filter((e) => e.kind === 'reset')).toEqual([expect.objectContaining({ dir: 'client' })])
    await close()
  })
})
