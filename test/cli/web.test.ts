// `tcpscope web` as a real process: nothing without its token (HTTP or WebSocket), no
// WebSocket from another origin or host name, a warning when it listens beyond loopback,
// a clean stop on SIGINT, and bounded memory for a front end that stops reading.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:http'
import WebSocket from 'ws'
import { CliProcess } from '../helpers/cli'
import { connectTo, randomPayload, startServer, tempDir, waitFor } from '../helpers/net'
import { startWeb, webSocketPort, type WebMode } from '../helpers/web'
import { procStatusKiB } from '../helpers/cli-proxy'
import { TYPE, walkRecords } from '../helpers/capture-file'
import { portOf } from '../helpers/engine'
import { LIVE_CAPTURE } from '../../src/shared/capture-types'

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

/** How a WebSocket upgrade is answered: 'open', or the HTTP status it was refused with. */
function upgrade(url: string, headers: Record<string, string>): Promise<string | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => resolve('error'))
  })
}

describe('tcpscope web: the token and the origin', () => {
  it('serves the page only with its token (then its assets by cookie), and refuses the rest', async () => {
    const w = await web()
    const root = `${w.origin}/`
    expect((await get(root)).status).toBe(401)
    expect((await get(`${root}?token=wrong`)).status).toBe(403)
    const page = await get(w.url)
    expect(page.status).toBe(200)
    expect(page.body).toContain('<div id="app">')
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    const cookie = String(page.headers['set-cookie']).split(';')[0]
    const asset = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(page.body)![1]
    expect((await get(`${root}${asset}`)).status).toBe(401)
    expect((await get(`${root}${asset}`, { Cookie: cookie })).status).toBe(200)
    expect((await get(`${root}${asset}`, { Cookie: cookie.replace(/=.*/, '=nope') })).status).toBe(403)
    // Another name for this server (DNS rebinding) is refused even with the token.
    expect((await get(w.url, { Host: `evil.example:${new URL(w.url).port}` })).status).toBe(403)
  })

  it('accepts a WebSocket only with the token, from the page origin, for this host', async () => {
    const w = await web()
    const ws = `${w.origin.replace('http', 'ws')}/ws`
    expect(await upgrade(ws, { Origin: w.origin })).toBe(401)
    expect(await upgrade(`${ws}?token=wrong`, { Origin: w.origin })).toBe(403)
    expect(await upgrade(`${ws}?token=${w.token}`, { Origin: 'http://evil.example' })).toBe(403)
    expect(await upgrade(`${ws}?token=${w.token}`, {})).toBe(403)
    expect(await upgrade(`${ws}?token=${w.token}`, { Origin: w.origin, Host: 'evil.example' })).toBe(403)
    expect(await upgrade(`${ws}?token=${w.token}`, { Origin: w.origin })).toBe('open')
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
    // A second front end that reads nothing at all: its socket is paused from the start.
    const { ws } = await webSocketPort(w.origin, w.token)
    cleanups.push(() => ws.terminate())
    ;(ws as unknown as { _socket: { pause(): void } })._socket.pause()

    const pid = w.cli.child.pid!
    const before = procStatusKiB(pid, 'VmRSS')
    const chunk = randomPayload(1024 * 1024)
    for (let conn = 0; conn < 10; conn++) {
      const c = await connectTo(portOf(proxy.listen))
      for (let i = 0; i < 10; i++) if (!c.write(chunk)) await once(c, 'drain')
      c.end()
      c.resume()
      await once(c, 'close')
    }
    const grown = (procStatusKiB(pid, 'VmHWM') - before) / 1024
    expect(grown).toBeLessThan(80)
  })
})
