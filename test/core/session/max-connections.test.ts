// maxConnections: a server session turns away clients beyond the limit at once, counts
// them as refused, and records no connection for them.
import { afterEach, describe, expect, it } from 'vitest'
import { connectTo, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedSummary, connIdOf, serverInfo, SocketReader } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('server session: maxConnections', () => {
  it('closes the client over the limit right away and counts it as refused', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', maxConnections: 1, behaviour: { echo: true } })
    const port = portOf(server.listen)
    const first = new SocketReader(await connectTo(port))
    first.socket.write('hello')
    await first.contains('hello')
    const firstId = await connIdOf(t.engine, first.socket)

    // The kernel completes the handshake; the session then closes it without a word: a FIN,
    // or an RST when the client's data was still unread.
    const second = new SocketReader(await connectTo(port))
    second.socket.write('anyone?')
    await waitFor(() => second.ended || second.error !== undefined, 'the second client to be turned away')
    expect(second.bytes.length).toBe(0)
    expect(second.ended || second.error === 'ECONNRESET').toBe(true)
    second.socket.destroy()

    const info = await serverInfo(t.engine, server.id)
    expect(info).toMatchObject({ accepted: 1, refused: 1, clients: [firstId] })
    const conns = (t.engine.capture.connections()).filter((c) => c.kind === 'server')
    expect(conns.map((c) => c.id)).toEqual([firstId])
    // The first client is unaffected.
    first.socket.write(' again')
    await first.contains('hello again')
  })

  it('accepts a new client once the one before it has gone', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', maxConnections: 1, behaviour: { echo: true } })
    const port = portOf(server.listen)
    const first = new SocketReader(await connectTo(port))
    const firstId = await connIdOf(t.engine, first.socket)
    first.socket.end()
    expect((await closedSummary(t.engine, firstId)).end).toBe('closed')
    const next = new SocketReader(await connectTo(port))
    next.socket.write('me too')
    await next.contains('me too')
    expect(await serverInfo(t.engine, server.id)).toMatchObject({ accepted: 2, refused: 0 })
  })
})
