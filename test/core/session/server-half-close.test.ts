// A client's FIN ends only its direction: with allowHalfOpen the server session keeps
// sending until we send our own FIN; without it the session answers FIN with FIN.
import { afterEach, describe, expect, it } from 'vitest'
import { connectTo, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { captured, closedSummary, connIdOf, eventsOf, recordedEvent, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('server session: half-close', () => {
  it('keeps sending after the client FIN when allowHalfOpen is on, until conn.end sends ours', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', allowHalfOpen: true })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)

    client.socket.end('last words')
    await recordedEvent(t.engine, connId, 'fin', 'client')
    expect(summaryOf(t.engine, connId)).toMatchObject({ end: 'open', fin: { client: true, server: false } })

    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'still talking' } })
    await client.contains('still talking')
    expect(client.ended).toBe(false)

    await t.engine['conn.end']({ connId })
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true }, bytes: { client: 10, server: 13 } })
    await waitFor(() => client.ended, 'the client to see our FIN')
    expect(client.error).toBeUndefined()
    expect((await captured(t.engine, connId, 'client')).toString()).toBe('last words')

    const kinds = (await eventsOf(t.engine, connId)).map((e) => [e.kind, e.dir])
    expect(kinds).toEqual([
      ['open', undefined],
      ['data', 'client'],
      ['fin', 'client'],
      ['data', 'server'],
      ['fin', 'server'],
      ['close', undefined]
    ])
  })

  it('answers the client FIN with its own FIN by default', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    client.socket.end()
    await waitFor(() => client.ended, 'the server FIN')
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
    expect((await eventsOf(t.engine, connId)).map((e) => e.kind)).toEqual(['open', 'fin', 'fin', 'close'])
    expect((await t.engine['session.list']())[0]).toMatchObject({ clients: [], accepted: 1 })
  })

  it('refuses to send after our own FIN, with a one-line error, but still reads the client', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', allowHalfOpen: true })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    await t.engine['conn.end']({ connId })
    await waitFor(() => client.ended, 'the client to see our FIN')

    const message = await oneLineRejection(t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'too late' } }))
    expect(message).toBe(`connection #${connId}: you already sent FIN, so nothing more can be sent`)
    client.socket.end('reply after FIN')
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'closed', bytes: { client: 15, server: 0 } })
    expect((await captured(t.engine, connId, 'client')).toString()).toBe('reply after FIN')
    // Once closed, the connection is no longer drivable.
    expect(await oneLineRejection(t.engine['conn.end']({ connId }))).toMatch(/is not an open session connection/)
  })
})
