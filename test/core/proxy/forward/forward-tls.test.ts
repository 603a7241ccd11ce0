import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import * as tls from 'node:tls'
import { collect, startServer, tempDir, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { httpConnect, socks5 } from '../../../helpers/forward-client'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../../helpers/tls-certs'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'

let t: TestEngine
let certs: TestCerts
const tmp = tempDir()
const haveOpenssl = hasProgram('openssl')
const cleanups: (() => Promise<void> | void)[] = []
beforeAll(() => {
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())
afterEach(async () => {
  // The destinations close only once every connection to them has: a tunnel left open fails here.
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

/** TCP connections a destination has open. */
const openAt = new Map<number, Set<Socket>>()

/** A TLS server that answers each chunk with `got: CHUNK` and ends when the client does. */
async function tlsEcho(cert: string, key: string, alpn?: string[]): Promise<number> {
  const server = tls.createServer({ cert: certs.read(cert), key: certs.read(key), ALPNProtocols: alpn, allowHalfOpen: true }, (s) => {
    s.on('error', () => {})
    s.on('data', (c: Buffer) => s.write(`got: ${c.toString()}`))
    s.on('end', () => s.end())
  })
  const open = new Set<Socket>()
  server.on('connection', (c: Socket) => {
    open.add(c)
    c.on('close', () => open.delete(c))
  })
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  openAt.set(port, open)
  cleanups.push(() => {
    // A TLS server that allows half-open stays open after a FIN that came before any hello.
    for (const c of open) c.destroy()
    return new Promise<void>((r) => server.close(() => r()))
  })
  return port
}

async function forwardProxy(forward: Record<string, unknown>, tlsUpstream?: Record<string, unknown>): Promise<number> {
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward, tlsUpstream })
  return portOf(p.listen)
}

/** TLS over an open tunnel, trusting tcpscope's CA. */
async function tlsOver(socket: Socket, opts: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  socket.resume()
  const ca = (await t.engine['ca.info'](undefined)).pem
  const s = tls.connect({ socket, ca, ...opts })
  s.on('error', () => {})
  await once(s, 'secureConnect')
  return s
}

const closedTunnel = (): Promise<ConnectionSummary> => waitFor(() => t.engine.capture.connections().find((c) => c.end !== 'open'), 'the tunnel to close')

async function streamOf(c: ConnectionSummary, dir: 'client' | 'server'): Promise<string> {
  return Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: c.id, dir, offset: 0, length: c.bytes[dir] })).toString()
}

describe('forward proxy: TLS inside tunnels', () => {
  it('intercepts TLS after CONNECT with a leaf for the SNI, verifies the destination, and records the cleartext', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const dest = await tlsEcho(certs.leafCert, certs.leafKey, ['http/1.1'])
    const port = await forwardProxy({}, { ca: certs.caPath })
    const { socket, status } = await httpConnect(port, `localhost:${dest}`)
    expect(status).toBe(200)
    const s = await tlsOver(socket, { servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] })
    // The client was answered with what the destination settled on.
    expect(s.alpnProtocol).toBe('http/1.1')
    expect(s.getPeerCertificate().issuer.CN).toMatch(/tcpscope/)
    const got = collect(s as unknown as Socket)
    s.end('ping')
    expect((await got).toString()).toBe('got: ping')
    const c = await closedTunnel()
    expect(c.target).toBe(`localhost:${dest}`)
    expect(c.via).toBe('CONNECT')
    expect(await streamOf(c, 'client')).toBe('ping')
    expect(await streamOf(c, 'server')).toBe('got: ping')
    expect(c.tls?.client?.sni).toBe('localhost')
    expect(c.tls?.server?.sni).toBe('localhost')
    expect(c.tls?.server?.chain?.[0].subject).toMatch(/CN=upstream\.test/)
    expect(c.tls?.failure).toBeUndefined()
  })

  it('answers a client that sent no SNI with a leaf for the destination IP (SOCKS5)', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const dest = await tlsEcho(certs.leafCert, certs.leafKey)
    const port = await forwardProxy({}, { ca: certs.caPath })
    const r = await socks5(port, { atyp: 1, host: '127.0.0.1', port: dest })
    expect(r.reply).toBe(0)
    // No servername: Node sends no SNI for an IP, and checks the certificate against the IP.
    const s = await tlsOver(r.socket, { host: '127.0.0.1' })
    expect(s.authorized).toBe(true)
    const got = collect(s as unknown as Socket)
    s.end('ip')
    expect((await got).toString()).toBe('got: ip')
    const c = await closedTunnel()
    expect(c.via).toBe('SOCKS5')
    expect(c.tls?.client?.sni).toBeUndefined()
  })

  it('closes the client cleanly when the destination does not verify, with the reason recorded', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const dest = await tlsEcho(certs.selfCert, certs.selfKey)
    const port = await forwardProxy({})
    const { socket } = await httpConnect(port, `127.0.0.1:${dest}`)
    socket.resume()
    const ca = (await t.engine['ca.info'](undefined)).pem
    const s = tls.connect({ socket, ca, servername: 'upstream.test' })
    const outcome = await new Promise<string>((resolve) => {
      s.on('secureConnect', () => resolve('secure'))
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
    })
    // The handshake never completes: the proxy closed (FIN), it did not answer with a leaf.
    expect(outcome).toBe('ECONNRESET')
    const c = await closedTunnel()
    // The connection to the destination is closed too, not left open.
    await waitFor(() => openAt.get(dest)!.size === 0, 'the destination to see its connection close')
    expect(c.tls?.failure?.side).toBe('server')
    expect(c.tls?.failure?.message).toMatch(/cannot verify 127\.0\.0\.1:\d+'s certificate \(self-signed, CN upstream\.test\): pass --upstream-ca FILE to trust it, or --insecure to skip verification/)
  })

  it('passes TLS through untouched with --no-intercept, recorded as TLS with its SNI', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const dest = await tlsEcho(certs.leafCert, certs.leafKey)
    const port = await forwardProxy({ intercept: false })
    const { socket } = await httpConnect(port, `127.0.0.1:${dest}`)
    socket.resume()
    const s = tls.connect({ socket, ca: certs.caPem, servername: 'upstream.test', ALPNProtocols: ['x-test'] })
    await once(s, 'secureConnect')
    // The destination's own certificate: nothing was terminated.
    expect(s.getPeerCertificate().issuer.CN).toBe('tcpscope test CA')
    const got = collect(s as unknown as Socket)
    s.end('through')
    expect((await got).toString()).toBe('got: through')
    const c = await closedTunnel()
    expect(c.tls?.passthrough).toEqual({ sni: 'upstream.test', alpn: ['x-test'] })
    expect(c.tls?.client).toBeUndefined()
  })

  it('refuses a truncated ClientHello (recorded, closed cleanly) and keeps serving', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const dest = await tlsEcho(certs.leafCert, certs.leafKey)
    const port = await forwardProxy({ handshakeTimeoutMs: 300 }, { ca: certs.caPath })
    const { socket } = await httpConnect(port, `127.0.0.1:${dest}`)
    // A handshake record that announces 512 bytes and brings 8, then nothing.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0, 0]))
    const ended = collect(socket)
    socket.resume()
    await ended
    // Its end answered with the client's, as a TLS client does (the proxy would otherwise give it 2 s to).
    socket.end()
    const c = await closedTunnel()
    expect(c.tls?.failure?.message).toBe('the client sent only 13 bytes of a TLS hello within 300 ms')
    const again = await httpConnect(port, `localhost:${dest}`)
    const s = await tlsOver(again.socket, { servername: 'localhost' })
    const got = collect(s as unknown as Socket)
    s.end('after')
    expect((await got).toString()).toBe('got: after')
    void startServer
  })
})
