// `tcpscope web` as a real process: no WebSocket without its token, from another origin or
// for another host name; no cookie; every malformed request a 4xx that leaves it serving;
// the names it answers to on every address, with a warning; a clean stop on SIGINT; and
// bounded memory for a front end that stops reading, events and replies alike.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import WebSocket from 'ws'
import { CliProcess } from '../helpers/cli'
import { collect, connectTo, randomPayload, startServer, tempDir, waitFor } from '../helpers/net'
import { openWebSocket, startWeb, webSocketPort, type WebMode } from '../helpers/web'
import { procStatusKiB } from '../helpers/cli-proxy'
import { TYPE, walkRecords } from '../helpers/capture-file'
import { portOf } from '../helpers/engine'
import { LIVE_CAPTURE } from '../../src/shared/capture-types'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { encodeFrame } from '../../src/shared/wire'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function web(args: string[] = []): Promise<WebMode> {
  const w = await startWeb(args)
  cleanups.push(() => w.stop('SIGKILL'))
  return w
}

/** An HTTP GET with exactly these headers: status, headers, body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** How a WebSocket upgrade offering `token` is answered: 'open' (with the protocol the server chose), or the HTTP status it was refused with. */
function upgrade(origin: string, token: string | undefined, headers: Record<string, string>, path = '/ws'): Promise<string | number> {
  return new Promise((resolve) => {
    const ws = token === undefined ? new WebSocket(`${origin.replace('http', 'ws')}${path}`, { headers }) : openWebSocket(origin, token, headers)
    ws.on('open', () => {
      ws.close()
      resolve(`open ${ws.protocol}`)
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => resolve('error'))
  })
}

/** Sends `bytes` as they are on a fresh connection; the status line of the answer, which ends it (or '' if none). */
async function raw(port: number, bytes: string | Buffer): Promise<string> {
  const s = await connectTo(port)
  const answer = collect(s)
  // Not end(): Node's HTTP server drops a request whose client has half-closed.
  s.write(bytes)
  return (await answer).toString('latin1').split('\r\n')[0]
}

/** Alive, and still serving the page. */
async function stillServes(w: WebMode, what: string): Promise<void> {
  expect(w.cli.child.exitCode, what).toBeNull()
  expect(w.cli.child.signalCode, what).toBeNull()
  expect((await get(`${w.origin}/`)).status, what).toBe(200)
}

describe('tcpscope web: the token and the origin', () => {
  it('serves the page and its assets (public, no data) without the token, sets no cookie, and only under its own host names', async () => {
    const w = await web()
    const root = `${w.origin}/`
    for (const url of [root, `${root}?token=wrong`, w.url]) {
      const page = await get(url)
      expect(page.status, url).toBe(200)
      expect(page.body).toContain('<div id="app">')
      expect(page.headers['set-cookie'], url).toBeUndefined()
      expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
      expect(page.headers['referrer-policy']).toBe('no-referrer')
    }
    const asset = /src="\.?\/?(assets\/[^"]+\.js)"/.exec((await get(root)).body)![1]
    expect((await get(`${root}${asset}`)).status).toBe(200)
    // Another name for this server (DNS rebinding) is refused, page and assets alike.
    const port = new URL(w.url).port
    expect((await get(w.url, { Host: `evil.example:${port}` })).status).toBe(403)
    expect((await get(`${root}${asset}`, { Host: `evil.example:${port}` })).status).toBe(403)
  })

  it('accepts a WebSocket only with the token as its subprotocol, from the page origin, for this host', async () => {
    const w = await web()
    expect(await upgrade(w.origin, undefined, { Origin: w.origin })).toBe(401)
    // The token in the URL, as the cookie era's page sent it, is no longer looked at.
    expect(await upgrade(w.origin, undefined, { Origin: w.origin }, `/ws?token=${w.token}`)).toBe(401)
    expect(await upgrade(w.origin, 'wrong', { Origin: w.origin })).toBe(403)
    expect(await upgrade(w.origin, w.token, { Origin: 'http://evil.example' })).toBe(403)
    expect(await upgrade(w.origin, w.token, { Origin: '' })).toBe(403)
    expect(await upgrade(w.origin, w.token, { Origin: w.origin, Host: 'evil.example' })).toBe(403)
    // The server picks the protocol's name; the token's entry is never echoed back.
    expect(await upgrade(w.origin, w.token, { Origin: w.origin })).toBe('open tcpscope')
    const client = await w.client()
    expect(await client.call('capture.list', undefined)).toEqual([expect.objectContaining({ id: LIVE_CAPTURE, live: true })])
  })

  it('warns that anyone with the URL controls the engine when it listens beyond loopback', async () => {
    const cli = new CliProcess(['web', '--listen', '0.0.0.0:0', '--json'])
    cleanups.push(() => cli.stop('SIGKILL'))
    await cli.waitLine(() => true)
    await waitFor(() => cli.stderr.includes('warning'), 'the warning')
    expect(cli.stderr.trim()).toMatch(/^tcpscope: warning: listening on 0\.0\.0\.0:\d+, beyond this machine: anyone who has the URL controls the engine/)
  })

  it('on --listen 0.0.0.0 answers to this machine\'s own addresses and loopback names, and still wants the token', async () => {
    const w = await web(['--listen', '0.0.0.0:0'])
    // The printed URL names loopback: a browser may refuse 0.0.0.0.
    expect(w.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    const port = new URL(w.url).port
    // Another of this machine's addresses, named in Host while the bytes go to loopback only.
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && !i.internal)
    expect(lan, 'a non-loopback interface (a LAN address)').toBeDefined()
    const lanHost = lan!.family === 'IPv6' ? `[${lan!.address}]:${port}` : `${lan!.address}:${port}`
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, lanHost]) {
      expect((await get(w.url, { Host: host })).status, host).toBe(200)
      const origin = `http://${host}`
      expect(await upgrade(w.origin, w.token, { Host: host, Origin: origin }), host).toBe('open tcpscope')
      expect(await upgrade(w.origin, undefined, { Host: host, Origin: origin }), host).toBe(401)
      expect(await upgrade(w.origin, 'wrong', { Host: host, Origin: origin }), host).toBe(403)
    }
    expect((await get(w.url, { Host: `evil.example:${port}` })).status).toBe(403)
    expect(await upgrade(w.origin, w.token, { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` })).toBe(403)
  })
})

describe('tcpscope web: hostile requests', () => {
  it('answers each malformed or hostile request with a 4xx, with or without the token, and keeps serving', async () => {
    const w = await web()
    const port = Number(new URL(w.url).port)
    const host = `Host: 127.0.0.1:${port}\r\n`
    const upgradeTo = (target: string, extra = ''): string =>
      `GET ${target} HTTP/1.1\r\n${host}Origin: ${w.origin}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: tcpscope, tcpscope.token.${w.token}\r\n${extra}\r\n`
    const get_ = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\n${host}Connection: close\r\n${extra}\r\n`
    const huge = `X-Filler: ${'a'.repeat(64 * 1024)}\r\n`
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['an unparsable absolute-form target', get_('http://[x'), / 400 /],
      ['an absolute-form target', get_(`http://127.0.0.1:${port}/?token=${w.token}`), / 400 /],
      ['a scheme-relative target', get_('//evil.example/x'), / 400 /],
      ['the asterisk form', `OPTIONS * HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, / 400 /],
      ['a truncated %-escape', get_('/%E0%A4%A'), / 400 /],
      ['a bad %-escape', get_('/assets/%zz.js'), / 400 /],
      ['an escaped NUL', get_('/index.html%00.js'), / 400 /],
      ['a raw NUL in the target', Buffer.from(get_('/a\0b'), 'latin1'), / 400 /],
      ['a path out of the UI folder', get_('/assets/..%2f..%2f..%2f..%2fetc%2fpasswd'), / 404 /],
      ['oversized headers', get_('/', huge), / 431 /],
      ['a method other than GET', `POST / HTTP/1.1\r\n${host}Content-Length: 0\r\nConnection: close\r\n\r\n`, / 405 /],
      ['CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host}\r\n`, / 405 /],
      ['no Host header', 'GET / HTTP/1.0\r\n\r\n', / 403 /],
      ['garbage', 'HELLO THERE\r\n\r\n', / 400 /],
      ['an upgrade to an unparsable target', upgradeTo('http://[x'), / 400 /],
      ['an upgrade to an absolute-form target', upgradeTo(`http://127.0.0.1:${port}/ws`), / 400 /],
      ['an upgrade to a bad %-escape', upgradeTo('/ws%E0'), / 400 /],
      ['an upgrade to an escaped NUL', upgradeTo('/ws%00'), / 400 /],
      ['an upgrade to another path', upgradeTo('/nope'), / 404 /],
      ['an upgrade with oversized headers', upgradeTo('/ws', huge), / 431 /]
    ]
    for (const [what, bytes, status] of cases) {
      expect(await raw(port, bytes), what).toMatch(new RegExp(`^HTTP/1\\.[01]${status.source}`))
      await stillServes(w, what)
    }
    expect(w.cli.stderr).toBe('')
  })
})

describe('tcpscope web: lifecycle and memory', () => {
  it('stops on SIGINT with its capture complete, and opens --open files beside the live one', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'web.tcap')
    const first = await web(['--capture', capture])
    expect(await first.stop('SIGINT')).toBe(0)
    expect(walkRecords(readFileSync(capture)).at(-1)?.type).toBe(TYPE.Trailer)
    const second = await web(['--capture', join(dir, 'again.tcap'), '--open', capture])
    const client = await second.client()
    expect((await client.call('capture.list', undefined)).map((c) => [c.id, c.name])).toEqual([
      ['live', 'again.tcap'],
      ['f1', 'web.tcap']
    ])
  })

  it('a front end that stops reading does not grow the engine while 100 MiB go through a proxy', async () => {
    const w = await web()
    const driver = await w.client()
    const sink = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end())
    })
    cleanups.push(sink.close)
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${sink.port}` })
    const pid = w.cli.child.pid!
    const chunk = randomPayload(1024 * 1024)
    /** 100 MiB through the proxy, 10 MiB a connection. */
    const send100MiB = async (): Promise<void> => {
      for (let conn = 0; conn < 10; conn++) {
        const c = await connectTo(portOf(proxy.listen))
        for (let i = 0; i < 10; i++) if (!c.write(chunk)) await once(c, 'drain')
        c.end()
        c.resume()
        await once(c, 'close')
      }
    }
    // First with every front end reading: forwarding's own working set (socket and capture
    // buffers, the heap V8 lets grow before it collects) peaks here, 57-62 MiB over the
    // start's. Measured from that peak, the next 100 MiB add only what a front end that reads
    // nothing piles up: 13-16 MiB measured on 2 cores; 38 with an 8 MiB padding frame sent to
    // it with each batch of events (a web server changed for the check, once).
    await send100MiB()
    const warm = procStatusKiB(pid, 'VmHWM')
    // A second front end that reads nothing at all: its socket is paused from the start.
    const { ws } = await webSocketPort(w.origin, w.token)
    cleanups.push(() => ws.terminate())
    ;(ws as unknown as { _socket: { pause(): void } })._socket.pause()
    await send100MiB()
    const grown = (procStatusKiB(pid, 'VmHWM') - warm) / 1024
    expect(grown).toBeLessThan(30)
  })

  it('replies to a page that never reads wait for it: forty 16 MiB reads do not pile up in memory', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'big.tcap')
    const capture = await LiveCapture.create(file)
    const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: 41000, family: 'IPv4' }, target: '10.0.0.1:80' })
    const mib = randomPayload(1024 * 1024)
    for (let i = 0; i < 16; i++) conn.data('server', mib)
    conn.close('closed')
    await capture.close()

    const w = await web(['--open', file])
    const reader = await w.client()
    const [{ id }] = (await reader.call('capture.list', undefined)).filter((c) => !c.live)
    const read = { capture: id, connId: 1, dir: 'server' as const, offset: 0, length: 16 * 1024 * 1024 }
    expect((await reader.call('conn.read', read)).length).toBe(16 * 1024 * 1024)

    // A page that asks for forty reads and then reads nothing: its socket is paused.
    const ws = openWebSocket(w.origin, w.token)
    cleanups.push(() => ws.terminate())
    await once(ws, 'open')
    const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    socket.pause()
    const pid = w.cli.child.pid!
    const before = procStatusKiB(pid, 'VmRSS')
    for (let i = 1; i <= 40; i++) ws.send(encodeFrame({ t: 'call', id: i, cmd: 'conn.read', args: read }))
    // The engine is not stuck: another page's reads, asked after those forty, are answered.
    for (let i = 0; i < 3; i++) expect((await reader.call('conn.read', read)).length).toBe(16 * 1024 * 1024)
    const grown = (procStatusKiB(pid, 'VmHWM') - before) / 1024
    // Unbounded, the forty replies alone are 640 MiB (1.5 GiB measured); bounded, about 400
    // (of which the other page's three reads are 160).
    expect(grown).toBeLessThan(600)

    // Once the page reads again, every one of the forty is answered.
    const replies = new Set<number>()
    ws.on('message', (data: Buffer) => {
      // The envelope's JSON head only (wire.ts): the bytes after it are the 16 MiB read.
      const head = JSON.parse(data.subarray(4, 4 + data.readUInt32LE(0)).toString()) as { t: string; id?: number; value?: { n?: number } }
      if (head.t === 'reply' && head.value?.n === 16 * 1024 * 1024) replies.add(head.id!)
    })
    socket.resume()
    await waitFor(() => replies.size === 40, 'the forty replies', 60_000)
  })
})
