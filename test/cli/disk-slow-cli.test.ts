// `tcpscope proxy --when-disk-is-slow pause|drop`: the choice is taken on the command line,
// a capture that may drop is written as format v3 (it may hold gap records), and a bad
// value is one line that names the choices.
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir } from '../helpers/net'
import { startCliProxy, type CliProxy } from '../helpers/cli-proxy'
import { runCli } from '../helpers/cli'

let cli: CliProxy | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  await cli?.stop('SIGKILL')
  cli = undefined
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('proxy --when-disk-is-slow', () => {
  it('drop: forwards byte-exact, and the capture, format v3, lists what it kept and what it did not', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const capture = join(dir, 'drop.tcap')
    cli = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture, extra: ['--when-disk-is-slow', 'drop'] })
    const payload = randomPayload(4 * 1024 * 1024)
    const c = await connectTo(cli.port)
    const echoed = collect(c)
    c.end(payload)
    expect(sha256(await echoed)).toBe(sha256(payload))
    expect(await cli.stop('SIGTERM')).toBe(0)
    expect(readFileSync(capture).readUInt16LE(8)).toBe(3)
    const ls = await runCli(['ls', capture, '--json'])
    expect(ls.code).toBe(0)
    const [conn] = ls.stdout.trim().split('\n').map((l) => JSON.parse(l) as { bytes: Record<string, number>; notKept?: Record<string, number> })
    expect(conn.bytes).toEqual({ client: payload.length, server: payload.length })
    // Whether this disk kept up is the machine's business; what was not kept is counted either way.
    for (const d of ['client', 'server']) expect(conn.notKept?.[d] ?? 0).toBeLessThanOrEqual(payload.length)
  })

  it('refuses anything but pause or drop in one line', async () => {
    const r = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--when-disk-is-slow', 'fast'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')[0]).toBe('tcpscope: proxy: --when-disk-is-slow must be one of pause, drop, got "fast"')
  })
})
