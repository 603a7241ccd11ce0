// Stopped proxies and servers start again with the same id and settings; an id is taken
// only by a start that listens; a client session's client column is its local address.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { serverInfo, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.once('connect', () => {
      s.destroy()
      resolve('connected')
    })
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

async function echoThrough(port: number, text: string): Promise<string> {
  const c = await connectTo(port)
  const r = new SocketReader(c)
  c.write(text)
  const got = await r.contains(text)
  c.destroy()
  return got
}

describe('restart after stop', () => {
  it('restarts a stopped proxy on the same port, id and target; connections that outlived the stop go on', async () => {
    t = await testEngine()
    const target = await startServer((s) => s.pipe(s))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    const port = portOf(proxy.listen)
    const old = await connectTo(port)
    const oldReader = new SocketReader(old)
    old.write('before')
    await oldReader.contains('before')

    await t.engine['proxy.stop']({ proxyId: proxy.id })
    expect(await refused(port)).toBe('ECONNREFUSED')
    const again = await t.engine['proxy.restart']({ proxyId: proxy.id })
    expect(again).toMatchObject({ id: proxy.id, listen: proxy.listen, target: proxy.target, state: 'listening' })
    expect(t.events.filter((e) => e.type === 'proxy-started').map((e) => e.type === 'proxy-started' && e.proxy.state)).toEqual(['listening', 'listening'])

    expect(await echoThrough(port, 'after')).toBe('after')
    old.write('still')
    await oldReader.contains('beforestill')
    const owned = t.engine.capture.connections().filter((c) => c.ownerId === proxy.id)
    expect(owned).toHaveLength(2)

    expect(await oneLineRejection(t.engine['proxy.restart']({ proxyId: proxy.id }))).toBe(`proxy ${proxy.id} is already listening on ${proxy.listen}`)
    // Stopping with its connections after a restart still closes every one of them.
    await t.engine['proxy.stop']({ proxyId: proxy.id, closeConnections: true })
    await waitFor(() => oldReader.ended, 'the connection from before the restart to be closed')
    old.destroy()
    await target.close()
  })

  it('restarts a stopped server session with its behaviour, on the same port and id', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true } })
    const port = portOf(server.listen)
    await t.engine['server.stop']({ serverId: server.id, closeClients: true })
    expect((await serverInfo(t.engine, server.id)).state).toBe('stopped')
    expect(await refused(port)).toBe('ECONNREFUSED')

    const again = await t.engine['server.restart']({ serverId: server.id })
    expect(again).toMatchObject({ id: server.id, listen: server.listen, state: 'listening', behaviour: { echo: true } })
    expect(await echoThrough(port, 'echoed')).toBe('echoed')
    expect(await oneLineRejection(t.engine['server.restart']({ serverId: server.id }))).toBe(`server ${server.id} is already listening on ${server.listen}`)
  })

  it('says so in one line when the port was taken meanwhile', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    await t.engine['server.stop']({ serverId: server.id })
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(portOf(server.listen), '127.0.0.1', () => r()))
    const message = await oneLineRejection(t.engine['server.restart']({ serverId: server.id }))
    expect(message).toContain(String(portOf(server.listen)))
    expect((await serverInfo(t.engine, server.id)).state).toBe('stopped')
    await new Promise((r) => holder.close(r))
  })
})

describe('ids', () => {
  it('a failed first proxy start does not use up p1, nor a failed server start s1', async () => {
    t = await testEngine()
    const holder = await startServer(() => {})
    const target = `127.0.0.1:${holder.port}`
    await oneLineRejection(t.engine['proxy.start']({ listen: `127.0.0.1:${holder.port}`, target }))
    expect((await t.engine['proxy.start']({ listen: '127.0.0.1:0', target })).id).toBe('p1')
    await oneLineRejection(t.engine['server.start']({ listen: `127.0.0.1:${holder.port}` }))
    expect((await t.engine['server.start']({ listen: '127.0.0.1:0' })).id).toBe('s1')
    await holder.close()
  })
})

describe('client sessions', () => {
  it('record their local address as the connection client', async () => {
    t = await testEngine()
    let accepted!: (s: Socket) => void
    const remoteSide = new Promise<Socket>((r) => (accepted = r))
    const server = await startServer((s) => accepted(s))
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}` })
    const remote = await remoteSide
    const c = summaryOf(t.engine, session.connId!)
    expect(c.client).toEqual({ address: '127.0.0.1', port: remote.remotePort, family: 'IPv4' })
    // The list's own filter finds it by that port.
    const page = await t.engine['conn.page']({ capture: 'live', filter: `client:${remote.remotePort}`, offset: 0, limit: 10 })
    expect(page.rows.map((r) => r.id)).toEqual([session.connId])
    remote.destroy()
    await once(remote, 'close')
    await server.close()
  })
})
