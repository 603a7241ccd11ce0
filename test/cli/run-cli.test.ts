// `tcpscope run -- COMMAND`: real programs (redis-cli, psql, curl, a Node program) run through
// proxychains4 and tcpscope's SOCKS5 forward proxy, with no setting of theirs changed: their
// output is theirs alone (tcpscope's lines on stderr, or --log FILE), the exit code is
// theirs, and each connection is recorded at its real destination with its bytes exact. TLS
// is intercepted with --intercept-tls (curl trusts the CA through the variables set for it).
// A command not found, a program that opens nothing, and a missing proxychains4 are one line.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CLI, runCli } from '../helpers/cli'
import { listen, tempDir, waitFor } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { hasPostgres, startPostgres } from '../helpers/postgres-server'
import { startRedis } from '../helpers/redis'
import { makeTestCerts } from '../helpers/tls-certs'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
beforeEach((ctx) => needProgram(ctx, 'proxychains4 (apt-get install proxychains4)', hasProgram('proxychains4')))

function dir(): string {
  const d = tempDir()
  cleanups.push(d.cleanup)
  return d.dir
}

async function server(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const s: Server = createServer(handler)
  const port = await listen(s)
  cleanups.push(() => new Promise((r) => s.close(r)))
  return port
}

interface Listed {
  id: number
  target: string
  via?: string
  bytes: { client: number; server: number }
}
const listed = async (capture: string): Promise<Listed[]> => (await runCli(['ls', capture, '--json'])).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Listed)
const bytesOf = async (capture: string, id: number, dir: 'client' | 'server'): Promise<string> => (await runCli(['export', capture, '--conn', String(id), '--direction', dir])).stdout

describe('tcpscope run', () => {
  it("records redis-cli at its real destination, its output and exit code its own", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const d = dir()
    const redis = await startRedis(d)
    cleanups.push(redis.stop)
    const capture = join(d, 'redis.tcap')
    const r = await runCli(['run', '--capture', capture, '--', 'redis-cli', '-h', '127.0.0.1', '-p', String(redis.port), 'SET', 'greeting', 'hello'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('OK\n')
    expect(r.stderr).toMatch(/^tcpscope: running redis-cli through the forward proxy on 127\.0\.0\.1:\d+, capturing to /)
    expect(r.stderr).toContain(`-> 127.0.0.1:${redis.port} via SOCKS5`)
    const [conn, ...more] = await listed(capture)
    expect(more).toEqual([])
    expect(conn.target).toBe(`127.0.0.1:${redis.port}`)
    expect(await bytesOf(capture, conn.id, 'client')).toBe('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n')
    expect(await bytesOf(capture, conn.id, 'server')).toBe('+OK\r\n')
    // A failing command's exit code is passed on.
    const missing = await runCli(['run', '--', 'redis-cli', '-p', String(redis.port), 'NOSUCHCOMMAND'])
    expect(missing.stdout).toMatch(/ERR unknown command/)
  })

  it('records psql at its real destination: its query runs, and the capture reads as PostgreSQL', async (ctx) => {
    needProgram(ctx, 'postgresql (initdb, postgres) and psql', hasPostgres())
    const pg = await startPostgres()
    cleanups.push(pg.stop)
    const capture = join(dir(), 'psql.tcap')
    const r = await runCli(['run', '--capture', capture, '--', 'psql', `host=127.0.0.1 port=${pg.port} user=${pg.user} dbname=postgres sslmode=disable connect_timeout=10`, '-Atc', "select 'through' || ' tcpscope'"])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('through tcpscope\n')
    expect(r.stderr).toContain(`-> 127.0.0.1:${pg.port} via SOCKS5`)
    const [conn, ...more] = await listed(capture)
    expect(more).toEqual([])
    expect(conn.target).toBe(`127.0.0.1:${pg.port}`)
    expect(await bytesOf(capture, conn.id, 'client')).toContain("select 'through' || ' tcpscope'")
    expect((await runCli(['show', capture])).stdout).toMatch(/^#1 .*: PostgreSQL, \d+ messages$/m)
  })

  it('records curl (through the SOCKS5 path and through HTTP_PROXY) and a Node program, tcpscope lines going to --log', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const d = dir()
    const port = await server((req, res) => res.end(`hi ${req.url}`))
    const capture = join(d, 'curl.tcap')
    const log = join(d, 'run.log')
    const direct = await runCli(['run', '--capture', capture, '--log', log, '--', 'curl', '-sS', '--noproxy', '*', `http://127.0.0.1:${port}/direct`])
    expect(direct).toMatchObject({ code: 0, stdout: 'hi /direct', stderr: '' })
    expect(readFileSync(log, 'utf8')).toMatch(/via SOCKS5/)
    const viaEnv = await runCli(['run', '--capture', join(d, 'env.tcap'), '--', 'curl', '-sS', `http://localhost:${port}/env`])
    expect(viaEnv.stdout).toBe('hi /env')
    expect((await listed(join(d, 'env.tcap')))[0]).toMatchObject({ target: `localhost:${port}` })
    const script = join(d, 'client.js')
    writeFileSync(script, `const s = require('node:net').connect(${port}, '127.0.0.1', () => s.end('GET /node HTTP/1.0\\r\\n\\r\\n')); s.pipe(process.stdout)`)
    const node = await runCli(['run', '--capture', join(d, 'node.tcap'), '--', process.execPath, script])
    expect(node.code).toBe(0)
    expect(node.stdout).toMatch(/^HTTP\/1\.[01] 200 OK[\s\S]*hi \/node$/)
    const [conn] = await listed(join(d, 'node.tcap'))
    expect(conn.target).toBe(`127.0.0.1:${port}`)
    expect(await bytesOf(join(d, 'node.tcap'), conn.id, 'client')).toBe('GET /node HTTP/1.0\r\n\r\n')
  })

  it('intercepts TLS with --intercept-tls: curl trusts the CA through the variables set for it, and the capture holds the cleartext', async (ctx) => {
    needProgram(ctx, 'curl and openssl', hasProgram('curl') && hasProgram('openssl'))
    const d = dir()
    const certs = makeTestCerts(d)
    const s = createHttps({ key: readFileSync(certs.leafKey), cert: readFileSync(certs.leafCert) }, (req, res) => res.end(`secret ${req.url}`))
    const port = await listen(s)
    cleanups.push(() => new Promise((r) => s.close(r)))
    const capture = join(d, 'tls.tcap')
    const r = await runCli(['run', '--capture', capture, '--intercept-tls', '--upstream-ca', certs.caPath, '--', 'curl', '-sS', '--noproxy', '*', `https://localhost:${port}/tls`])
    expect(r.stderr).not.toMatch(/curl: \(/)
    expect(r).toMatchObject({ code: 0, stdout: 'secret /tls' })
    const [conn] = await listed(capture)
    expect(await bytesOf(capture, conn.id, 'client')).toMatch(/^GET \/tls HTTP\/1\.1\r\nHost: localhost:\d+\r\n/)
  })

  it('passes on the exit code, says when no connection was seen (how a failed or killed program ended, the static-binary hint for one that exited 0), and refuses a missing command, an unwritable --log or a missing proxychains4 in one line', async () => {
    // The static-binary hint only for a program that did its work (exit 0); one that failed or was killed is said as such.
    const zero = await runCli(['run', '--', 'sh', '-c', 'exit 0'])
    expect(zero.code).toBe(0)
    expect(zero.stderr).toMatch(/^tcpscope: sh opened no TCP connection that tcpscope saw\. A statically linked program \(most Go binaries\) ignores LD_PRELOAD/m)
    const seven = await runCli(['run', '--', 'sh', '-c', 'exit 7'])
    expect(seven.code).toBe(7)
    expect(seven.stderr).toMatch(/^tcpscope: sh exited with code 7 and opened no TCP connection that tcpscope saw$/m)
    expect(seven.stderr).not.toMatch(/statically linked/)
    const killed = await runCli(['run', '--', 'sh', '-c', 'kill -TERM $$'])
    expect(killed.code).toBe(143)
    expect(killed.stderr).toMatch(/^tcpscope: sh was killed by SIGTERM and opened no TCP connection that tcpscope saw$/m)
    expect(killed.stderr).not.toMatch(/statically linked/)
    const none = await runCli(['run', '--', 'no-such-program-here'])
    expect(none).toMatchObject({ code: 127, stdout: '' })
    expect(none.stderr.trim()).toBe('tcpscope: run: no-such-program-here: command not found')
    const usage = await runCli(['run'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/^tcpscope: run: give the command to run after --/)
    const badLog = await runCli(['run', '--log', join(dir(), 'no', 'such', 'folder', 'run.log'), '--', 'sh', '-c', 'exit 0'])
    expect(badLog.code).toBe(1)
    expect(badLog.stderr.trim()).toMatch(/^tcpscope: run: cannot write --log .*run\.log: ENOENT$/)
    const bare = await runCli(['run', '--', 'sh', '-c', 'exit 0'], undefined, { PATH: dir() })
    expect(bare.code).toBe(1)
    expect(bare.stderr.trim()).toMatch(/^tcpscope: run: proxychains4 is not installed: .* apt-get install proxychains4/)
  })

  it('passes SIGTERM on to the program and exits with its status, the capture completed', async () => {
    const capture = join(dir(), 'sleep.tcap')
    const child = spawn(process.execPath, [CLI, 'run', '--capture', capture, '--', 'sleep', '30'])
    let err = ''
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    await waitFor(() => err.includes('tcpscope: running sleep'), 'tcpscope to start sleep', 15_000)
    // proxychains4 has become the program by now (it execs it), or is about to: either passes it on.
    child.kill('SIGTERM')
    const [code] = (await once(child, 'close')) as [number | null]
    expect(code).toBe(143)
    expect(err).toMatch(/the live capture \(0 connections, .*\) is kept at /)
  })
})

