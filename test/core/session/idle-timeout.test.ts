// idleTimeoutMs: a server session closes a client that neither sent nor received for that
// long, and records a `timeout` event before its FIN.
import { afterEach, describe, expect, it } from 'vitest'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedSummary, connIdOf, eventsOf, SocketReader } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('server session: idleTimeoutMs', () => {
  it('sends FIN to an idle client and records a timeout', async () => {
    t = await testEngine()
    // A second: the client must connect and send before it, and a loaded machine can stall
    // the test that long between the two (then the FIN came first and no echo did).
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', idleTimeoutMs: 1000, behaviour: { echo: true } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    client.socket.write('hi')
    await client.contains('hi')
    await waitFor(() => client.ended, 'the idle timeout FIN')
    client.socket.end()
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
    const kinds = (await eventsOf(t.engine, connId)).map((e) => e.kind)
    expect(kinds).toEqual(['open', 'data', 'data', 'timeout', 'fin', 'fin', 'close'])
    expect((await eventsOf(t.engine, connId)).find((e) => e.kind === 'timeout')?.info).toEqual({ ms: 1000, what: 'idle' })
  })

  it('closes for good a client that ignores the FIN', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', idleTimeoutMs: 50 })
    // connectTo allows half-open, so this client never answers the FIN by itself.
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: false, server: true } })
    expect(client.ended).toBe(true)
    expect((await eventsOf(t.engine, connId)).map((e) => [e.kind, e.dir])).toEqual([
      ['open', undefined],
      ['timeout', undefined],
      ['fin', 'server'],
      ['close', undefined]
    ])
  })

  it('keeps a client that keeps talking', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', idleTimeoutMs: 400, behaviour: { echo: true } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    // Longer in all than the idle timeout, but never silent for long.
    for (let i = 0; i < 20; i++) {
      client.socket.write(`<${i}>`)
      await client.contains(`<${i}>`)
      await new Promise((r) => setTimeout(r, 25))
    }
    expect((await eventsOf(t.engine, connId)).some((e) => e.kind === 'timeout')).toBe(false)
    expect(client.ended).toBe(false)
  })

  it('closes an idle client session too, recording the timeout', async () => {
    t = await testEngine()
    const remote = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end())
    })
    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}`, idleTimeoutMs: 100 })
    const conn = await closedSummary(t.engine, connId!)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
    expect((await eventsOf(t.engine, connId!)).map((e) => e.kind)).toEqual(['open', 'connecting', 'connected', 'timeout', 'fin', 'fin', 'close'])
    await remote.close()
  })
})
