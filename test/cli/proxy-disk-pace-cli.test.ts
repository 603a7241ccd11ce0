// `tcpscope proxy`'s summary says how the capture writer kept up (WriterPace): in --json,
// always; in words, when a disk slower than the traffic held it back. The slow disk is this
// machine's own, throttled for the proxy's process by the kernel's block-I/O controller
// (bench/lib/disk-limit.mjs, as `npm run bench -- --disk-limit` does).
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { statSync } from 'node:fs'
import type { Socket } from 'node:net'
import { limitDisk, type DiskLimit } from '../../bench/lib/disk-limit.mjs'
import type { WriterPace } from '../../src/shared/capture-types'
import { CliProcess } from '../helpers/cli'
import { connectTo, randomPayload, sha256, startServer, tempDir } from '../helpers/net'
import { needProgram } from '../helpers/peers'

const MiB = 1024 * 1024
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A server that keeps what each connection sends and answers its SHA-256 when the client ends. */
async function hashingSink(): Promise<number> {
  const server = await startServer((s: Socket) => {
    const parts: Buffer[] = []
    s.on('data', (d: Buffer) => parts.push(d))
    s.on('end', () => s.end(sha256(Buffer.concat(parts))))
  })
  cleanups.push(server.close)
  return server.port
}

async function sendThrough(port: number, payload: Buffer): Promise<string> {
  const c = await connectTo(port)
  let answer = ''
  c.setEncoding('utf8').on('data', (d: string) => (answer += d))
  c.end(payload)
  await new Promise((r) => c.on('close', r))
  return answer
}

function startProxy(args: string[]): CliProcess {
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', ...args])
  cleanups.push(() => cli.stop('SIGKILL'))
  return cli
}

describe('proxy summary: the capture writer\'s pace', () => {
  it('--json: the summary\'s writer says what it wrote (the capture\'s size), and how long it was busy and held back, within the run', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'pace.tcap')
    const cli = startProxy(['--target', `127.0.0.1:${await hashingSink()}`, '--capture', capture, '--json', '--quiet'])
    const listening = JSON.parse(await cli.waitLine((l) => l.includes('"listening"'))) as { listen: string }
    const payload = randomPayload(4 * MiB)
    expect(await sendThrough(Number(listening.listen.split(':').pop()), payload)).toBe(sha256(payload))
    expect(await cli.stop('SIGTERM')).toBe(0)
    const summary = JSON.parse(await cli.waitLine((l) => l.includes('"summary"'))) as { captureBytes: number; writer: WriterPace }
    expect(summary.writer.written).toBe(summary.captureBytes)
    expect(summary.writer.written).toBe(statSync(capture).size)
    expect(summary.writer.busyMs).toBeGreaterThan(0)
    expect(summary.writer.busyMs).toBeLessThanOrEqual(summary.writer.elapsedMs)
    expect(summary.writer.behindMs).toBeGreaterThanOrEqual(0)
    expect(summary.writer.behindMs).toBeLessThanOrEqual(summary.writer.elapsedMs)
  })

  it('says the disk set the pace, for how long, when a slow disk held the traffic back; every byte still forwarded', async (ctx) => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    let limit: DiskLimit | undefined
    let why = ''
    try {
      // 16 MB/s: 40 MiB cannot be written in the time loopback forwards it, so the writer passes its 16 MiB bound.
      limit = limitDisk(dir, 16)
    } catch (err) {
      why = (err as Error).message
    }
    needProgram(ctx, `a throttled disk (${why}; run as root on Linux with cgroup blkio or io)`, limit !== undefined)
    const capture = join(dir, 'slow.tcap')
    const cli = startProxy(['--target', `127.0.0.1:${await hashingSink()}`, '--capture', capture])
    cleanups.push(() => limit!.remove())
    const listening = await cli.waitLine((l) => l.includes('listening on'))
    limit!.add(cli.child.pid!)
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(listening)![1])
    const payload = randomPayload(40 * MiB)
    expect(await sendThrough(port, payload)).toBe(sha256(payload))
    expect(await cli.stop('SIGTERM')).toBe(0)
    const stopped = await cli.waitLine((l) => l.startsWith('tcpscope: stopped'))
    expect(stopped).toMatch(/is complete; the disk set the pace: the traffic was held back [\d.]+ (s|ms) of [\d.]+ s; it wrote [\d.]+ [KMG]?i?B\/s while busy$/)
  })
})
