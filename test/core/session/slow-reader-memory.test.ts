// A client that sends a lot and never reads, against `tcpscope serve` answering by echo, a
// reply rule, a canned HTTP response and an interval: the server's memory stays bounded.
// Before, every answer went into the socket's buffer: 1 GiB sent to `serve --echo` grew the
// server by 1.1 GiB. The server runs as a child process so its VmRSS is its own.
import { describe, expect, it, type TestContext } from 'vitest'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import { CliProcess } from '../../helpers/cli'
import { tempDir, waitFor } from '../../helpers/net'

const MIB = 1024 * 1024
/** What a client offers to send; unbounded answering would hold at least as much. */
const OFFERED = 256 * MIB
/** Growth the test allows the server: the kernel's and Node's buffers, the capture's writer. */
const BOUND = 200 * MIB

type Cleanups = Array<() => unknown>

/**
 * The test's own cleanups, run when it ends, last first. The tests run side by side: each
 * mostly watches a server that stopped reading sit still, and one after another they only
 * waited, one watch at a time.
 */
function cleanupsOf(ctx: TestContext): Cleanups {
  const list: Cleanups = []
  ctx.onTestFinished(async () => {
    for (const c of list.splice(0).reverse()) await c()
  })
  return list
}

function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}

/** `tcpscope serve` on a Unix socket in a temp dir (no port to learn with --quiet). */
async function serve(cleanups: Cleanups, args: (dir: string) => string[]): Promise<{ cli: CliProcess; path: string; dir: string }> {
  const { dir, cleanup } = tempDir()
  const path = join(dir, 'serve.sock')
  const cli = new CliProcess(['serve', '--listen', path, '--quiet', '--capture', join(dir, 'c.tcap'), ...args(dir)])
  cleanups.push(cleanup, () => cli.stop('SIGKILL'))
  await waitFor(() => existsSync(path), 'the server to listen')
  return { cli, path, dir }
}

/**
 * A client that connects and never reads what it is sent (its own buffer fills, then the
 * kernel's). The socket file appears at bind, a moment before listen: a refusal then is retried.
 */
async function nonReader(cleanups: Cleanups, path: string): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    const s = createConnection(path)
    cleanups.push(() => s.destroy())
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      s.once('connect', () => resolve(undefined))
      s.once('error', resolve)
    })
    if (err === undefined) {
      s.on('error', () => {})
      s.pause()
      return s
    }
    s.destroy()
    if (err.code !== 'ECONNREFUSED' || attempt >= 100) throw err
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Sends `chunk` over and over (the same buffer, so the client holds no copies) until OFFERED
 * bytes went out or the server stops taking them, watching the server's memory meanwhile.
 * Stops early once the growth is over BOUND, so an unbounded server is not left to eat the
 * machine. Returns the largest growth seen and how much the server took.
 */
async function offer(client: Socket, chunk: Buffer, serverPid: number): Promise<{ growth: number; taken: number }> {
  const base = rssOf(serverPid)
  let growth = 0
  let queued = 0
  const pump = (): void => {
    while (queued < OFFERED && client.write(chunk)) queued += chunk.length
  }
  client.on('drain', () => {
    queued += chunk.length
    pump()
  })
  pump()
  // Done when all went out, or nothing more went for a while (the server stopped reading).
  let last = -1
  let still = 0
  // At most a minute of watching by the clock (a starved machine fires timers late, so polls
  // are not counted), so it ends the test with an answer, not a timeout.
  const until = Date.now() + 60_000
  while (Date.now() < until) {
    growth = Math.max(growth, rssOf(serverPid) - base)
    if (growth > BOUND) break
    const taken = client.bytesWritten - client.writableLength
    if (taken >= OFFERED) break
    still = taken === last ? still + 1 : 0
    last = taken
    if (still >= 40) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return { growth, taken: client.bytesWritten - client.writableLength }
}

describe.concurrent('a session answering a client that never reads', () => {
  it('echo: stops reading from the client, so memory stays bounded', async (ctx) => {
    const cleanups = cleanupsOf(ctx)
    const { cli, path } = await serve(cleanups, () => ['--echo'])
    const client = await nonReader(cleanups, path)
    const { growth, taken } = await offer(client, Buffer.alloc(MIB, 'e'), cli.child.pid!)
    expect(growth).toBeLessThan(BOUND)
    expect(taken).toBeLessThan(OFFERED)
  }, 120_000)

  it('a reply rule that answers each chunk eightfold: stops reading, memory stays bounded', async (ctx) => {
    const cleanups = cleanupsOf(ctx)
    const { cli, path } = await serve(cleanups, () => ['--reply', 're:(q+)=>$1$1$1$1$1$1$1$1'])
    const client = await nonReader(cleanups, path)
    const { growth, taken } = await offer(client, Buffer.alloc(64 * 1024, 'q'), cli.child.pid!)
    expect(growth).toBeLessThan(BOUND)
    expect(taken).toBeLessThan(OFFERED)
  }, 120_000)

  it('canned HTTP to pipelined requests: each response waits for the one before, memory stays bounded', async (ctx) => {
    const cleanups = cleanupsOf(ctx)
    // A small body: the cost is per response (each is recorded), so many tiny requests grow it fastest.
    const { cli, path } = await serve(cleanups, () => ['--http-status', '200', '--http-body', 'ok'])
    const client = await nonReader(cleanups, path)
    const { growth, taken } = await offer(client, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4096)), cli.child.pid!)
    expect(growth).toBeLessThan(BOUND)
    expect(taken).toBeLessThan(OFFERED)
  }, 120_000)

  it('an interval: sends to a client that does not read are skipped, said once, and memory stays bounded', async (ctx) => {
    const cleanups = cleanupsOf(ctx)
    const { cli, path } = await serve(cleanups, (dir) => {
      writeFileSync(join(dir, 'tick.bin'), Buffer.alloc(MIB, 't'))
      return ['--interval', '1', '--send-file', join(dir, 'tick.bin')]
    })
    const base = rssOf(cli.child.pid!)
    const client = await nonReader(cleanups, path)
    await waitFor(() => cli.stderr.includes('skipped: the peer is not reading'), 'the server to say it skips', 60_000)
    // Watched for two seconds more (2000 ticks of 1 MiB, were they queued), it stays where it is.
    const filled = Date.now()
    while (Date.now() - filled < 2000) {
      expect(rssOf(cli.child.pid!) - base).toBeLessThan(BOUND)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(cli.stderr.match(/skipped: the peer is not reading/g)).toHaveLength(1)
    client.destroy()
  }, 120_000)
})
