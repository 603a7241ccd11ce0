import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CliProcess, runCli } from '../helpers/cli'
import { startServer, tempDir } from '../helpers/net'
import { needPeer } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function serve(args: string[]): Promise<{ cli: CliProcess; port: number }> {
  const cli = new CliProcess(['serve', '--listen', '127.0.0.1:0', '--json', ...args])
  cleanups.push(() => cli.stop('SIGTERM')) // graceful, so a temporary capture is removed
  const first = JSON.parse(await cli.waitLine(() => true)) as { listen: string }
  return { cli, port: Number(first.listen.split(':')[1]) }
}

describe('tcpscope serve / connect', () => {
  it('echoes, and connect --expect exits 0 on a matching reply and 1 on timeout', async () => {
    const { port } = await serve(['--echo'])
    const ok = await runCli(['connect', `127.0.0.1:${port}`, '--send', 'hello\\n', '--expect', 'hel+o', '--timeout', '3000'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toBe('hello\n')
    const miss = await runCli(['connect', `127.0.0.1:${port}`, '--send', 'hello', '--expect', 'goodbye', '--timeout', '300'])
    expect(miss.code).toBe(1)
    expect(miss.stderr).toMatch(/^tcpscope: no reply matching \/goodbye\/ within 300 ms\n$/)
  })

  it('connect --expect fails at once, saying so, when the server closes without a match', async () => {
    const server = await startServer((s) => s.end('bye\n'))
    cleanups.push(() => server.close())
    const r = await runCli(['connect', `127.0.0.1:${server.port}`, '--expect', 'welcome', '--timeout', '60000'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('bye\n')
    expect(r.stderr).toBe('tcpscope: the server finished sending before a reply matched /welcome/\n')
  })

  it('answers by reply rules with regex captures, hex rules, and prints hex with --hex', async () => {
    const { port } = await serve(['--reply', 're:^PING (\\w+)=>PONG $1\\r\\n', '--reply', 'hex:0102=>hex:0a0b0c'])
    const pong = await runCli(['connect', `127.0.0.1:${port}`, '--send', 'PING abc', '--expect', 'PONG abc\\r\\n'])
    expect(pong.code).toBe(0)
    expect(pong.stdout).toBe('PONG abc\r\n')
    const hex = await runCli(['connect', `127.0.0.1:${port}`, '--send-hex', '01 02 03', '--hex', '--expect', '\\n', '--timeout', '3000'])
    expect(hex.code).toBe(0)
    expect(hex.stdout).toBe('00000000: 0a0b 0c                                  ...\n')
  })

  it('serves a canned HTTP response to curl twice on one keep-alive connection', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { cli, port } = await serve(['--http-status', '201', '--http-header', 'Content-Type: text/plain; charset=utf-8', '--http-body', '你好\\n'])
    const url = `http://127.0.0.1:${port}/`
    const { stdout, stderr } = await promisify(execFile)('curl', ['-sS', '-v', '-o', '-', url + 'a', url + 'b'])
    expect(stdout).toBe('你好\n你好\n')
    expect(stderr).toMatch(/< HTTP\/1\.1 201 Created/)
    expect(stderr).toMatch(/< Content-Length: 7/i)
    expect(stderr).toMatch(/Re-using existing|reusing/i)
    await cli.waitLine((l) => l.includes('"type":"conn-event"') && l.includes('"kind":"close"'))
    expect(cli.lines.filter((l) => l.includes('"type":"conn-opened"'))).toHaveLength(1)
  })

  it('sends on an interval to each client, the given number of times', async () => {
    const { port } = await serve(['--interval', '20', '--count', '3', '--send', 'tick\\n'])
    const r = await runCli(['connect', `127.0.0.1:${port}`, '--expect', '(tick\\n){3}', '--timeout', '5000'], Buffer.alloc(0))
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('tick\ntick\ntick\n')
  })

  it('sends stdin when no --send is given, and its end as FIN', async () => {
    const { port } = await serve(['--echo'])
    const r = await runCli(['connect', `127.0.0.1:${port}`], Buffer.from('line one\nline two\n'))
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('line one\nline two\n')
  })

  it('records the exact bytes sent with a checksum and line ending, found again with export', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'serve.tcap')
    const { cli, port } = await serve(['--echo', '--capture', capture])
    const r = await runCli(['connect', `127.0.0.1:${port}`, '--send', '123456789', '--checksum', 'crc16-modbus', '--eol', 'crlf', '--expect', '\\r\\n'])
    expect(r.code).toBe(0)
    await cli.waitLine((l) => l.includes('"kind":"close"'))
    expect(await cli.stop('SIGINT')).toBe(0)
    const sent = await runCli(['export', capture, '--conn', '1', '--direction', 'client'])
    expect(sent.stdoutBytes.toString('hex')).toBe(Buffer.from('123456789').toString('hex') + '374b' + '0d0a')
    const echoed = await runCli(['export', capture, '--conn', '1', '--direction', 'server'])
    expect(echoed.stdoutBytes).toEqual(sent.stdoutBytes)
  })

  it('connects a client to a GBK-speaking server and decodes its reply', async () => {
    const server = await startServer((s) => {
      s.on('data', () => s.end(Buffer.from('c4e3bac30a', 'hex'))) // "你好\n" in GBK
    })
    cleanups.push(() => server.close())
    const r = await runCli(['connect', `127.0.0.1:${server.port}`, '--send', 'hi', '--encoding', 'gbk'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('你好\n')
  })

  it('reports bad input in one line, before connecting', async () => {
    const { cli, port } = await serve(['--echo'])
    const cases: Array<[string[], RegExp, number]> = [
      [['connect', `127.0.0.1:${port}`, '--send-hex', '01 0g'], /bad hex digit "g" at position 5/, 1],
      [['connect', `127.0.0.1:${port}`, '--send', 'a', '--send-hex', '01'], /give one of --send, --send-hex, --send-file/, 2],
      [['connect', `127.0.0.1:${port}`, '--send', 'x', '--checksum', 'md5'], /--checksum must be one of/, 2],
      [['connect', `127.0.0.1:${port}`, '--send-file', '/no/such/file'], /no such file: \/no\/such\/file/, 1],
      [['connect', '127.0.0.1:1', '--send', 'x'], /connection refused by 127\.0\.0\.1:1/, 3],
      [['connect'], /give one target/, 2],
      [['serve', '--listen', `127.0.0.1:${port}`], /already in use/, 1],
      [['serve', '--listen', '0', '--reply', 'nothing'], /needs MATCH=>REPLY/, 2],
      [['serve', '--listen', '0', '--reply', 're:([=>x'], /reply rule 1: .*regular expression/i, 1],
      [['serve', '--listen', '0', '--interval', '10'], /--interval needs something to send/, 2],
      [['serve', '--listen', '0', '--http-body', 'x'], /go with --http-status/, 2]
    ]
    for (const [args, message, code] of cases) {
      const r = await runCli(args)
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.code, args.join(' ')).toBe(code)
    }
    // The bad payloads never reached the server.
    expect(cli.lines.filter((l) => l.includes('"type":"conn-opened"'))).toHaveLength(0)
  })
})
