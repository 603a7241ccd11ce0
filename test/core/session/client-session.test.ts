// A client session: connects with net.createConnection's options, records the attempt and
// the conversation, half-closes and closes by hand, and reconnects with the same settings.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { freePort, startServer, tempDir, waitFor } from '../../helpers/net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { captured, clientInfo, closedSummary, eventsOf, recordedEvent, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  await t?.dispose()
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A plain Node server (allowHalfOpen) that hands over each accepted socket, in order. */
async function remoteServer(host = '127.0.0.1'): Promise<{ port: number; next: () => Promise<SocketReader> }> {
  const queue: Socket[] = []
  const server = await startServer((s) => queue.push(s), host)
  cleanups.push(server.close)
  let taken = 0
  return {
    port: server.port,
    next: async () => new SocketReader(await waitFor(() => queue[taken] && queue[taken++], 'the server to accept'))
  }
}

/** A port nothing listens on right now (the kernel picked it, then it was let go). */
describe('client session: connecting and talking', () => {
  it('records connecting, connected (with addresses), data both ways, FIN both ways and close', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}` })
    expect(session).toMatchObject({ id: 'c1', kind: 'client', target: `127.0.0.1:${remote.port}`, state: 'open' })
    const connId = session.connId!
    const peer = await remote.next()
    const peerSawPort = peer.socket.remotePort

    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'hello\\r\\n' } })
    await peer.contains('hello\r\n')
    peer.socket.write('welcome')
    await waitFor(() => summaryOf(t.engine, connId).bytes.server === 7, 'the reply to be recorded')
    peer.socket.end()
    await recordedEvent(t.engine, connId, 'fin', 'server')
    await t.engine['conn.end']({ connId })
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ kind: 'client', ownerId: 'c1', end: 'closed', bytes: { client: 7, server: 7 }, fin: { client: true, server: true } })

    const events = await eventsOf(t.engine, connId)
    expect(events.map((e) => [e.kind, e.dir])).toEqual([
      ['open', undefined],
      ['connecting', undefined],
      ['connected', undefined],
      ['data', 'client'],
      ['data', 'server'],
      ['fin', 'server'],
      ['fin', 'client'],
      ['close', undefined]
    ])
    const connected = events[2].info as { local: { address: string; port: number }; remote: { address: string; port: number } }
    expect(connected.remote).toMatchObject({ address: '127.0.0.1', port: remote.port, family: 'IPv4' })
    expect(connected.local).toMatchObject({ address: '127.0.0.1', port: peerSawPort })
    expect(conn.upstream).toEqual({ local: connected.local, remote: connected.remote })
    expect(events[1].info).toEqual({ target: `127.0.0.1:${remote.port}` })
    expect((await captured(t.engine, connId, 'server')).toString()).toBe('welcome')
    expect(await clientInfo(t.engine, 'c1')).toMatchObject({ state: 'closed', connId })
  })

  it('records the name lookup when connecting by host name', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const session = await t.engine['client.connect']({ target: `localhost:${remote.port}`, family: '4' })
    const lookup = await recordedEvent(t.engine, session.connId!, 'lookup')
    expect(lookup.info).toMatchObject({ host: 'localhost', address: '127.0.0.1', family: 4 })
    const kinds = (await eventsOf(t.engine, session.connId!)).map((e) => e.kind)
    expect(kinds.slice(0, 4)).toEqual(['open', 'connecting', 'lookup', 'connected'])
    await remote.next()
  })

  it('keeps reading after our FIN: the server can still answer and it is recorded', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}` })
    const peer = await remote.next()
    await t.engine['conn.send']({ connId: connId!, payload: { kind: 'text', data: 'request' } })
    await t.engine['conn.end']({ connId: connId! })
    await waitFor(() => peer.ended, 'the server to see our FIN')
    expect(peer.text).toBe('request')
    expect(summaryOf(t.engine, connId!)).toMatchObject({ end: 'open', fin: { client: true, server: false } })

    peer.socket.end('late answer')
    const conn = await closedSummary(t.engine, connId!)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
    expect((await captured(t.engine, connId!, 'server')).toString()).toBe('late answer')
  })

  it('closes at once with conn.destroy and records it as closed by hand, not stopped', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}` })
    const peer = await remote.next()
    await t.engine['conn.destroy']({ connId: connId! })
    const conn = await closedSummary(t.engine, connId!)
    expect(conn.end).toBe('closed')
    await waitFor(() => peer.ended || peer.error !== undefined, 'the server to see the close')
    expect(await oneLineRejection(t.engine['conn.send']({ connId: connId!, payload: { kind: 'text', data: 'x' } }))).toBe(
      `connection #${connId} is not an open session connection (only server and client sessions can be driven by hand)`
    )
  })

  it('reconnects as a new capture connection, closing the old one', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const first = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}` })
    const firstPeer = await remote.next()
    await t.engine['conn.send']({ connId: first.connId!, payload: { kind: 'text', data: 'one' } })
    await firstPeer.contains('one')

    const again = await t.engine['client.reconnect']({ clientId: first.id })
    expect(again).toMatchObject({ id: first.id, state: 'open', target: first.target })
    expect(again.connId).toBeGreaterThan(first.connId!)
    // The old connection is closed and stays in the capture; the new one is a separate record.
    expect((await closedSummary(t.engine, first.connId!)).end).toBe('stopped')
    const secondPeer = await remote.next()
    await t.engine['conn.send']({ connId: again.connId!, payload: { kind: 'text', data: 'two' } })
    await secondPeer.contains('two')
    expect((await captured(t.engine, first.connId!, 'client')).toString()).toBe('one')
    expect((await captured(t.engine, again.connId!, 'client')).toString()).toBe('two')
    expect((t.engine.capture.connections()).filter((c) => c.ownerId === first.id).map((c) => c.id)).toEqual([first.connId, again.connId])
  })

  it('reconnects from the same pinned local port, resetting the old connection to free it', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const localPort = await freePort()
    const first = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}`, localPort })
    const firstPeer = await remote.next()
    expect(firstPeer.socket.remotePort).toBe(localPort)
    // The server never answers a FIN here, so a FIN close would keep the port taken.
    const again = await t.engine['client.reconnect']({ clientId: first.id })
    const secondPeer = await remote.next()
    expect(secondPeer.socket.remotePort).toBe(localPort)
    expect(again.connId).not.toBe(first.connId)
    expect((await closedSummary(t.engine, first.connId!)).end).toBe('client-reset')
    await waitFor(() => firstPeer.error === 'ECONNRESET', 'the old server side to see the reset')
  })

  it('closes the session with client.close, after which it is gone', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}` })
    await remote.next()
    await t.engine['client.close']({ clientId: session.id })
    expect(summaryOf(t.engine, session.connId!).end).toBe('stopped')
    expect(await t.engine['session.list']()).toEqual([])
    expect(await oneLineRejection(t.engine['client.reconnect']({ clientId: session.id }))).toBe(
      `no client session "${session.id}"; list them with session.list`
    )
  })
})

describe('client session: where it connects from and to', () => {
  it('connects from the given localAddress and localPort', async () => {
    t = await testEngine()
    const remote = await remoteServer()
    const localPort = await freePort()
    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${remote.port}`, localAddress: '127.0.0.1', localPort })
    const peer = await remote.next()
    expect(peer.socket.remoteAddress).toBe('127.0.0.1')
    expect(peer.socket.remotePort).toBe(localPort)
    expect(summaryOf(t.engine, connId!).upstream?.local).toMatchObject({ address: '127.0.0.1', port: localPort })
  })

  it('connects over IPv6 to [::1] with family 6', async () => {
    t = await testEngine()
    const remote = await remoteServer('::1')
    const { connId } = await t.engine['client.connect']({ target: `[::1]:${remote.port}`, family: '6' })
    const peer = await remote.next()
    await t.engine['conn.send']({ connId: connId!, payload: { kind: 'text', data: 'v6' } })
    await peer.contains('v6')
    expect(peer.socket.remoteFamily).toBe('IPv6')
    expect(summaryOf(t.engine, connId!)).toMatchObject({ target: `[::1]:${remote.port}`, upstream: { remote: { address: '::1', port: remote.port, family: 'IPv6' } } })
  })

  it('connects to a Unix socket path', async () => {
    t = await testEngine()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'echo.sock')
    const server: Server = createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('re:'), d])))
      s.on('end', () => s.end())
    })
    server.listen(path)
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))

    const session = await t.engine['client.connect']({ target: path })
    expect(session).toMatchObject({ target: path, state: 'open' })
    const connId = session.connId!
    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'hi' } })
    expect(await t.engine['conn.expect']({ connId, pattern: 're:hi', fromOffset: 0, timeoutMs: 10_000 })).toMatchObject({ matched: true })
    await t.engine['conn.end']({ connId })
    const conn = await closedSummary(t.engine, connId)
    expect(conn).toMatchObject({ end: 'closed', target: path, upstream: { remote: { path } } })
    expect((await captured(t.engine, connId, 'server')).toString()).toBe('re:hi')
  })
})
