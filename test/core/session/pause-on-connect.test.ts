// pauseOnConnect: a client is accepted and recorded, but nothing it sends is read (so
// nothing is answered) until `conn.resume`.
import { afterEach, describe, expect, it } from 'vitest'
import { connectTo } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { captured, connIdOf, serverInfo, SocketReader, summaryOf } from '../../helpers/sessions'
import { writePastItsRead } from '../../helpers/read-probe'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('server session: pauseOnConnect', () => {
  it('reads and echoes nothing until conn.resume, then everything that was waiting', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', pauseOnConnect: true, behaviour: { echo: true } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    expect(await serverInfo(t.engine, server.id)).toMatchObject({ clients: [connId], paused: [connId] })

    await writePastItsRead(client.socket, 'waiting')
    expect(summaryOf(t.engine, connId).bytes).toEqual({ client: 0, server: 0 })
    expect(client.bytes.length).toBe(0)

    await t.engine['conn.resume']({ connId })
    expect(await serverInfo(t.engine, server.id)).toMatchObject({ clients: [connId], paused: [] })
    // Front ends hear of it too: the server's latest announced state holds no paused client.
    const updates = t.events.filter((e) => e.type === 'session-updated' && e.session.id === server.id)
    expect(updates.at(-1)).toMatchObject({ session: { paused: [] } })
    await client.contains('waiting')
    expect((await captured(t.engine, connId, 'client')).toString()).toBe('waiting')

    // Resumed for good: later data is echoed as usual, and a second resume changes nothing.
    await t.engine['conn.resume']({ connId })
    client.socket.write(' more')
    await client.contains('waiting more')
  })

  it('pauses each new client on its own', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', pauseOnConnect: true, behaviour: { echo: true } })
    const a = new SocketReader(await connectTo(portOf(server.listen)))
    const b = new SocketReader(await connectTo(portOf(server.listen)))
    const aId = await connIdOf(t.engine, a.socket)
    const bId = await connIdOf(t.engine, b.socket)
    await t.engine['conn.resume']({ connId: bId })
    expect((await serverInfo(t.engine, server.id)).paused).toEqual([aId])
    a.socket.write('from a')
    b.socket.write('from b')
    // a's bytes came first: the loop that read and echoed b's would have read them too.
    await b.contains('from b')
    expect(a.bytes.length).toBe(0)
    expect(summaryOf(t.engine, aId).bytes.client).toBe(0)
  })
})
