// Every kind of address on both sides: IPv4, IPv6 and Unix sockets, including a socket
// file left behind by a program that died (reused) and a path that is not a socket
// (refused with a clear message).
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, lstatSync, writeFileSync, readFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { collect, connectTo, randomPayload, sha256 } from '../../helpers/net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents, closedConnections, expectSeqInOrder } from '../../helpers/capture-checks'
import { expectOneLine, oneLineRejection } from '../../helpers/errors'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** An echo server listening where `listenArgs` say (a port on a host, or a path). */
async function echoServer(listenArgs: { port: 0; host: string } | { path: string }): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (s) => s.pipe(s))
  server.listen(listenArgs)
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  return server
}

function connectPath(path: string): Promise<Socket> {
  const s = connect({ path, allowHalfOpen: true })
  return once(s, 'connect').then(() => s)
}

/** Sends `payload` through and expects the echo back, byte-exact. */
async function roundTrip(client: Socket, payload: Buffer): Promise<void> {
  const got = collect(client)
  client.end(payload)
  expect(sha256(await got)).toBe(sha256(payload))
}

/** Leaves a socket file behind the way a crashed program does: bound, then SIGKILLed. */
async function staleSocketFile(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('up'))", path], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  await once(child.stdout!, 'data')
  child.kill('SIGKILL')
  await once(child, 'exit')
}

describe('proxy: addresses', () => {
  it('listens on [::1]:0 and forwards to an IPv6 target', async () => {
    t = await testEngine()
    const server = await echoServer({ port: 0, host: '::1' })
    const port = (server.address() as { port: number }).port
    const proxy = await t.engine['proxy.start']({ listen: '[::1]:0', target: `[::1]:${port}` })
    expect(proxy.listen).toMatch(/^\[::1\]:\d+$/)
    expect(proxy.target).toBe(`[::1]:${port}`)
    const proxyPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1))
    await roundTrip(await connectTo(proxyPort, '::1'), randomPayload(300_000))
    const [conn] = await closedConnections(t.engine, 1)
    expect(conn.client).toMatchObject({ address: '::1', family: 'IPv6' })
    expect(conn.upstream?.remote).toEqual({ address: '::1', port, family: 'IPv6' })
  })

  it('listens on a Unix socket path and forwards to a Unix socket target', async () => {
    t = await testEngine()
    const targetPath = join(t.dir, 'target.sock')
    const listenPath = join(t.dir, 'proxy.sock')
    await echoServer({ path: targetPath })
    const proxy = await t.engine['proxy.start']({ listen: listenPath, target: targetPath })
    expect(proxy).toMatchObject({ listen: listenPath, target: targetPath, state: 'listening' })
    const payload = randomPayload(500_000)
    await roundTrip(await connectPath(listenPath), payload)
    const [conn] = await closedConnections(t.engine, 1)
    expect(conn).toMatchObject({ end: 'closed', client: { path: listenPath }, bytes: { client: payload.length, server: payload.length }, fin: { client: true, server: true } })
    expect(conn.upstream?.remote).toEqual({ path: targetPath })
    expectSeqInOrder(await allEvents(t.engine.capture, conn.id))
    // Stopping removes the socket file, so the path is free for the next run.
    await t.engine['proxy.stop']({ proxyId: proxy.id })
    expect(existsSync(listenPath)).toBe(false)
  })

  it('bridges TCP clients to a Unix socket target and Unix clients to a TCP target', async () => {
    t = await testEngine()
    const unixTarget = join(t.dir, 'u.sock')
    await echoServer({ path: unixTarget })
    const tcp = await echoServer({ port: 0, host: '127.0.0.1' })
    const toUnix = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: unixTarget })
    const toTcp = await t.engine['proxy.start']({ listen: join(t.dir, 'in.sock'), target: `127.0.0.1:${(tcp.address() as { port: number }).port}` })
    await roundTrip(await connectTo(Number(toUnix.listen.split(':')[1])), randomPayload(100_000))
    await roundTrip(await connectPath(toTcp.listen), randomPayload(100_000))
    const conns = await closedConnections(t.engine, 2)
    expect(conns.map((c) => c.end)).toEqual(['closed', 'closed'])
  })

  it('reuses a socket file left behind by a program that died', async () => {
    t = await testEngine()
    const listenPath = join(t.dir, 'stale.sock')
    await staleSocketFile(listenPath)
    expect(lstatSync(listenPath).isSocket()).toBe(true)
    const tcp = await echoServer({ port: 0, host: '127.0.0.1' })
    const proxy = await t.engine['proxy.start']({ listen: listenPath, target: `127.0.0.1:${(tcp.address() as { port: number }).port}` })
    expect(proxy.listen).toBe(listenPath)
    await roundTrip(await connectPath(listenPath), Buffer.from('still works'))
  })

  it('refuses a socket path another program is listening on, and leaves it alone', async () => {
    t = await testEngine()
    const busyPath = join(t.dir, 'busy.sock')
    await echoServer({ path: busyPath })
    const message = await oneLineRejection(t.engine['proxy.start']({ listen: busyPath, target: '127.0.0.1:1' }))
    expect(message).toBe(`cannot listen on ${busyPath}: another program is listening on that socket; stop it or pick another path`)
    await roundTrip(await connectPath(busyPath), Buffer.from('the owner still answers'))
  })

  it('refuses a listen path that holds a file that is not a socket, and leaves the file alone', async () => {
    t = await testEngine()
    const path = join(t.dir, 'notes.txt')
    writeFileSync(path, 'precious')
    const message = await oneLineRejection(t.engine['proxy.start']({ listen: path, target: '127.0.0.1:1' }))
    expect(message).toBe(`cannot listen on ${path}: a file that is not a socket is there; remove it or pick another path`)
    expectOneLine(message)
    expect(readFileSync(path, 'utf8')).toBe('precious')
    expect(await t.engine['proxy.list']()).toEqual([])
  })
})
