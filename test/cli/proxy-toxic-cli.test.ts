// `tcpscope proxy --toxic`: Toxiproxy's toxics from the command line, repeatable, in effect
// from the first connection; a mistake is one line before anything listens.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { connectTo, outcomeOf, startServer, tempDir } from '../helpers/net'
import { roundTrip } from '../core/fault/toxic-helpers'
import { parseToxicFlag } from '../../src/cli/toxic-flag'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('tcpscope proxy --toxic', () => {
  it('applies every toxic given from the first connection', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(() => server.close())
    const cli = new CliProcess([
      'proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', join(dir, 'c.tcap'), '--json',
      '--toxic', 'latency:latency=250,jitter=10,stream=downstream',
      '--toxic', 'limit_data:bytes=8,stream=upstream,name=cap'
    ])
    cleanups.push(() => cli.stop('SIGTERM'))
    const first = JSON.parse(await cli.waitLine(() => true)) as { listen: string }
    const c = await connectTo(Number(first.listen.slice(first.listen.lastIndexOf(':') + 1)))
    cleanups.push(() => c.destroy())
    c.on('error', () => {})
    expect(await roundTrip(c, Buffer.from('ping'))).toBeGreaterThanOrEqual(220)
    // 4 more bytes reach the limit of 8: they come back, then the connection closes.
    const ended = new Promise<void>((resolve) => c.once('end', () => resolve()))
    c.write('pong and more')
    await ended
  })

  it("records a reset_peer toxic's reset as tcpscope's, and ls says so: what made it and the sides reset", async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.pipe(s)
    })
    cleanups.push(() => server.close())
    const capture = join(dir, 'c.tcap')
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', capture, '--toxic', 'reset_peer:timeout=0'])
    cleanups.push(() => cli.stop('SIGTERM'))
    const first = await cli.waitLine(() => true)
    const c = await connectTo(Number(/127\.0\.0\.1:(\d+)/.exec(first)![1]))
    const outcome = outcomeOf(c)
    c.write('hi')
    expect((await outcome).error).toBe('ECONNRESET')
    // The proxy's own line says it too, not "closed (stopped)".
    await cli.waitLine((l) => /#1 closed \(tcpscope-reset by toxic, RST to client and server\): 2 B from client, /.test(l))
    expect(await cli.stop('SIGTERM')).toBe(0)
    const ls = await runCli(['ls', capture])
    expect(ls.code).toBe(0)
    expect(ls.stdout.split('\n')[1]).toMatch(/ reset:toxic +tcpscope-reset \(RST to client and server\)$/)
    const json = JSON.parse((await runCli(['ls', capture, '--json'])).stdout.trim()) as Record<string, unknown>
    expect(json).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'toxic', rst: { client: true, server: true } } } })
  })

  it('takes match=, with a comma in it written \\, as --break takes it', async () => {
    expect(parseToxicFlag('latency:latency=250,match=text:slow\\,down port:1,name=slowdown')).toEqual({
      type: 'latency',
      attributes: { latency: 250 },
      match: 'text:slow,down port:1',
      name: 'slowdown'
    })
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(() => server.close())
    const cli = new CliProcess([
      'proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', join(dir, 'c.tcap'), '--json',
      '--toxic', 'latency:latency=2000,match=text:slow\\,down'
    ])
    cleanups.push(() => cli.stop('SIGTERM'))
    const first = JSON.parse(await cli.waitLine(() => true)) as { listen: string }
    const c = await connectTo(Number(first.listen.slice(first.listen.lastIndexOf(':') + 1)))
    cleanups.push(() => c.destroy())
    // Only the chunks holding "slow,down" are delayed: the match kept its comma. (A latency far
    // above a busy machine's round trip tells the two apart without a tight timing bound.)
    expect(await roundTrip(c, Buffer.from('quick'))).toBeLessThan(1000)
    expect(await roundTrip(c, Buffer.from('slow,down'))).toBeGreaterThanOrEqual(1980)
  })

  it('says what is wrong with a --toxic in one line, before listening', async () => {
    const r = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--toxic', 'latency:rate=5'])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toBe(`tcpscope: proxy: --toxic 'latency:rate=5': latency has no attribute "rate"; it takes latency, jitter, stream, toxicity, name, match`)
    const unknown = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--toxic', 'lag:latency=5'])
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    expect(unknown.stderr).toContain('unknown type "lag"; the types are latency, bandwidth')
  })

  it('is described in --help', async () => {
    const r = await runCli(['proxy', '--help'])
    expect(r.stdout).toContain('--toxic')
    expect(r.stdout).toContain("latency:latency=200,jitter=50,stream=downstream")
  })
})
