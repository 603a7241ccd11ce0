import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { collect, connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { needPeer } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tmp(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

async function startProxyCli(args: string[]): Promise<{ cli: CliProcess; port: number; first: Record<string, unknown> }> {
  const cli = new CliProcess(['proxy', ...args, '--json'])
  cleanups.push(() => cli.stop('SIGTERM')) // graceful, so a temporary capture is removed
  const first = JSON.parse(await cli.waitLine(() => true)) as Record<string, unknown>
  const listen = String(first.listen)
  return { cli, port: Number(listen.slice(listen.lastIndexOf(':') + 1)), first }
}

describe('tcpscope proxy / ls / export', () => {
  it('records a conversation that ls lists and export returns byte-exact (raw, hex, jsonl)', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const server = await startServer((s) => {
      s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('got:'), d])))
      s.on('end', () => s.end())
    })
    cleanups.push(() => server.close())
    const { cli, port, first } = await startProxyCli(['--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', capture])
    expect(first).toMatchObject({ type: 'listening', target: `127.0.0.1:${server.port}`, capture })

    const c = await connectTo(port)
    const got = collect(c)
    let answered = 0
    c.on('data', (d: Buffer) => (answered += d.length))
    c.write(every)
    // The whole answer comes back before the client half-closes, as in a conversation.
    await waitFor(() => answered === 'got:'.length + every.length, 'the answer')
    c.end()
    const reply = await got
    expect(reply).toEqual(Buffer.concat([Buffer.from('got:'), every]))

    await cli.waitLine((l) => l.includes('"kind":"close"'))
    expect(await cli.stop('SIGINT')).toBe(0)
    const summary = JSON.parse(cli.lines[cli.lines.length - 1])
    expect(summary).toMatchObject({ type: 'summary', connections: 1, bytes: { client: 256, server: 260 }, signal: 'SIGINT' })

    const ls = await runCli(['ls', capture, '--json'])
    expect(ls.code).toBe(0)
    const conns = ls.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(conns).toHaveLength(1)
    expect(conns[0]).toMatchObject({ id: 1, kind: 'proxy', end: 'closed', bytes: { client: 256, server: 260 }, fin: { client: true, server: true } })

    const lsText = await runCli(['ls', capture])
    expect(lsText.stdout).toMatch(/^ID\s+KIND\s+CLIENT/)
    expect(lsText.stdout).toMatch(/\n1\s+proxy\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:\d+.*\s256\s+260\s+-\s+closed/)

    const raw = await runCli(['export', capture, '--conn', '1', '--direction', 'client', '--format', 'raw'])
    expect(raw.stdoutBytes).toEqual(every)
    const out = join(dir, 'server.bin')
    expect((await runCli(['export', capture, '--conn', '1', '--direction', 'server', '-o', out])).code).toBe(0)
    expect(readFileSync(out)).toEqual(reply)

    const hex = await runCli(['export', capture, '--conn', '1', '--direction', 'client', '--format', 'hex'])
    const lines = hex.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(16)
    expect(lines[0]).toBe('00000000: 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................')
    expect(lines[4]).toBe('00000040: 4041 4243 4445 4647 4849 4a4b 4c4d 4e4f  @ABCDEFGHIJKLMNO')

    const jsonl = await runCli(['export', capture, '--conn', '1', '--format', 'jsonl'])
    const events = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l))
    // The client may write before the upstream connect completes, so `connected` can follow its data.
    expect(events.map((e) => e.kind).sort()).toEqual(['close', 'connected', 'data', 'data', 'fin', 'fin', 'open'])
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(events[6].kind).toBe('close')
    const clientData = events.find((e) => e.kind === 'data' && e.dir === 'client')
    expect(Buffer.from(clientData.hex, 'hex')).toEqual(every)
  })

  it('with --quiet decodes nothing while it runs (no decode worker starts), and the capture is decoded when shown', async () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    const server = await startServer((s) => {
      s.on('data', () => s.write(answer))
      s.on('end', () => s.end())
    })
    cleanups.push(() => server.close())
    const dir = tmp()
    /** A process's decode workers: threads named so (decode-worker.ts). */
    const decodeThreads = (pid: number): number => readdirSync(`/proc/${pid}/task`).filter((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'tcpscope-decode').length
    const get = async (port: number): Promise<void> => {
      const c = await connectTo(port)
      const got = collect(c)
      c.write('GET /q HTTP/1.1\r\nHost: t\r\n\r\n')
      await waitFor(() => c.bytesRead >= answer.length, 'the answer')
      c.end()
      await got
    }
    const loud = await startProxyCli(['--listen', '0', '--target', `127.0.0.1:${server.port}`, '--capture', join(dir, 'loud.tcap')])
    const quiet = await startProxyCli(['--listen', '0', '--target', `127.0.0.1:${server.port}`, '--capture', join(dir, 'quiet.tcap'), '--quiet'])
    for (let i = 0; i < 3; i++) {
      await get(loud.port)
      await get(quiet.port)
    }
    // Decoding the loud one's connections starts its worker.
    await expect.poll(() => decodeThreads(loud.cli.child.pid!)).toBe(1)
    // Live decoding looks at its capture every 500 ms even when no event is printed
    // (capture-decoding.ts, POLL_MS): the quiet one has had four of those to start one.
    await new Promise((r) => setTimeout(r, 2000))
    expect(decodeThreads(quiet.cli.child.pid!)).toBe(0)
    expect(await quiet.cli.stop('SIGTERM')).toBe(0)
    const shown = await runCli(['show', join(dir, 'quiet.tcap'), '--json'])
    const exchanges = shown.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; method?: string; url?: string; status?: number })
    expect(exchanges.map((e) => [e.type, e.method, e.url?.replace(/^http:\/\/[^/]+/, ''), e.status])).toEqual(Array.from({ length: 3 }, () => ['exchange', 'GET', '/q', 200]))
  })

  it('prints readable lines without --json and stops cleanly on SIGTERM', async () => {
    const server = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end('bye'))
    })
    cleanups.push(() => server.close())
    const cli = new CliProcess(['proxy', '--listen', '0', '--target', `127.0.0.1:${server.port}`])
    cleanups.push(() => cli.stop('SIGTERM')) // graceful, so a temporary capture is removed
    const first = await cli.waitLine(() => true)
    expect(first).toMatch(/^tcpscope: listening on 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:\d+/)
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first)![1])
    const c = await connectTo(port)
    const got = collect(c)
    c.end('hello')
    expect((await got).toString()).toBe('bye')
    await cli.waitLine((l) => /#1 closed: 5 B from client, 3 B from server/.test(l))
    expect(cli.lines.some((l) => /#1 client -> 5 B \(at 0\) "hello"/.test(l))).toBe(true)
    expect(cli.lines.some((l) => /#1 client sent FIN/.test(l))).toBe(true)
    expect(await cli.stop('SIGTERM')).toBe(0)
    expect(cli.lines[cli.lines.length - 1]).toMatch(/stopped \(SIGTERM\): 1 connection\(s\), 5 B from clients, 3 B from servers/)
  })

  it('puts tcpscope in front of a real redis-server and shows exactly what redis-cli sent', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const dir = tmp()
    const capture = join(dir, 'redis.tcap')
    // Ask the kernel for a free port, then give it to redis (which cannot listen on 0 and report).
    const redis = await startRedis(dir)
    cleanups.push(() => redis.stop())
    const redisPort = redis.port
    const { cli, port } = await startProxyCli(['--listen', '127.0.0.1:0', '--target', `127.0.0.1:${redisPort}`, '--capture', capture])
    const redisCli = (...args: string[]): string => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]).toString()
    expect(redisCli('SET', 'greeting', 'ni hao')).toBe('OK\n')
    expect(redisCli('GET', 'greeting')).toBe('ni hao\n')
    await cli.waitLine((l) => l.includes('"kind":"close"') && l.includes('"id":2'))
    expect(await cli.stop()).toBe(0)

    const ls = (await runCli(['ls', capture, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(ls).toHaveLength(2)
    const sent = (await runCli(['export', capture, '--conn', '1', '--direction', 'client'])).stdout
    // redis-cli may open with a handshake (HELLO/CLIENT); the SET itself must be there exactly as RESP.
    expect(sent).toContain('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$6\r\nni hao\r\n')
    expect((await runCli(['export', capture, '--conn', '1', '--direction', 'server'])).stdout).toContain('+OK\r\n')
    expect((await runCli(['export', capture, '--conn', '2', '--direction', 'server'])).stdout).toContain('$6\r\nni hao\r\n')
  })

  it('reports bad arguments and bad files in one line with a non-zero exit code', async () => {
    const dir = tmp()
    const notCapture = join(dir, 'notes.txt')
    writeFileSync(notCapture, 'hello, not a capture\n')
    const busy = await startServer(() => {})
    cleanups.push(() => busy.close())
    const cases: Array<[string[], RegExp, number]> = [
      [['proxy', '--target', '127.0.0.1:1'], /--listen is required/, 2],
      [['proxy', '--listen', '0'], /--target is required/, 2],
      [['proxy', '--listen', '70000', '--target', '127.0.0.1:1'], /bad port in "70000"/, 2],
      [['proxy', '--listen', '0', '--target', 'nocolon'], /give HOST:PORT/, 2],
      [['proxy', '--listen', `127.0.0.1:${busy.port}`, '--target', '127.0.0.1:1'], /already in use/, 1],
      [['proxy', '--listen', '0', '--target', '127.0.0.1:1', '--frob'], /unknown option '--frob'/, 2],
      [['proxy', '--listen', '0', '--target', '127.0.0.1:1', '--capture', join(dir, 'no/such/dir/x.tcap')], /folder does not exist/, 1],
      [['ls', join(dir, 'missing.tcap')], /no such file/, 1],
      [['ls', notCapture], /not a tcpscope capture file/, 1],
      [['ls'], /give exactly one capture file/, 2],
      [['export', notCapture, '--conn', '1', '--direction', 'client'], /not a tcpscope capture/, 1],
      [['export', notCapture, '--conn', 'x', '--direction', 'client'], /--conn wants a whole number/, 2],
      [['export', notCapture, '--conn', '1', '--format', 'pdf'], /--format must be one of raw, hex, jsonl/, 2],
      [['frobnicate'], /unknown command "frobnicate"/, 2]
    ]
    for (const [args, message, code] of cases) {
      const r = await runCli(args)
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.code, args.join(' ')).toBe(code)
    }
  })

  it('lists a capture cut mid-record and says so', async () => {
    const dir = tmp()
    const capture = join(dir, 'cut.tcap')
    const server = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end())
    })
    cleanups.push(() => server.close())
    const { cli, port } = await startProxyCli(['--listen', '0', '--target', `127.0.0.1:${server.port}`, '--capture', capture])
    for (let i = 0; i < 2; i++) {
      const c = await connectTo(port)
      c.end(Buffer.alloc(1000, 0x61))
      await once(c, 'close')
    }
    await cli.waitLine((l) => l.includes('"kind":"close"') && l.includes('"id":2'))
    await cli.stop()
    const whole = readFileSync(capture)
    writeFileSync(capture, whole.subarray(0, whole.length - 7))
    const r = await runCli(['ls', capture])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/ends in an incomplete record at byte \d+/)
    expect(r.stdout).toMatch(/\n1\s+proxy.*closed/)
  })
})
