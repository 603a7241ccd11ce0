import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Socket } from 'node:net'
import { collect, randomPayload, sha256, startServer, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { httpConnect, openTo, readUntil, socks5, wholeResponse } from '../../../helpers/forward-client'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { heldQueue } from '../../breakpoint/break-helpers'
import { READ_BUFFER_SIZE } from '../../../../src/core/net/read-buffers'

let t: TestEngine
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

/** An echo server: every byte back, FIN for FIN. */
async function echoServer(host = '127.0.0.1'): Promise<number> {
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.pipe(s)
  }, host)
  cleanups.push(server.close)
  return server.port
}

async function forwardProxy(forward: Record<string, unknown> = {}): Promise<number> {
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false, ...forward } })
  expect(p.mode).toBe('forward')
  expect(p.target).toBe('forward')
  return portOf(p.listen)
}

/** Sends `payload` through an open tunnel and returns what came back once the echo ended. */
async function echoThrough(socket: Socket, payload: Buffer): Promise<Buffer> {
  const got = collect(socket)
  // The handshake helpers leave the socket paused, its answer read.
  socket.resume()
  socket.end(payload)
  return got
}

const conns = (): ConnectionSummary[] => t.engine.capture.connections()

/**
 * Counts the bytes Buffer.from copies out of chunks at least half a read buffer long: the
 * proxy copies a read that large only to give it to something that may keep it.
 */
function countCopies(): { stop: () => number } {
  let copied = 0
  const from = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer
  const spy = vi.spyOn(Buffer, 'from').mockImplementation(((...args: unknown[]) => {
    if (args[0] instanceof Uint8Array && args[0].length >= READ_BUFFER_SIZE / 2) copied += args[0].length
    return from(...args)
  }) as typeof Buffer.from)
  cleanups.push(() => spy.mockRestore())
  return {
    stop: () => {
      spy.mockRestore()
      return copied
    }
  }
}


async function streamOf(c: ConnectionSummary, dir: 'client' | 'server'): Promise<Buffer> {
  return Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: c.id, dir, offset: 0, length: c.bytes[dir] }))
}

describe('forward proxy: CONNECT', () => {
  it('tunnels to the named destination, byte-exact, recorded as its own connection via CONNECT', async () => {
    t = await testEngine()
    const echo = await echoServer()
    const port = await forwardProxy()
    const { socket, status } = await httpConnect(port, `127.0.0.1:${echo}`)
    expect(status).toBe(200)
    const payload = randomPayload(300_000)
    expect(sha256(await echoThrough(socket, payload))).toBe(sha256(payload))
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'the tunnel to close')
    expect(c.target).toBe(`127.0.0.1:${echo}`)
    expect(c.via).toBe('CONNECT')
    expect(c.end).toBe('closed')
    // The CONNECT head is the proxy's, not the tunnel's.
    expect(sha256(await streamOf(c, 'client'))).toBe(sha256(payload))
    expect(sha256(await streamOf(c, 'server'))).toBe(sha256(payload))
  })

  it('answers 502 with the reason for a closed port, records it, and keeps serving', async () => {
    t = await testEngine()
    const closed = await startServer(() => {})
    const deadPort = closed.port
    await closed.close()
    const port = await forwardProxy()
    const r = await httpConnect(port, `127.0.0.1:${deadPort}`)
    expect(r.status).toBe(502)
    expect(r.body).toMatch(/connection refused by 127\.0\.0\.1:\d+: nothing is listening there/)
    // Told, the client closes, as curl does (the proxy would otherwise give it 2 s to).
    r.socket.end()
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'the failed tunnel to close')
    expect(c.end).toBe('connect-failed')
    expect(c.target).toBe(`127.0.0.1:${deadPort}`)
    const echo = await echoServer()
    const ok = await httpConnect(port, `localhost:${echo}`)
    expect(ok.status).toBe(200)
    expect((await echoThrough(ok.socket, Buffer.from('still here'))).toString()).toBe('still here')
  })

  it('passes bytes the client sent with its CONNECT head on as the tunnel\'s first bytes', async () => {
    t = await testEngine()
    const echo = await echoServer()
    const port = await forwardProxy()
    const s = await openTo(port)
    s.write(`CONNECT 127.0.0.1:${echo} HTTP/1.1\r\nHost: x\r\n\r\nearly bytes`)
    const { answer, rest } = await readUntil(s, (b) => (b.indexOf('early bytes') >= 0 ? b.length : undefined))
    expect(answer.toString()).toBe('HTTP/1.1 200 Connection established\r\n\r\nearly bytes')
    expect(rest.length).toBe(0)
    s.end()
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'close')
    expect((await streamOf(c, 'client')).toString()).toBe('early bytes')
  })

  it('records a server that speaks first, and a tunnel the client closes without a byte', async () => {
    t = await testEngine()
    const banner = await startServer((s) => {
      s.on('error', () => {})
      s.end('220 hello\r\n')
      s.resume()
    })
    cleanups.push(banner.close)
    const port = await forwardProxy()
    const r = await httpConnect(port, `127.0.0.1:${banner.port}`)
    expect(r.status).toBe(200)
    const got = collect(r.socket)
    r.socket.resume()
    r.socket.end()
    expect((await got).toString()).toBe('220 hello\r\n')
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'close')
    expect((await streamOf(c, 'server')).toString()).toBe('220 hello\r\n')
    expect(c.bytes.client).toBe(0)
  })
})

describe('forward proxy: SOCKS5', () => {
  it('connects by IPv4, IPv6 and domain name, each recorded via SOCKS5 with its destination', async () => {
    t = await testEngine()
    const v4 = await echoServer()
    const v6 = await echoServer('::1')
    const port = await forwardProxy()
    for (const [target, shown] of [
      [{ atyp: 1, host: '127.0.0.1', port: v4 }, `127.0.0.1:${v4}`],
      [{ atyp: 4, host: '::1', port: v6 }, `[::1]:${v6}`],
      [{ atyp: 3, host: 'localhost', port: v4 }, `localhost:${v4}`]
    ] as const) {
      const r = await socks5(port, target)
      expect(r.method).toBe(0)
      expect(r.reply).toBe(0)
      // BND: the proxy's end of the upstream, IPv4 or IPv6 as connected.
      expect(r.bound![0]).toBe(target.atyp === 4 ? 4 : 1)
      const payload = randomPayload(50_000)
      expect(sha256(await echoThrough(r.socket, payload))).toBe(sha256(payload))
      const c = await waitFor(() => conns().find((x) => x.target === shown && x.end !== 'open'), `the tunnel to ${shown}`)
      expect(c.via).toBe('SOCKS5')
      expect(sha256(await streamOf(c, 'client'))).toBe(sha256(payload))
    }
  })

  it('answers each failure with its RFC 1928 code and keeps serving', async () => {
    t = await testEngine()
    const closed = await startServer(() => {})
    await closed.close()
    const port = await forwardProxy()
    expect((await socks5(port, { atyp: 1, host: '127.0.0.1', port: closed.port })).reply).toBe(0x05)
    expect((await socks5(port, { atyp: 1, host: '127.0.0.1', port: 80 }, { command: 2 })).reply).toBe(0x07)
    expect((await socks5(port, { atyp: 3, host: 'bad name!', port: 80 })).reply).toBe(0x04)
    expect((await socks5(port, { atyp: 3, host: 'no-such-host.invalid', port: 80 })).reply).toBe(0x04)
    // An address type that does not exist.
    const s = await openTo(port)
    s.write(Buffer.from([5, 1, 0]))
    await readUntil(s, (b) => (b.length >= 2 ? 2 : undefined))
    s.write(Buffer.from([5, 1, 0, 9, 1, 2, 3, 4, 0, 80]))
    const bad = await readUntil(s, (b) => (b.length >= 10 ? 10 : undefined))
    expect(bad.answer[1]).toBe(0x08)
    const refused = conns().find((c) => c.target === `127.0.0.1:${closed.port}`)
    expect(refused?.via).toBe('SOCKS5')
    const echo = await echoServer()
    const ok = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo })
    expect((await echoThrough(ok.socket, Buffer.from('ok'))).toString()).toBe('ok')
  })
})

describe('forward proxy: credentials', () => {
  it('HTTP: 407 with Basic realm without or with wrong credentials, through with the right ones', async () => {
    t = await testEngine()
    const echo = await echoServer()
    const port = await forwardProxy({ proxyAuth: 'alice:s3:cret' })
    const none = await httpConnect(port, `127.0.0.1:${echo}`)
    expect(none.status).toBe(407)
    expect(none.head).toMatch(/\r\nProxy-Authenticate: Basic realm="tcpscope"\r\n/)
    const basic = (u: string): string => `Proxy-Authorization: Basic ${Buffer.from(u).toString('base64')}`
    const wrong = await httpConnect(port, `127.0.0.1:${echo}`, [basic('alice:wrong')])
    expect(wrong.status).toBe(407)
    expect(wrong.body).toMatch(/wrong proxy user name or password/)
    const right = await httpConnect(port, `127.0.0.1:${echo}`, [basic('alice:s3:cret')])
    expect(right.status).toBe(200)
    expect((await echoThrough(right.socket, Buffer.from('in'))).toString()).toBe('in')
    // Refused clients never named a destination they were allowed to reach: only the one tunnel is recorded.
    await waitFor(() => conns().length === 1 && conns()[0].end !== 'open', 'one tunnel')
  })

  it('SOCKS5: user/password (RFC 1929), status 1 for a wrong one, 0xFF when the client offers no method that fits', async () => {
    t = await testEngine()
    const echo = await echoServer()
    const port = await forwardProxy({ proxyAuth: 'bob:pw' })
    const noAuth = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo }, { methods: [0] })
    expect(noAuth.method).toBe(0xff)
    const wrong = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo }, { user: 'bob', pass: 'nope' })
    expect(wrong.method).toBe(2)
    expect(wrong.authStatus).toBe(1)
    const right = await socks5(port, { atyp: 1, host: '127.0.0.1', port: echo }, { user: 'bob', pass: 'pw' })
    expect(right.authStatus).toBe(0)
    expect(right.reply).toBe(0)
    expect((await echoThrough(right.socket, Buffer.from('in'))).toString()).toBe('in')
  })
})

describe('forward proxy: absolute-form HTTP', () => {
  it('rewrites each request for the origin, strips the proxy headers, and never sends another origin\'s request', async () => {
    t = await testEngine()
    const received: Buffer[] = []
    const origin = await startServer((s) => {
      s.on('error', () => {})
      let buf = ''
      s.on('data', (c: Buffer) => {
        received.push(c)
        buf += c.toString('latin1')
        while (buf.includes('\r\n\r\n')) {
          buf = buf.slice(buf.indexOf('\r\n\r\n') + 4)
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        }
      })
      s.on('end', () => s.end())
    })
    cleanups.push(origin.close)
    const port = await forwardProxy({ proxyAuth: 'u:p' })
    const auth = `Proxy-Authorization: Basic ${Buffer.from('u:p').toString('base64')}`
    const s = await openTo(port)
    s.write(`GET http://127.0.0.1:${origin.port}/a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n${auth}\r\nProxy-Connection: keep-alive\r\nX-Keep: 1\r\n\r\n`)
    const first = await readUntil(s, wholeResponse)
    expect(first.answer.toString()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    s.write(`POST http://127.0.0.1:${origin.port}/b HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n${auth}\r\nContent-Length: 5\r\n\r\nhello`)
    await readUntil(s, wholeResponse)
    // Another origin on the same connection: the connection ends before it, unanswered.
    s.write(`GET http://other.example:8080/ HTTP/1.1\r\nHost: other.example:8080\r\n${auth}\r\n\r\n`)
    const last = await readUntil(s, () => undefined)
    expect(last.ended).toBe(true)
    expect(last.answer.length).toBe(0)
    s.end()
    const sent = Buffer.concat(received).toString('latin1')
    expect(sent).toBe(
      `GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nX-Keep: 1\r\n\r\n` + `POST /b HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nContent-Length: 5\r\n\r\nhello`
    )
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'close')
    expect(c.via).toBe('HTTP')
    expect(c.target).toBe(`127.0.0.1:${origin.port}`)
  })

  it('passes the origin\'s answer on from the buffers it reads into, not a copy of each read, byte-exact and recorded', async (ctx) => {
    t = await testEngine()
    // Reads are reused (proxy-connection.ts readDirect) only where the capture copies what it
    // records: the direct writer. Elsewhere each read is a new buffer and there is nothing to see.
    if (t.engine.capture.writerKind !== 'direct') return ctx.skip('the capture is not written with O_DIRECT here, so reads are not reused')
    const body = randomPayload(8 * 1024 * 1024)
    const origin = await startServer((s) => {
      s.on('error', () => {})
      s.once('data', () => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`)
        s.end(body)
      })
    })
    cleanups.push(origin.close)
    const port = await forwardProxy()
    // The answer's direction has no stage of its own (only the requests are rewritten): a copy
    // per read there once left a 64 KiB buffer per read to the garbage collector, and the
    // process's memory high (about 30 MiB more after 1 GiB). Smaller reads are still copied
    // while the client has not taken what came before, so as not to pin a whole buffer.
    const copies = countCopies()
    const s = await openTo(port)
    const got = collect(s)
    // The origin ends after its answer, and the proxy passes that end on.
    s.write(`GET http://127.0.0.1:${origin.port}/big HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`)
    const answer = await got
    s.end()
    const copied = copies.stop()
    const head = answer.indexOf('\r\n\r\n') + 4
    expect(sha256(answer.subarray(head))).toBe(sha256(body))
    expect(copied).toBe(0)
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'close')
    expect(sha256(await streamOf(c, 'server'))).toBe(sha256(answer))
  })

  it('passes request bodies on in place, and heads it holds across reads stay whole while the next reads come', async (ctx) => {
    t = await testEngine()
    if (t.engine.capture.writerKind !== 'direct') return ctx.skip('the capture is not written with O_DIRECT here, so reads are not reused')
    // Nobody wants each chunk (as with `tcpscope proxy --quiet`): a read buffer is then reused
    // by the next read unless something kept its bytes.
    t.engine.capture.setListener({ detailed: false, data() {}, event() {}, pressure() {}, error() {} })
    const received: Buffer[] = []
    let ended!: () => void
    const originDone = new Promise<void>((resolve) => (ended = resolve))
    const origin = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (c: Buffer) => received.push(c))
      s.on('end', () => {
        s.end()
        ended()
      })
    })
    cleanups.push(origin.close)
    const port = await forwardProxy()
    const authority = `127.0.0.1:${origin.port}`
    const requests: { asSent: Buffer; asForwarded: Buffer; headLength: number }[] = []
    let seed = 7
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
    for (let i = 0; i < 12; i++) {
      const body = i < 8 ? randomPayload(200_000 + rand(70_000)) : randomPayload(rand(300))
      const head = (target: string): string => `POST ${target} HTTP/1.1\r\nHost: ${authority}\r\nX-N: ${i}\r\nContent-Length: ${body.length}\r\n\r\n`
      const sentHead = Buffer.from(head(`http://${authority}/r${i}`))
      requests.push({ asSent: Buffer.concat([sentHead, body]), asForwarded: Buffer.concat([Buffer.from(head(`/r${i}`)), body]), headLength: sentHead.length })
    }
    // Where the client's writes are cut, each write sent 15 ms after the one before so that
    // each is a read of its own: the last 40,000 bytes of a large body go with the first bytes
    // of the next head (a large read whose end the stage holds, in the buffer it was read
    // into), and the rest of that head with its body (large reads that follow at once, into
    // the next buffer); the small requests' heads go in random pieces.
    const cuts: number[] = []
    let start = 0
    for (const [k, r] of requests.entries()) {
      if (k > 0 && k < 8) cuts.push(start - 40_000, start + 1 + rand(r.headLength - 1))
      if (k >= 8) cuts.push(start + rand(r.headLength), start + rand(r.headLength))
      start += r.asSent.length
    }
    const sent = Buffer.concat(requests.map((r) => r.asSent))
    const copies = countCopies()
    const s = await openTo(port)
    s.resume()
    let at = 0
    for (const cut of [...[...new Set(cuts)].sort((a, b) => a - b), sent.length]) {
      if (cut <= at) continue
      s.write(sent.subarray(at, cut))
      at = cut
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
    s.end()
    await originDone
    const copied = copies.stop()
    const forwarded = Buffer.concat(requests.map((r) => r.asForwarded))
    expect(sha256(Buffer.concat(received))).toBe(sha256(forwarded))
    expect(copied).toBe(0)
    const c = await waitFor(() => conns().find((x) => x.end !== 'open'), 'close')
    expect(sha256(await streamOf(c, 'client'))).toBe(sha256(sent))
  })

  it('answers 502 for an origin it cannot reach, and 400 for an https:// or origin-form target', async () => {
    t = await testEngine()
    const closed = await startServer(() => {})
    await closed.close()
    const port = await forwardProxy()
    for (const [line, status, why] of [
      [`GET http://127.0.0.1:${closed.port}/ HTTP/1.1`, 502, /connection refused/],
      ['GET https://example.com/ HTTP/1.1', 400, /tunnel it with CONNECT/],
      ['GET /index.html HTTP/1.1', 400, /not absolute-form/]
    ] as const) {
      const s = await openTo(port)
      s.write(`${line}\r\nHost: x\r\n\r\n`)
      const r = await readUntil(s, wholeResponse)
      expect(r.answer.toString().slice(9, 12)).toBe(String(status))
      expect(r.answer.toString()).toMatch(why)
    }
  })
})

describe('forward proxy: breakpoints and toxics on plain http:// requests', () => {
  it('holds the origin-form request the target will get, and delays its answer by a toxic', async () => {
    t = await testEngine()
    const received: string[] = []
    const origin = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (c: Buffer) => {
        received.push(c.toString('latin1'))
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
      })
    })
    cleanups.push(origin.close)
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false } })
    await t.engine['break.add']({ proxyId: p.id, rule: { match: 'http-request', path: '/held' } })
    await t.engine['toxic.add']({ proxyId: p.id, toxic: { type: 'latency', attributes: { latency: 50 } } })
    const s = await openTo(portOf(p.listen))
    s.write(`GET http://127.0.0.1:${origin.port}/held HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`)
    const [held] = await heldQueue(t.engine)
    expect(Buffer.from(await t.engine['held.read']({ heldId: held.id })).toString('latin1')).toBe(`GET /held HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`)
    await t.engine['held.forward']({ heldId: held.id })
    const answer = await readUntil(s, wholeResponse)
    expect(answer.answer.toString()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    expect(received).toEqual([`GET /held HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`])
    const conn = await waitFor(() => conns().find((x) => x.via === 'HTTP'), 'the http:// connection')
    const events = (await t.engine['conn.events']({ capture: 'live', connId: conn.id, from: 0, limit: 100 })).events
    expect(events.filter((e) => e.kind === 'fault').map((e) => e.info?.message)).toContain('delayed 50 ms')
    s.destroy()
  })
})

describe('forward proxy: a breakpoint on a CONNECT tunnel', () => {
  it('holds a chunk by a raw text rule picked by the tunnel\'s port, and the destination gets the edit', async () => {
    t = await testEngine()
    const got: Buffer[] = []
    const dest = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (c: Buffer) => got.push(c))
    })
    cleanups.push(dest.close)
    // A server of another port, through the same proxy: the rule's filter leaves it alone.
    const other: Buffer[] = []
    const bystander = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (c: Buffer) => other.push(c))
    })
    cleanups.push(bystander.close)
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false } })
    await t.engine['break.add']({ proxyId: p.id, rule: { match: 'text', pattern: 'PASS', stream: 'upstream', filter: `port:${dest.port}` } })

    const passer = await httpConnect(portOf(p.listen), `127.0.0.1:${bystander.port}`)
    expect(passer.status).toBe(200)
    cleanups.push(() => void passer.socket.destroy())
    passer.socket.write('PASS not held\r\n')
    await waitFor(() => Buffer.concat(other).toString() === 'PASS not held\r\n', 'the other tunnel\'s bytes, not held')

    const { socket, status } = await httpConnect(portOf(p.listen), `127.0.0.1:${dest.port}`)
    expect(status).toBe(200)
    cleanups.push(() => void socket.destroy())
    socket.write('USER bob\r\n')
    await waitFor(() => Buffer.concat(got).toString() === 'USER bob\r\n', 'the first chunk through the tunnel')
    socket.write('PASS secret\r\n')
    const [held] = await heldQueue(t.engine)
    const tunnel = await waitFor(() => conns().find((x) => x.via === 'CONNECT' && x.target === `127.0.0.1:${dest.port}`), 'the tunnel\'s connection')
    expect(held).toMatchObject({ proxyId: p.id, connId: tunnel.id, dir: 'client', kind: 'chunk', size: 13 })
    expect(Buffer.from(await t.engine['held.read']({ heldId: held.id })).toString()).toBe('PASS secret\r\n')
    await new Promise((r) => setTimeout(r, 50))
    expect(Buffer.concat(got).toString()).toBe('USER bob\r\n')

    expect(await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from('PASS guessed!\r\n') })).toEqual({ action: 'edited', sent: 15 })
    await waitFor(() => Buffer.concat(got).toString() === 'USER bob\r\nPASS guessed!\r\n', 'the edit at the destination')
    // The capture keeps what the client sent, and the break records beside it.
    expect((await streamOf(await waitFor(() => conns().find((x) => x.id === tunnel.id && x.bytes.client >= 23), 'the bytes recorded'), 'client')).toString()).toBe('USER bob\r\nPASS secret\r\n')
    const events = (await t.engine['conn.events']({ capture: 'live', connId: tunnel.id, from: 0, limit: 100 })).events
    expect(events.filter((e) => e.kind === 'break').map((e) => e.info?.action)).toEqual(['held', 'edited'])
  })
})
