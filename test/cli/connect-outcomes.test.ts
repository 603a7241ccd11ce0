// `tcpscope connect` says how the conversation ended, one line on stderr, and its exit
// code tells a script: 0 when the server closed (FIN) or --timeout passed, 3 when it could
// not connect (refused, timed out, unreachable), 4 when the server reset the connection;
// --expect keeps 0 for a match and 1 for none.
import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import type { Socket } from 'node:net'
import { runCli } from '../helpers/cli'
import { startHangingListener } from '../helpers/hanging-listener'
import { startServer, tempDir } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(handle: (s: Socket) => void): Promise<number> {
  const s = await startServer(handle)
  cleanups.push(s.close)
  return s.port
}

/** Runs connect with its own temporary folder, and says whether it left its temporary capture behind. */
async function connect(args: string[], input?: Buffer): Promise<{ code: number | null; stdout: string; stderr: string; leftovers: string[] }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const r = await runCli(['connect', ...args], input, { TMPDIR: dir })
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, leftovers: readdirSync(dir) }
}

const resetAfter = (ms: number) => (s: Socket) => setTimeout(() => s.resetAndDestroy(), ms)

describe('tcpscope connect says how it ended', () => {
  it('the server closes (FIN) after its reply: the reply, one line, exit 0, and the temporary capture is removed', async () => {
    const port = await server((s) => s.on('data', () => s.end('bye\n')))
    const r = await connect([`127.0.0.1:${port}`, '--send', 'hi'])
    expect(r).toEqual({ code: 0, stdout: 'bye\n', stderr: 'tcpscope: the server closed the connection\n', leftovers: [] })
    // A long --timeout does not keep it waiting once the server is done.
    const started = Date.now()
    expect((await connect([`127.0.0.1:${port}`, '--send', 'hi', '--timeout', '50000'])).code).toBe(0)
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('the server resets: what it sent before, one line, exit 4', async () => {
    const port = await server((s) =>
      s.on('data', () => {
        s.write('partial\n')
        resetAfter(100)(s)
      })
    )
    const r = await connect([`127.0.0.1:${port}`, '--send', 'hi'])
    expect(r).toEqual({ code: 4, stdout: 'partial\n', stderr: 'tcpscope: the server reset the connection\n', leftovers: [] })
  })

  it('a reset is exit 4 with --json and with stdin input too', async () => {
    const port = await server((s) => s.on('data', () => s.resetAndDestroy()))
    const json = await connect([`127.0.0.1:${port}`, '--send', 'hi', '--json'])
    expect(json.code).toBe(4)
    expect(json.stderr).toBe('tcpscope: the server reset the connection\n')
    expect(json.stdout).toMatch(/"kind":"reset"/)
    const stdin = await connect([`127.0.0.1:${port}`], Buffer.from('hi\n'))
    expect(stdin).toMatchObject({ code: 4, stderr: 'tcpscope: the server reset the connection\n' })
  })

  it('--expect: a reset before a match is exit 4, and says so; a match before the reset is 0', async () => {
    const port = await server((s) =>
      s.on('data', (d) => {
        if (String(d).startsWith('ping')) s.write('pong\n')
        resetAfter(100)(s)
      })
    )
    const miss = await connect([`127.0.0.1:${port}`, '--send', 'hi', '--expect', 'pong', '--timeout', '10000'])
    expect(miss).toMatchObject({ code: 4, stderr: 'tcpscope: the server reset the connection before a reply matched /pong/\n' })
    const hit = await connect([`127.0.0.1:${port}`, '--send', 'ping', '--expect', 'pong', '--timeout', '10000'])
    expect(hit).toMatchObject({ code: 0, stdout: 'pong\n', stderr: '' })
  })

  it('refused: one line, exit 3, before anything else', async () => {
    const r = await connect(['127.0.0.1:1', '--send', 'x'])
    expect(r).toEqual({ code: 3, stdout: '', stderr: 'tcpscope: connection refused by 127.0.0.1:1: nothing is listening there; is the server running?\n', leftovers: [] })
    const expecting = await connect(['127.0.0.1:1', '--expect', 'x'])
    expect(expecting.code).toBe(3)
  })

  it('a connect that times out: one line, exit 3', async () => {
    const hanging = await startHangingListener()
    cleanups.push(hanging.close)
    const r = await connect([`127.0.0.1:${hanging.port}`, '--send', 'x', '--connect-timeout', '200'])
    expect(r).toEqual({ code: 3, stdout: '', stderr: `tcpscope: timed out connecting to 127.0.0.1:${hanging.port}: the host did not answer\n`, leftovers: [] })
  })

  it('--json: every byte the server sent, as hex, before the capture closes', async () => {
    const reply = Buffer.alloc(300, 0x5a)
    const port = await server((s) => s.on('data', () => s.end(reply)))
    const r = await connect([`127.0.0.1:${port}`, '--send', 'x', '--json'])
    expect(r.code).toBe(0)
    const data = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; dir?: string; hex?: string })
      .filter((e) => e.type === 'conn-data' && e.dir === 'server')
    expect(data.map((e) => e.hex).join('')).toBe(reply.toString('hex'))
  })

  it('--timeout passing while the server stays quiet is a normal end: exit 0, and stderr says what ended it', async () => {
    const port = await server(() => {})
    const r = await connect([`127.0.0.1:${port}`, '--send', 'x', '--timeout', '200'])
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'tcpscope: --timeout passed (200 ms): closed the connection\n', leftovers: [] })
  })
})
