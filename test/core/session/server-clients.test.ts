// A server session with several clients: a send reaches the one client it names, a
// broadcast reaches all, and the capture keeps each client's conversation apart.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { connectTo, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { captured, closedSummary, connIdOf, serverInfo, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('server session: several clients', () => {
  it('sends to one client by its connection id, and to every client by broadcast', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    expect(server).toMatchObject({ kind: 'server', state: 'listening', clients: [], accepted: 0 })
    const port = portOf(server.listen)
    const alice = new SocketReader(await connectTo(port))
    const bob = new SocketReader(await connectTo(port))
    const aliceId = await connIdOf(t.engine, alice.socket)
    const bobId = await connIdOf(t.engine, bob.socket)
    expect(aliceId).not.toBe(bobId)

    // The session lists both, and so does the capture, as server-session connections.
    const info = await serverInfo(t.engine, server.id)
    expect(info.clients.sort()).toEqual([aliceId, bobId].sort())
    expect(info.accepted).toBe(2)
    const conns = (t.engine.capture.connections()).filter((c) => c.kind === 'server')
    expect(conns.map((c) => c.id).sort()).toEqual([aliceId, bobId].sort())
    expect(conns.every((c) => c.ownerId === server.id && c.target === server.listen)).toBe(true)

    expect(await t.engine['conn.send']({ connId: aliceId, payload: { kind: 'text', data: 'only alice\n' } })).toEqual({ bytes: 11 })
    await alice.contains('only alice\n')
    expect(await t.engine['server.broadcast']({ serverId: server.id, payload: { kind: 'text', data: 'everyone\n' } })).toEqual({
      clients: 2,
      bytes: 9
    })
    await alice.contains('everyone\n')
    await bob.contains('everyone\n')
    // Both saw the broadcast, so anything meant for bob alone would have arrived before it.
    expect(alice.text).toBe('only alice\neveryone\n')
    expect(bob.text).toBe('everyone\n')

    // What the remote clients sent is recorded as `client`, what we sent as `server`.
    alice.socket.end('from alice')
    bob.socket.end('from bob')
    // Without allowHalfOpen the session answers each FIN with its own, so both close cleanly.
    expect((await closedSummary(t.engine, aliceId)).end).toBe('closed')
    expect((await closedSummary(t.engine, bobId)).end).toBe('closed')
    expect((await captured(t.engine, aliceId, 'server')).toString()).toBe('only alice\neveryone\n')
    expect((await captured(t.engine, bobId, 'server')).toString()).toBe('everyone\n')
    expect((await captured(t.engine, aliceId, 'client')).toString()).toBe('from alice')
    expect((await captured(t.engine, bobId, 'client')).toString()).toBe('from bob')
  })

  it('broadcasts to nobody when no client is connected, and skips clients that already ended', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', allowHalfOpen: true })
    expect(await t.engine['server.broadcast']({ serverId: server.id, payload: { kind: 'hex', data: '00ff' } })).toEqual({ clients: 0, bytes: 2 })
    const port = portOf(server.listen)
    const alice = new SocketReader(await connectTo(port))
    const bob = new SocketReader(await connectTo(port))
    const aliceId = await connIdOf(t.engine, alice.socket)
    await connIdOf(t.engine, bob.socket)
    // After our FIN to alice nothing more can go to her; the broadcast reaches bob only.
    await t.engine['conn.end']({ connId: aliceId })
    await waitFor(() => alice.ended, 'alice to see our FIN')
    expect(await t.engine['server.broadcast']({ serverId: server.id, payload: { kind: 'hex', data: '00ff' } })).toEqual({ clients: 1, bytes: 2 })
    expect(await bob.atLeast(2)).toEqual(Buffer.from([0x00, 0xff]))
    expect(alice.bytes.length).toBe(0)
  })

  it('rejects a broadcast to an unknown server with a one-line error', async () => {
    t = await testEngine()
    await expect(t.engine['server.broadcast']({ serverId: 's99', payload: { kind: 'text', data: 'x' } })).rejects.toThrow(
      /^no server session "s99"; list them with session\.list$/
    )
  })

  it('stops listening with server.stop but keeps its clients, unless asked to close them', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true } })
    const port = portOf(server.listen)
    const alice = new SocketReader(await connectTo(port))
    const aliceId = await connIdOf(t.engine, alice.socket)

    await t.engine['server.stop']({ serverId: server.id })
    expect(await serverInfo(t.engine, server.id)).toMatchObject({ state: 'stopped', clients: [aliceId] })
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    alice.socket.write('still here')
    await alice.contains('still here')

    await t.engine['server.stop']({ serverId: server.id, closeClients: true })
    expect(await serverInfo(t.engine, server.id)).toMatchObject({ state: 'stopped', clients: [] })
    expect(summaryOf(t.engine, aliceId).end).toBe('stopped')
    await waitFor(() => alice.ended || alice.error !== undefined, 'alice to see the close')
    expect(alice.error === undefined || alice.error === 'ECONNRESET').toBe(true)
  })

  it('listens on a Unix socket path and records its clients by that path', async () => {
    t = await testEngine()
    const path = join(t.dir, 'server.sock')
    const server = await t.engine['server.start']({ listen: path, behaviour: { echo: true } })
    expect(server.listen).toBe(path)
    const socket = createConnection({ path, allowHalfOpen: true })
    await once(socket, 'connect')
    const client = new SocketReader(socket)
    client.socket.write('over unix')
    await client.contains('over unix')
    const [conn] = (t.engine.capture.connections()).filter((c) => c.kind === 'server')
    expect(conn).toMatchObject({ client: { path }, target: path, bytes: { client: 9, server: 9 } })
    client.socket.end()
    expect((await closedSummary(t.engine, conn.id)).end).toBe('closed')
  })
})
