// A disk that fills up while the proxy records: traffic keeps flowing, and the summary
// says both what was forwarded and what was recorded, the latter agreeing with the file
// to the byte. Run on a small tmpfs (the page-cache writer, or O_DIRECT where the kernel's
// tmpfs takes it: Linux 6.6 on) and on a loop-mounted ext4 image (O_DIRECT writer), each
// mounted for the test.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir } from '../helpers/net'
import { needProgram } from '../helpers/peers'
import { mountSmall } from '../helpers/small-fs'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a full disk while recording', () => {
  it.for(['tmpfs', 'ext4'] as const)('on a full %s: traffic flows on; the summary gives forwarded and recorded bytes, and recorded agrees with the file', async (kind, ctx) => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const mounted = mountSmall(kind, dir, cleanups)
    needProgram(ctx, `a ${kind} mount`, typeof mounted === 'string')
    const capture = join(mounted as string, 'c.tcap')
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.pipe(s)
    })
    cleanups.push(server.close)
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', capture, '--json', '--quiet'])
    cleanups.push(() => cli.stop('SIGKILL'))
    const listen = JSON.parse(await cli.waitLine(() => true)).listen as string
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1))

    // 8 MiB each way through a 3-6 MiB file system: it fills up mid-transfer.
    const payload = randomPayload(8 * 1024 * 1024)
    const c = await connectTo(port)
    const echoed = collect(c)
    c.end(payload)
    expect(sha256(await echoed)).toBe(sha256(payload))
    expect(await cli.stop('SIGINT')).toBe(0)
    expect(cli.stderr).toMatch(/capture stopped: cannot write .+ \((ENOSPC|EFBIG): .+\); traffic is still forwarded but no longer recorded/)

    const summary = JSON.parse(cli.lines[cli.lines.length - 1]) as { bytes: Record<string, number>; recorded: Record<string, number>; captureError?: string }
    expect(summary.bytes).toEqual({ client: payload.length, server: payload.length })
    expect(summary.captureError).toMatch(/^ENOSPC/)
    expect(summary.recorded.client + summary.recorded.server).toBeLessThan(2 * payload.length)

    const ls = await runCli(['ls', capture, '--json'])
    expect(ls.code).toBe(0)
    const conns = ls.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; bytes: Record<string, number> })
    expect(conns).toHaveLength(1)
    expect(conns[0].bytes).toEqual(summary.recorded)
    // And what is recorded is exact: a prefix of what was sent.
    const out = await runCli(['export', capture, '--conn', '1', '--direction', 'client'])
    expect(out.stdoutBytes.length).toBe(summary.recorded.client)
    expect(out.stdoutBytes.equals(payload.subarray(0, summary.recorded.client))).toBe(true)
  })
})
