// Exports of a capture with gaps (bytes forwarded but not kept: `--when-disk-is-slow drop`)
// never fill a gap: raw holds the kept bytes only, the hex dump marks each gap at its true
// offset, jsonl carries the gap events, and pcapng leaves the gap out of its packets while
// the TCP sequence numbers count it (tshark: "previous segment not captured").
import { afterEach, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CaptureEvent, Direction } from '../../../src/shared/capture-types'
import { Engine } from '../../../src/core/engine'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir } from '../../helpers/net'
import { portOf } from '../../helpers/engine'
import { allEvents, closedConnections } from '../../helpers/capture-checks'
import { needPeer } from '../../helpers/peers'
import { run } from './export-traffic'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('exports of a capture with gaps', () => {
  it('skip each gap (raw), mark it (hex, jsonl), or count it in sequence numbers only (pcapng)', async (ctx) => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const engine = await Engine.create({ capturePath: join(dir, 'gaps.tcap'), liveDecoding: false, writeMode: 'buffered', whenDiskIsSlow: 'drop', highWater: 64 * 1024, lowWater: 16 * 1024, batchBytes: 1 << 30, maxDelayMs: 600_000 })
    cleanups.push(() => engine.close())
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const payload = randomPayload(2 * 1024 * 1024)
    const c = await connectTo(portOf(proxy.listen))
    const echoed = collect(c)
    c.end(payload)
    expect(sha256(await echoed)).toBe(sha256(payload))
    const [conn] = await closedConnections(engine, 1)
    const events = await allEvents(engine.capture, conn.id)
    const kept = (d: Direction): CaptureEvent[] => events.filter((e) => e.kind === 'data' && e.dir === d)
    const gaps = (d: Direction): CaptureEvent[] => events.filter((e) => e.kind === 'gap' && e.dir === d)
    expect(gaps('server').length).toBeGreaterThan(0)

    for (const d of ['client', 'server'] as const) {
      const raw = join(dir, `${d}.bin`)
      await engine['capture.export']({ capture: 'live', format: 'raw', connIds: [conn.id], direction: d, path: raw })
      const keptBytes = Buffer.concat(kept(d).map((e) => payload.subarray(e.offset!, e.offset! + e.length!)))
      expect((await readFile(raw)).equals(keptBytes)).toBe(true)
      expect(keptBytes.length + (conn.notKept?.[d] ?? 0)).toBe(payload.length)

      const hex = join(dir, `${d}.hex`)
      await engine['capture.export']({ capture: 'live', format: 'hex', connIds: [conn.id], direction: d, path: hex })
      const marks = (await readFile(hex, 'utf8')).split('\n').filter((l) => l.startsWith('-- '))
      expect(marks).toEqual(gaps(d).map((e) => {
        const { offset, bytes } = e.info as { offset: number; bytes: number }
        return `-- ${bytes} bytes not kept at ${offset} (the disk was slower than the traffic) --`
      }))
    }

    const jsonl = join(dir, 'events.jsonl')
    await engine['capture.export']({ capture: 'live', format: 'jsonl', connIds: [conn.id], path: jsonl })
    const lines = (await readFile(jsonl, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as CaptureEvent)
    expect(lines.filter((l) => l.kind === 'gap').map((l) => l.info)).toEqual(events.filter((e) => e.kind === 'gap').map((e) => e.info))

    if (!needPeer('tshark')) return ctx.skip()
    const pcap = join(dir, 'gaps.pcapng')
    await engine['capture.export']({ capture: 'live', format: 'pcapng', path: pcap })
    const { stdout } = await run('tshark', ['-r', pcap, '-T', 'fields', '-e', 'tcp.len', '-e', 'tcp.analysis.lost_segment'], { maxBuffer: 64 * 1024 * 1024 })
    const rows = stdout.trim().split('\n').map((l) => l.split('\t'))
    // Both legs carry the kept bytes only, each way.
    const carried = rows.reduce((n, [len]) => n + Number(len || 0), 0)
    const keptTotal = (['client', 'server'] as const).reduce((n, d) => n + payload.length - (conn.notKept?.[d] ?? 0), 0)
    expect(carried).toBe(2 * keptTotal)
    expect(rows.filter((r) => r[1] !== undefined && r[1] !== '').length).toBeGreaterThan(0)
  })
})
