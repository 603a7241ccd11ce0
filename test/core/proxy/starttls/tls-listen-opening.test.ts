// A proxy with --tls-listen whose client is silent at first: the target is dialed in the
// clear to see whether it speaks first. A TLS client slower than that wait still gets
// through (its hello read when it comes; a TLS target's TLS started over the same TCP
// connection, a plain target's leg left in the clear); a target that greets with no opening
// tcpscope can switch is refused with a recorded reason.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import * as tls from 'node:tls'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { collect, connectTo, startServer, tempDir, waitFor } from '../../../helpers/net'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../../helpers/tls-certs'

const tmp = tempDir()
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
const haveOpenssl = hasProgram('openssl')
let certs: TestCerts
let t: TestEngine
const cleanups: Array<() => unknown> = []

beforeAll(() => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

async function closedConn(): Promise<ConnectionSummary> {
  return waitFor(() => {
    const c = t.engine.capture.connections()[0]
    return c !== undefined && c.end !== 'open' ? c : undefined
  }, 'the connection to close')
}

describe('--tls-listen with a silent client', () => {
  it('a TLS client that sends its hello late still gets through, with its SNI sent on', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const names: unknown[] = []
    const server = tls.createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, (s) => {
      names.push((s as unknown as { servername?: string }).servername)
      s.end('hello from upstream')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    t = await testEngine()
    const caPem = (await t.engine.ca()).info().pem
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}`, tlsListen: {}, tlsUpstream: { verify: false } })
    const raw = await connectTo(portOf(proxy.listen))
    await new Promise((r) => setTimeout(r, 700))
    const client = tls.connect({ socket: raw, servername: 'upstream.test', ca: caPem })
    client.on('error', () => {})
    await once(client, 'secureConnect')
    const got = collect(client)
    client.end()
    expect((await got).toString()).toBe('hello from upstream')
    expect(names).toEqual(['upstream.test'])
    const c = await closedConn()
    expect(c.tls).toMatchObject({ client: { sni: 'upstream.test' }, server: { sni: 'upstream.test' } })
    expect(c.tls?.starttls).toBeUndefined()
  })

  it('a TLS client that sends its hello late to a proxy with a plain target: TLS ends at the proxy, the target gets the cleartext', async () => {
    // The target's leg is what it would have been had the hello come at once: in the clear.
    // Before, a late hello started TLS toward the target as a STARTTLS switch does, which a
    // plain target never answers: the client was cut after the 10 s handshake timeout (seen
    // under load in proxy-workers.test.ts, a client's hello slower than the 300 ms wait).
    const heard: Buffer[] = []
    const up = await startServer((s) => {
      s.on('data', (d: Buffer) => heard.push(d))
      s.on('end', () => s.end(`got ${Buffer.concat(heard).toString()}`))
    })
    cleanups.push(up.close)
    t = await testEngine()
    const caPem = (await t.engine.ca()).info().pem
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {} })
    const raw = await connectTo(portOf(proxy.listen))
    await new Promise((r) => setTimeout(r, 700))
    const client = tls.connect({ socket: raw, servername: 'svc.test', ca: caPem, allowHalfOpen: true } as tls.ConnectionOptions)
    client.on('error', () => {})
    await once(client, 'secureConnect')
    const got = collect(client)
    client.end('ping')
    expect((await got).toString()).toBe('got ping')
    const c = await closedConn()
    expect(c.tls).toMatchObject({ client: { sni: 'svc.test' } })
    expect(c.tls?.server).toBeUndefined()
    expect(c.tls?.failure).toBeUndefined()
  })

  it('a target that greets with no opening tcpscope can switch, to a silent client: refused with the reason', async () => {
    const up = await startServer((s) => s.write('SSH-2.0-OpenSSH_9.2\r\n'))
    cleanups.push(up.close)
    t = await testEngine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {} })
    const s = await connectTo(portOf(proxy.listen))
    const got = await collect(s)
    expect(got.length).toBe(0)
    const c = await closedConn()
    expect(c.tls?.failure).toMatchObject({ side: 'client', code: 'ENOTTLS' })
    expect(c.tls?.failure?.message).toMatch(/^the target spoke first, with no opening tcpscope can switch to TLS/)
  })
})
