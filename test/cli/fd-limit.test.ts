// With the process out of file descriptors, every client is still accounted for: either
// served, or recorded as turned away (EMFILE) and reset, with a warning on stderr. None is
// closed silently by libuv's accept-time EMFILE handling (see src/core/net/fd-budget.ts).
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { CLI, CliProcess, runCli } from '../helpers/cli'
import { connect } from 'node:net'
import { startServer, tempDir } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const CLIENTS = 80
/**
 * Low enough that a few held connections exhaust it, high enough for Node to start and keep
 * the engine's reserve (32) free: Node 20 opens about 23 descriptors of its own, Node 22 about 32.
 */
const FD_LIMIT = 80

/** A CLI command run with `ulimit -n` set (soft and hard: Node raises the soft one to the hard). */
function limited(args: string[]): CliProcess {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  return new CliProcess([], spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec ${quoted}`]))
}

interface Client {
  socket: Socket
  /** Live: a reset can arrive after the settle time on a busy machine, so it is read at the end. */
  closed: boolean
}

/** Opens a client and waits until it is either still up after `settleMs`, or closed. */
function client(port: number, settleMs: number): Promise<Client> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    const c: Client = { socket, closed: false }
    socket.on('error', () => {})
    socket.once('close', () => {
      c.closed = true
      resolve(c)
    })
    socket.once('connect', () => setTimeout(() => resolve(c), settleMs))
  })
}

/** Waits until no client has closed for `quietMs`: every reset the engine sent has landed. */
async function settled(clients: Client[], quietMs = 500, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs
  let last = -1
  for (;;) {
    const now = clients.filter((c) => c.closed).length
    if (now === last || Date.now() > deadline) return
    last = now
    await new Promise((r) => setTimeout(r, quietMs))
  }
}

async function ls(capture: string): Promise<Array<{ end: string; error?: { code: string } }>> {
  const r = await runCli(['ls', capture, '--json'])
  expect(r.code).toBe(0)
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l))
}

describe('out of file descriptors', () => {
  it('a proxy records every client it cannot serve as turned away (EMFILE), resets it and warns; none vanishes', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const held: Socket[] = []
    const sink = await startServer((s) => held.push(s))
    cleanups.push(sink.close)
    const capture = join(dir, 'fd.tcap')
    const cli = limited(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${sink.port}`, '--capture', capture, '--json', '--quiet'])
    cleanups.push(() => cli.stop('SIGKILL'))
    const listen = JSON.parse(await cli.waitLine(() => true)).listen as string
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1))

    const clients = []
    for (let i = 0; i < CLIENTS; i++) clients.push(await client(port, 30))
    await settled(clients)
    const served = held.length
    const turnedAway = clients.filter((c) => c.closed).length
    for (const c of clients) c.socket.destroy()
    expect(await cli.stop('SIGINT')).toBe(0)

    expect(served).toBeGreaterThan(0)
    expect(turnedAway).toBeGreaterThan(0)
    expect(served + turnedAway).toBe(CLIENTS)
    const conns = await ls(capture)
    expect(conns).toHaveLength(CLIENTS)
    expect(conns.filter((c) => c.error?.code === 'EMFILE' && c.end === 'connect-failed')).toHaveLength(turnedAway)
    expect(cli.stderr).toMatch(/out of file descriptors \(limit \d+\).*raise the limit \(ulimit -n\)/)
  })

  it('a server session does the same', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'fd.tcap')
    const cli = limited(['serve', '--listen', '127.0.0.1:0', '--capture', capture, '--json', '--quiet'])
    cleanups.push(() => cli.stop('SIGKILL'))
    const listen = JSON.parse(await cli.waitLine(() => true)).listen as string
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1))
    const clients = []
    for (let i = 0; i < CLIENTS; i++) clients.push(await client(port, 30))
    await settled(clients)
    const turnedAway = clients.filter((c) => c.closed).length
    for (const c of clients) c.socket.destroy()
    expect(await cli.stop('SIGINT')).toBe(0)
    expect(turnedAway).toBeGreaterThan(0)
    const conns = await ls(capture)
    expect(conns).toHaveLength(CLIENTS)
    expect(conns.filter((c) => c.error?.code === 'EMFILE')).toHaveLength(turnedAway)
    expect(cli.stderr).toMatch(/out of file descriptors/)
  })
})
