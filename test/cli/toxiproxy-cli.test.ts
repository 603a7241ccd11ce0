// `tcpscope toxiproxy` and `tcpscope web --toxiproxy-api` as real processes: the API a
// Toxiproxy client reaches, its proxies recorded into the capture and seen by the page,
// loopback unless --allow-remote (with a warning), and a clean stop.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { portOf } from '../helpers/engine'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function echoServer(): Promise<number> {
  const echo = await startServer((s) => s.pipe(s))
  cleanups.push(() => echo.close())
  return echo.port
}

async function echoes(port: number): Promise<string> {
  const s = await connectTo(port)
  s.write('hello\n')
  let got = ''
  for await (const chunk of s) {
    got += String(chunk)
    if (got.length >= 6) break
  }
  s.destroy()
  return got
}

describe('tcpscope toxiproxy', () => {
  it('serves the API, records what its proxies carry, and stops cleanly on SIGINT', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'api.tcap')
    const upstream = `127.0.0.1:${await echoServer()}`
    const cli = new CliProcess(['toxiproxy', '--listen', '127.0.0.1:0', '--capture', capture, '--json'])
    cleanups.push(() => cli.stop('SIGKILL'))
    const first = JSON.parse(await cli.waitLine(() => true)) as { type: string; api: string }
    expect(first.type).toBe('listening')
    const res = await fetch(`${first.api}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'redis', listen: '127.0.0.1:0', upstream }) })
    expect(res.status).toBe(201)
    const proxy = (await res.json()) as { listen: string }
    expect(await echoes(portOf(proxy.listen))).toBe('hello\n')
    await cli.waitLine((l) => l.includes('"type":"proxy-started"'))
    expect(await cli.stop('SIGINT')).toBe(0)
    expect(cli.lines.at(-1)).toContain('"stopped"')
    expect(existsSync(capture) && statSync(capture).size).toBeGreaterThan(0)
    // The connection and its bytes are in the capture, as for any tcpscope proxy.
    const ls = await runCli(['ls', capture])
    expect(ls.code).toBe(0)
    expect(ls.stdout).toContain(upstream)
  })

  it('refuses a listen beyond loopback without --allow-remote, in one line', async () => {
    const r = await runCli(['toxiproxy', '--listen', '0.0.0.0:0'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/no authentication; add --allow-remote/)
  })

  it('warns when --allow-remote lets it listen beyond loopback', async () => {
    const cli = new CliProcess(['toxiproxy', '--listen', '0.0.0.0:0', '--allow-remote'])
    cleanups.push(() => cli.stop('SIGKILL'))
    await cli.waitLine((l) => l.includes('Toxiproxy API at'))
    await waitFor(() => cli.stderr.includes('warning'), 'the warning')
    expect(cli.stderr).toMatch(/^tcpscope: warning: the Toxiproxy API listens on 0\.0\.0\.0:\d+, beyond this machine, with no authentication/)
  })
})

describe('tcpscope web --toxiproxy-api', () => {
  it('serves the API beside the UI: a proxy a client makes is in the page\'s engine at once', async () => {
    const upstream = `127.0.0.1:${await echoServer()}`
    const w = await startWeb(['--toxiproxy-api', '127.0.0.1:0'])
    cleanups.push(() => w.stop('SIGKILL'))
    const first = JSON.parse(w.cli.lines[0]) as { toxiproxyApi: string }
    expect(first.toxiproxyApi).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${first.toxiproxyApi}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'db', listen: '127.0.0.1:0', upstream }) })
    expect(res.status).toBe(201)
    const proxy = (await res.json()) as { listen: string }
    const client = await w.client()
    expect(await client.call('proxy.list', undefined)).toEqual([expect.objectContaining({ listen: proxy.listen, target: upstream, state: 'listening' })])
    expect(await echoes(portOf(proxy.listen))).toBe('hello\n')
    expect(await w.stop('SIGINT')).toBe(0)
  })
})
