// `tcpscope proxy --break`: a held message is shown on the console and answered there, a
// line at a time from standard input (here a pipe, as a script would): forward, drop, edit
// in $EDITOR (a real program editing the file), reset, each confirmed on the console; an HTTP
// request edited with curl as the client; an HTTP/1 and an HTTP/2 request dropped, curl's
// wait ended at once; a mistake is one line before anything listens; and `export --format jsonl`
// shows the break and fault records beside the bytes.
import { spawn } from 'node:child_process'
import { execFile } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import http2 from 'node:http2'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI, CliProcess, runCli } from '../helpers/cli'
import { connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** `tcpscope ARGS` with `env` added, its stdin a pipe the test answers on. */
function started(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } })
  const cli = new CliProcess(args, child)
  cleanups.push(() => cli.stop('SIGTERM'))
  return cli
}

const portOfLine = (l: string): number => Number((JSON.parse(l) as { listen: string }).listen.split(':').pop())

/** The console's lines about `what` (`held 2 `), from `tcpscope: ` on (a prompt ends no line on a pipe). */
const told = (cli: CliProcess, what: string): string[] =>
  cli.stderr
    .split('\n')
    .filter((l) => l.includes(`tcpscope: ${what}`))
    .map((l) => l.slice(l.indexOf('tcpscope: ')))

/** curl's exit code and stderr for ARGS (10 s at most), whether it succeeded or not. */
function curlOutcome(args: string[]): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)('curl', ['-sS', '--max-time', '10', ...args]).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? '' })
  )
}

async function prompted(cli: CliProcess, n: number): Promise<void> {
  await waitFor(() => cli.stderr.split('[f]orward, [e]dit').length > n, `prompt ${n}`)
}

/**
 * `tcpscope proxy --break BREAK` to a server that keeps what it reads, its $EDITOR a script
 * of `editorScript`, and a client connected through it.
 */
async function heldChunkProxy(breakSpec: string, editorScript: string): Promise<{ cli: CliProcess; c: Socket; got: Buffer[]; serverText: () => string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const editor = join(dir, 'edit.sh')
  writeFileSync(editor, editorScript)
  chmodSync(editor, 0o755)
  const got: Buffer[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.on('data', (c: Buffer) => got.push(c))
  })
  cleanups.push(() => server.close())
  const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', join(dir, 'c.tcap'), '--json', '--break', breakSpec], { EDITOR: editor })
  const c: Socket = await connectTo(portOfLine(await cli.waitLine(() => true)))
  cleanups.push(() => c.destroy())
  c.on('error', () => {})
  return { cli, c, got, serverText: () => Buffer.concat(got).toString() }
}

describe('tcpscope proxy --break', () => {
  it('asks about each held chunk: forward, drop, edit in $EDITOR, reset', async () => {
    const { cli, c, serverText } = await heldChunkProxy('dir=up,text=PASS', '#!/bin/sh\nsed -i s/PASS/FAIL/ "$1"\n')

    c.write('PASS one;')
    await prompted(cli, 1)
    expect(cli.stderr).toContain('client -> target: held 9 B by b1')
    expect(cli.stderr).toContain('"PASS one;"')
    cli.child.stdin.write('f\n')
    await waitFor(() => serverText() === 'PASS one;', 'the forwarded chunk')

    c.write('PASS two;')
    await prompted(cli, 2)
    expect(cli.stderr).toContain('[d]rop (the connection goes on without it), [r]eset the connection,')
    cli.child.stdin.write('what\nd\n')
    c.write('plain;')
    await waitFor(() => serverText() === 'PASS one;plain;', 'the chunk after the dropped one')
    expect(cli.stderr).toContain('answer f, e, d, r or a (got "what")')
    // Each answer is confirmed where it was asked, in one line.
    await waitFor(() => told(cli, 'held 2 ').length > 0, 'the drop confirmed')
    expect(told(cli, 'held 1 ')).toEqual(['tcpscope: held 1 forwarded as it came'])
    expect(told(cli, 'held 2 ')).toEqual(['tcpscope: held 2 dropped: its receiver never gets it; the connection goes on'])

    c.write('PASS three;')
    await prompted(cli, 3)
    cli.child.stdin.write('e\n')
    await waitFor(() => serverText() === 'PASS one;plain;FAIL three;', 'the edit')

    const reset = new Promise<string | undefined>((r) => c.once('error', (e: NodeJS.ErrnoException) => r(e.code)))
    c.write('PASS four;')
    await prompted(cli, 4)
    cli.child.stdin.write('r\n')
    expect(await reset).toBe('ECONNRESET')
    await waitFor(() => told(cli, 'held 4 ').length > 0, 'the reset confirmed')
    expect(told(cli, 'held 4 ')).toEqual(['tcpscope: held 4 dropped: the connection was reset (RST to both sides)'])
    await cli.waitLine((l) => l.includes('"kind":"break"') && l.includes('edited'))
  })

  it("drops a held HTTP/1 request from curl: the console says so, and curl's connection is reset at once rather than left waiting", async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const paths: string[] = []
    const server = createServer((req, res) => {
      paths.push(req.url!)
      req.resume()
      req.on('end', () => res.end('ok'))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(r)))
    const port = (server.address() as { port: number }).port
    const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${port}`, '--capture', join(dir, 'c.tcap'), '--json', '--break', 'http=request,method=POST'])
    const proxyPort = portOfLine(await cli.waitLine(() => true))
    const answer = curlOutcome(['-d', 'v=1', `http://127.0.0.1:${proxyPort}/login`])
    await prompted(cli, 1)
    expect(cli.stderr).toContain('[d]rop (resets the connection: HTTP/1 cannot end one request alone), [r]eset the connection,')
    const asked = Date.now()
    cli.child.stdin.write('d\n')
    // curl's 56: "Recv failure: Connection reset by peer", long before its --max-time.
    expect((await answer).code).toBe(56)
    expect(Date.now() - asked).toBeLessThan(5000)
    await waitFor(() => told(cli, 'held 1 ').length > 0, 'the drop confirmed')
    expect(told(cli, 'held 1 ')).toEqual(['tcpscope: held 1 dropped: the connection was reset (RST to both sides): HTTP/1 cannot end one request and keep its connection'])
    const record = await cli.waitLine((l) => l.includes('"kind":"break"') && l.includes('"dropped"'))
    expect(record).toContain('connection closed with RST: HTTP/1 cannot end one request and keep its connection')
    expect(paths).toEqual([])
  })

  it("drops a held HTTP/2 request from curl: the console says so, and curl gets the stream's reset at once", async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const paths: string[] = []
    const server = http2.createServer()
    server.on('stream', (stream, headers) => {
      paths.push(String(headers[':path']))
      stream.on('error', () => {})
      stream.respond({ ':status': 200 })
      stream.end('ok')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(r)))
    const port = (server.address() as { port: number }).port
    const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${port}`, '--capture', join(dir, 'c.tcap'), '--json', '--break', 'http=request,path=/x'])
    const proxyPort = portOfLine(await cli.waitLine(() => true))
    const answer = curlOutcome(['--http2-prior-knowledge', `http://127.0.0.1:${proxyPort}/x`])
    await prompted(cli, 1)
    expect(cli.stderr).toContain('[d]rop (reset stream 1), [r]eset the connection,')
    const asked = Date.now()
    cli.child.stdin.write('d\n')
    // curl's 92: "HTTP/2 stream 1 was not closed cleanly: CANCEL".
    const out = await answer
    expect(out.code).toBe(92)
    expect(out.stderr).toContain('CANCEL')
    expect(Date.now() - asked).toBeLessThan(5000)
    await waitFor(() => told(cli, 'held 1 ').length > 0, 'the drop confirmed')
    expect(told(cli, 'held 1 ')).toEqual(['tcpscope: held 1 dropped: stream 1 reset (CANCEL) for the client and the target; the connection goes on'])
    expect(paths).toEqual([])
  })

  it('keeps the message held while $EDITOR is open past its timeout: the server gets the edit, not the original', async () => {
    // A person who takes longer than the breakpoint's 2 s timeout to edit.
    const { cli, c, got } = await heldChunkProxy('dir=up,text=PASS,timeout=2', '#!/bin/sh\nsleep 3.5\nsed -i s/PASS/FAIL/ "$1"\n')
    c.write('PASS slow;')
    await prompted(cli, 1)
    cli.child.stdin.write('e\n')
    await waitFor(() => got.length > 0, 'the held chunk to reach the server')
    await new Promise((r) => setTimeout(r, 100))
    expect(Buffer.concat(got).toString()).toBe('FAIL slow;')
    await waitFor(() => cli.stderr.includes('sent the edit (10 B)'), 'the console to say the edit went')
  })

  it('says in one line that a message went on before $EDITOR closed, and asks about the next', async () => {
    const { cli, c, serverText } = await heldChunkProxy('dir=up,text=PASS,timeout=0.5', '#!/bin/sh\nsed -i s/PASS/FAIL/ "$1"\n')
    c.write('PASS one;')
    await prompted(cli, 1)
    // Nobody answered in time: the timeout forwarded it before the person chose to edit it.
    await waitFor(() => serverText() === 'PASS one;', 'the timeout to forward it')
    cli.child.stdin.write('e\n')
    await waitFor(() => cli.stderr.includes('the edit was not sent'), 'the console to say so')
    // The prompt ends no line (standard input is a pipe here): the answer's line follows it.
    const told = cli.stderr.split('\n').filter((l) => l.includes('the edit was not sent')).map((l) => l.slice(l.indexOf('tcpscope: ')))
    expect(told).toEqual(['tcpscope: held 1 was released before $EDITOR closed (its timeout, or the proxy stopping): the edit was not sent'])
    expect(cli.stderr).not.toMatch(/^\s+at /m)
    c.write('PASS two;')
    await prompted(cli, 2)
    cli.child.stdin.write('f\n')
    await waitFor(() => serverText() === 'PASS one;PASS two;', 'the next held chunk')
  })

  it('stops cleanly on SIGTERM while $EDITOR is open: the message goes on unchanged, and the proxy exits once the editor does', async () => {
    const { cli, c, got } = await heldChunkProxy('dir=up,text=PASS,timeout=0', '#!/bin/sh\nsleep 1\nsed -i s/PASS/FAIL/ "$1"\n')
    c.write('PASS one;')
    await prompted(cli, 1)
    cli.child.stdin.write('e\n')
    await new Promise((r) => setTimeout(r, 300))
    // Its standard input stays open, as a terminal's would.
    const code = cli.stop('SIGTERM')
    await waitFor(() => Buffer.concat(got).toString() === 'PASS one;', 'the stop to release it unchanged')
    expect(await Promise.race([code, new Promise((r) => setTimeout(() => r('still running'), 5000))])).toBe(0)
    expect(cli.stderr).toContain('tcpscope: held 1 was released before $EDITOR closed (its timeout, or the proxy stopping): the edit was not sent')
  })

  it("holds redis-cli's SET with message=cmd:SET; edited in $EDITOR, redis stores the edit (its bulk length refit)", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const redis = await startRedis(dir)
    cleanups.push(redis.stop)
    const editor = join(dir, 'edit.sh')
    writeFileSync(editor, '#!/bin/sh\nsed -i s/short/much-longer/ "$1"\n')
    chmodSync(editor, 0o755)
    const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${redis.port}`, '--capture', join(dir, 'c.tcap'), '--json', '--break', 'message=cmd:SET'], { EDITOR: editor })
    const proxyPort = portOfLine(await cli.waitLine(() => true))
    const redisCli = (port: number, ...args: string[]): Promise<{ stdout: string }> => promisify(execFile)('redis-cli', ['-p', String(port), ...args])
    const answer = redisCli(proxyPort, 'SET', 'k', 'short')
    await prompted(cli, 1)
    expect(cli.stderr).toContain('held 31 B by b1 SET k short')
    // A GET is no SET: it passes while the SET is held.
    expect((await redisCli(proxyPort, 'GET', 'k')).stdout.trim()).toBe('')
    cli.child.stdin.write('e\n')
    expect((await answer).stdout.trim()).toBe('OK')
    expect((await redisCli(redis.port, 'GET', 'k')).stdout.trim()).toBe('much-longer')
  })

  it('edits an HTTP request from curl; the server gets the edit with its Content-Length fixed', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const editor = join(dir, 'edit.sh')
    writeFileSync(editor, '#!/bin/sh\nsed -i s/short/much-longer/ "$1"\n')
    chmodSync(editor, 0o755)
    const bodies: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        bodies.push(`${req.headers['content-length']}:${body}`)
        res.end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(r)))
    const port = (server.address() as { port: number }).port
    const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${port}`, '--capture', join(dir, 'c.tcap'), '--json', '--break', 'http=request,method=POST'], { EDITOR: editor })
    const proxyPort = portOfLine(await cli.waitLine(() => true))
    const answer = promisify(execFile)('curl', ['-sS', '--max-time', '10', '-d', 'v=short', `http://127.0.0.1:${proxyPort}/x`])
    await prompted(cli, 1)
    expect(cli.stderr).toContain('held')
    expect(cli.stderr).toContain('POST /x')
    cli.child.stdin.write('e\n')
    expect((await answer).stdout).toBe('ok')
    expect(bodies).toEqual(['13:v=much-longer'])
  })

  it('holds an HTTP/2 request from curl with prior knowledge; edited in $EDITOR, the server gets the edit', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const editor = join(dir, 'edit.sh')
    writeFileSync(editor, '#!/bin/sh\nsed -i s/short/much-longer/ "$1"\n')
    chmodSync(editor, 0o755)
    const bodies: string[] = []
    const server = http2.createServer()
    server.on('stream', (stream, headers) => {
      let body = ''
      stream.on('data', (c: Buffer) => (body += c.toString()))
      stream.on('end', () => {
        bodies.push(`${headers['content-length']}:${body}`)
        stream.respond({ ':status': 200 })
        stream.end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(r)))
    const port = (server.address() as { port: number }).port
    const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${port}`, '--capture', join(dir, 'c.tcap'), '--json', '--break', 'http=request,path=/x'], { EDITOR: editor })
    const proxyPort = portOfLine(await cli.waitLine(() => true))
    const answer = promisify(execFile)('curl', ['-sS', '--max-time', '10', '--http2-prior-knowledge', '-d', 'v=short', `http://127.0.0.1:${proxyPort}/x`])
    await prompted(cli, 1)
    expect(cli.stderr).toContain('POST /x')
    expect(cli.stderr).toContain(':method: POST')
    cli.child.stdin.write('e\n')
    expect((await answer).stdout).toBe('ok')
    expect(bodies).toEqual(['13:v=much-longer'])
  })

  it('says what is wrong with a --break in one line, before listening', async () => {
    const r = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--break', 'dir=sideways,text=x'])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toBe("tcpscope: proxy: --break 'dir=sideways,text=x': dir is up, down or both; got \"sideways\"")
    const none = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--break', 'dir=up'])
    expect(none.stderr.trim()).toBe("tcpscope: proxy: --break 'dir=up': say what to hold: one of text=, hex=, regex=, chunk, http=request|response, message[=WORDS]")
    const regex = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--break', 'regex=(a'])
    expect(regex.stderr.trim().split('\n')).toHaveLength(1)
    expect(regex.stderr).toContain('bad regular expression')
    const words = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--break', 'message=colour:red'])
    expect(words.stderr.trim().split('\n')).toHaveLength(1)
    expect(words.stderr).toContain('breakpoint: message filter colour:red: colour: is no message word')
  })

  it('records breakpoints and toxics beside the bytes in export --format jsonl', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.pipe(s)
    })
    cleanups.push(() => server.close())
    const capture = join(dir, 'c.tcap')
    const cli = started(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', capture, '--json', '--break', 'dir=up,text=hello,timeout=0.2', '--toxic', 'latency:latency=20'])
    const c = await connectTo(portOfLine(await cli.waitLine(() => true)))
    c.write('hello')
    await new Promise<void>((r) => c.once('data', () => r()))
    c.end()
    await cli.waitLine((l) => l.includes('"kind":"close"'))
    await cli.stop('SIGINT')
    const r = await runCli(['export', capture, '--conn', '1', '--format', 'jsonl'])
    const kinds = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; info?: { message?: string } })
    const told = kinds.filter((k) => k.kind === 'break' || k.kind === 'fault').map((k) => `${k.kind}: ${k.info?.message}`)
    expect(told[0]).toBe('break: held 5 B by b1')
    expect(told[1]).toMatch(/^break: timed out after 0\.\d s: forwarded unchanged$/)
    expect(told[2]).toMatch(/^fault: delayed 2\d ms$/)
  })
})
