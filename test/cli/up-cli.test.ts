// `tcpscope up FILE.json` and `tcpscope web --restore` as real processes: a setup file
// starts a proxy in front of a real redis-server (with a toxic) and an echo server session,
// redis-cli goes through it; a bad file names each wrong field in one line; a part that
// does not start stops the run (exit 1) unless --keep-going; web mode keeps what ran and
// --restore starts it again on the same ports.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CliProcess, runCli } from '../helpers/cli'
import { freePort, sendAndRead, startServer, tempDir } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { portOf } from '../helpers/engine'
import { hasProgram, needProgram } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const run = promisify(execFile)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function folder(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}



describe('tcpscope up', () => {
  const haveRedis = hasProgram('redis-server') && hasProgram('redis-cli')
  beforeEach((ctx) => needProgram(ctx, 'redis-server and redis-cli (apt-get install redis-server redis-tools)', haveRedis))

  it('starts a setup file headless: redis-cli goes through its proxy and toxic, its server answers', async () => {
    const dir = folder()
    const redis = await startRedis(dir)
    cleanups.push(() => redis.stop())
    const [proxyPort, serverPort] = [await freePort(), await freePort()]
    const file = join(dir, 'ci.json')
    await writeFile(
      file,
      JSON.stringify({
        kind: 'tcpscope-setup',
        version: 1,
        proxies: [{ start: { listen: `127.0.0.1:${proxyPort}`, target: `127.0.0.1:${redis.port}` }, toxics: [{ type: 'latency', stream: 'downstream', attributes: { latency: 50 } }] }],
        servers: [{ listen: `127.0.0.1:${serverPort}`, behaviour: { echo: true } }]
      })
    )
    const capture = join(dir, 'ci.tcap')
    const up = new CliProcess(['up', file, '--capture', capture, '--json'])
    cleanups.push(() => up.stop('SIGKILL'))
    const started = JSON.parse(await up.waitLine((l) => l.includes('"type":"up"'))) as { proxies: Array<{ id: string; listen: string }>; sessions: Array<{ kind: string; listen: string }>; failures: unknown[] }
    expect(started.proxies).toEqual([{ id: 'p1', listen: `127.0.0.1:${proxyPort}`, target: `127.0.0.1:${redis.port}` }])
    expect(started.sessions).toEqual([{ id: 's1', kind: 'server', listen: `127.0.0.1:${serverPort}` }])
    expect(started.failures).toEqual([])

    const began = performance.now()
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(proxyPort), 'PING'], { timeout: 20_000 })
    expect(stdout.trim()).toBe('PONG')
    expect(performance.now() - began).toBeGreaterThanOrEqual(45)
    expect(await sendAndRead(serverPort, 'echo me')).toBe('echo me')
    await up.waitLine((l) => l.includes('"kind":"fault"'))

    expect(await up.stop('SIGINT')).toBe(0)
    expect(up.lines.at(-1)).toContain('"type":"stopped"')
    const ls = await runCli(['ls', capture, '--json'])
    expect(ls.code).toBe(0)
    expect(ls.stdout).toContain(`"target":"127.0.0.1:${redis.port}"`)
  })
})

describe('tcpscope up with a bad setup', () => {
  it('names each wrong field in one line and starts nothing', async () => {
    const dir = folder()
    const file = join(dir, 'bad.json')
    await writeFile(file, JSON.stringify({ kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: 6380 } }], servers: [{ listen: '127.0.0.1:0', behaviour: { echo: 1 } }] }))
    const r = await runCli(['up', file])
    expect(r.code).not.toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`up: ${file}: 2 problems: proxies[0].start.listen: expected a string, got number; servers[0].behaviour.echo: expected true or false, got number`)

    // Addresses and framings are read as the engine will read them, before anything starts:
    // each wrong one named by its path, not by a flag the file does not have.
    const capture = join(dir, 'never.tcap')
    await writeFile(
      file,
      JSON.stringify({
        kind: 'tcpscope-setup',
        version: 1,
        proxies: [{ start: { listen: '127.0.0.1:99999', target: '127.0.0.1:1' } }, { start: { listen: '127.0.0.1:0', target: '127.0.0.1:0' } }, { start: { listen: '0', target: '127.0.0.1:1', frame: 'length:size=3' } }],
        servers: [{ listen: '70000', behaviour: {} }],
        clients: [{ target: '127.0.0.1' }]
      })
    )
    const addresses = await runCli(['up', file, '--capture', capture])
    expect(addresses.code).toBe(1)
    expect(addresses.stderr.trim().split('\n')).toEqual([
      `tcpscope: up: ${file}: 5 problems: proxies[0].start.listen: bad port in "127.0.0.1:99999": use a number from 0 to 65535; ` +
        'proxies[1].start.target: bad port in "127.0.0.1:0": connect to a port from 1 to 65535 (0 only means "any" when listening); ' +
        'proxies[2].start.frame: "length:size=3": size=3 is not 1, 2, 4 or 8; use line[:eol=lf|crlf|any], delimiter:hex=HEX, length:size=1|2|4|8[,endian=big|little][,offset=N][,adjust=N], fixed:size=N (each with [,max=SIZE]), ksy:FILE.ksy[,within=A PLAIN FRAMING], script:FILE.js|.ts, none, or a protocol: resp, postgres, mysql, mqtt, modbus, dns; ' +
        'servers[0].listen: bad port in "70000": use a number from 0 to 65535; ' +
        'clients[0].target: bad address "127.0.0.1": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path'
    ])
    expect(existsSync(capture)).toBe(false)

    await writeFile(file, '{"kind": "tcpscope-setup",')
    const notJson = await runCli(['up', file])
    expect(notJson.code).not.toBe(0)
    expect(notJson.stderr.trim().split('\n')).toHaveLength(1)
    expect(notJson.stderr).toContain(`up: ${file} is not JSON`)

    const missing = await runCli(['up', join(dir, 'nope.json')])
    expect(missing.stderr.trim()).toBe(`tcpscope: up: cannot read ${join(dir, 'nope.json')}: no such file`)
    expect((await runCli(['up'])).code).toBe(2)
  })

  it('stops with exit 1 when a part does not start, and runs the rest with --keep-going', async () => {
    const dir = folder()
    const taken = await startServer(() => undefined)
    cleanups.push(() => taken.close())
    const free = await freePort()
    const file = join(dir, 'half.json')
    await writeFile(
      file,
      JSON.stringify({
        kind: 'tcpscope-setup',
        version: 1,
        proxies: [{ start: { listen: `127.0.0.1:${taken.port}`, target: '127.0.0.1:9' } }, { start: { listen: `127.0.0.1:${free}`, target: '127.0.0.1:9' } }]
      })
    )
    const r = await runCli(['up', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`tcpscope: proxy 127.0.0.1:${taken.port} → 127.0.0.1:9 did not start:`)
    expect(r.stderr).toContain('stopping what started (--keep-going runs it anyway)')

    const up = new CliProcess(['up', file, '--keep-going'])
    cleanups.push(() => up.stop('SIGKILL'))
    await up.waitLine((l) => l.includes(`listening on 127.0.0.1:${free}`))
    expect(await up.stop('SIGINT')).toBe(0)
  })
})

describe('tcpscope web keeps the last setup', () => {
  it('--restore starts what ran last time on the same ports, with its toxics', async () => {
    const data = folder()
    const echo = await startServer((s) => s.pipe(s))
    cleanups.push(() => echo.close())
    const first = await startWeb([], { dataDir: data })
    const client = await first.client()
    const proxy = await client.call('proxy.start', { listen: `127.0.0.1:${await freePort()}`, target: `127.0.0.1:${echo.port}` })
    await client.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', attributes: { latency: 1 } } })
    expect(await first.stop('SIGINT')).toBe(0)
    const kept = JSON.parse(await readFile(join(data, 'setups', '.last-setup.json'), 'utf8')) as { proxies: Array<{ start: { listen: string } }> }
    expect(kept.proxies[0].start.listen).toBe(proxy.listen)

    const second = await startWeb(['--restore'], { dataDir: data })
    cleanups.push(() => second.stop('SIGKILL'))
    const again = await second.client()
    const proxies = await again.call('proxy.list', undefined)
    expect(proxies.map((p) => [p.listen, p.state])).toEqual([[proxy.listen, 'listening']])
    expect(await again.call('toxic.list', { proxyId: proxies[0].id })).toEqual([expect.objectContaining({ type: 'latency', attributes: { latency: 1, jitter: 0 } })])
    expect(await sendAndRead(portOf(proxy.listen), 'restored')).toBe('restored')
    expect(second.cli.stderr).toBe('')
  })

  it('--restore with nothing from last time says so and serves the page', async () => {
    const web = await startWeb(['--restore'], { dataDir: folder() })
    cleanups.push(() => web.stop('SIGKILL'))
    await expect.poll(() => web.cli.stderr).toContain('tcpscope: --restore: nothing to restore: nothing was running when tcpscope last ran')
    expect((await fetch(web.url)).status).toBe(200)
  })
})
