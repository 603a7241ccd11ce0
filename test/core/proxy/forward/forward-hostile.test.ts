// Hostile and broken clients of a forward proxy: each gets one clear refusal (an HTTP status
// with a one-line reason, a SOCKS5 code, or a clean close), and the proxy serves the next.
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, collect } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { httpConnect, openTo, readUntil, socks5, wholeResponse } from '../../../helpers/forward-client'

let t: TestEngine
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

async function setup(forward: Record<string, unknown> = {}): Promise<{ port: number; echo: number }> {
  t = await testEngine()
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.pipe(s)
  })
  cleanups.push(server.close)
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false, ...forward } })
  return { port: portOf(p.listen), echo: server.port }
}

/** The proxy still tunnels, by CONNECT and by SOCKS5. */
async function stillServes(port: number, echo: number): Promise<void> {
  const a = await httpConnect(port, `127.0.0.1:${echo}`)
  expect(a.status).toBe(200)
  const got = collect(a.socket)
  a.socket.resume()
  a.socket.end('alive')
  expect((await got).toString()).toBe('alive')
  const b = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo })
  expect(b.reply).toBe(0)
  b.socket.destroy()
}

/** Sends `bytes` and reads everything until the proxy closes. */
async function answerTo(port: number, bytes: Buffer | string): Promise<{ answer: string; ended: boolean }> {
  const s = await openTo(port)
  s.write(bytes)
  const r = await readUntil(s, () => undefined)
  s.destroy()
  return { answer: r.answer.toString('latin1'), ended: r.ended }
}

describe('forward proxy: hostile input', () => {
  it('garbage instead of a request: 400 with the reason', async () => {
    const { port, echo } = await setup()
    const r = await answerTo(port, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]))
    expect(r.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(r.answer).toMatch(/tcpscope: not the start of an HTTP\/1\.x request/)
    // The proxy's side says so too (a warning front ends show, the CLI on stderr): no connection records it.
    const warnings = t.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^forward proxy p1: refused 127\.0\.0\.1:\d+: 400: not the start of an HTTP\/1\.x request/)
    await stillServes(port, echo)
  })

  it('a storm of refused clients: one warning, then how many more', async () => {
    const { port } = await setup()
    for (let i = 0; i < 5; i++) await answerTo(port, Buffer.from([0x00, 0xff, 0x0d, 0x0a]))
    const warnings = (): string[] => t.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    expect(warnings()).toHaveLength(1)
    await expect.poll(warnings, { timeout: 5000 }).toEqual([warnings()[0], 'forward proxy p1: 4 more client(s) refused in the last second'])
  })

  it('garbage after CONNECT: 400, and nothing is dialed', async () => {
    const { port, echo } = await setup()
    const r = await answerTo(port, `CONNECT 127.0.0.1:${echo} HTTP/1.1\r\n\x01\x02garbage\xff\r\n\r\n`)
    expect(r.answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(r.answer).toMatch(/bad header line/)
    const bad = await answerTo(port, 'CONNECT no-port-here HTTP/1.1\r\n\r\n')
    expect(bad.answer).toMatch(/^HTTP\/1\.1 400 [^]*the port is missing/)
    expect(t.engine.capture.connections()).toHaveLength(0)
    await stillServes(port, echo)
  })

  it('an oversized request line: 414 before the line ends', async () => {
    const { port, echo } = await setup()
    const r = await answerTo(port, `GET http://example.com/${'a'.repeat(9000)}`)
    expect(r.answer).toMatch(/^HTTP\/1\.1 414 URI Too Long\r\n[^]*a request line longer than 8192 bytes/)
    const head = await answerTo(port, `CONNECT 127.0.0.1:${echo} HTTP/1.1\r\n${'X-Big: b\r\n'.repeat(2000)}`)
    expect(head.answer).toMatch(/^HTTP\/1\.1 431 /)
    await stillServes(port, echo)
  })

  it('a SOCKS5 greeting with 255 methods: refused (0xFF) when none fits, served when one does', async () => {
    const { port, echo } = await setup({ proxyAuth: 'a:b' })
    const none = Array.from({ length: 255 }, (_, i) => (i % 250) + 3)
    const r = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo }, { methods: none })
    expect(r.method).toBe(0xff)
    const withUserPass = [...none.slice(0, 254), 2]
    const ok = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo }, { methods: withUserPass, user: 'a', pass: 'b' })
    expect(ok.authStatus).toBe(0)
    expect(ok.reply).toBe(0)
    ok.socket.destroy()
  })

  it('a client that says nothing: 408 after the handshake timeout; SOCKS4 and TLS-to-the-proxy are closed cleanly', async () => {
    const { port, echo } = await setup({ handshakeTimeoutMs: 200 })
    const silent = await openTo(port)
    const r = await readUntil(silent, wholeResponse)
    expect(r.answer.toString()).toMatch(/^HTTP\/1\.1 408 [^]*no whole request within 0\.2 s/)
    silent.destroy()
    const socks4 = await answerTo(port, Buffer.from([4, 1, 0, 80, 127, 0, 0, 1, 0]))
    expect(Buffer.from(socks4.answer, 'latin1')).toEqual(Buffer.from([0, 91, 0, 0, 0, 0, 0, 0]))
    const tlsHello = await answerTo(port, Buffer.from([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0]))
    expect(tlsHello).toEqual({ answer: '', ended: true })
    await stillServes(port, echo)
  })
})
