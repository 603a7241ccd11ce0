// `--when-disk-is-slow drop`: a proxy whose capture writer cannot keep up forwards at full
// size and byte-exact, and the capture keeps what it can: each run of chunks it could not
// queue is a gap record, exact about its direction, offset and size, and no reader fills it.
// The slow disk is a writer that writes nothing until it is asked to (a batch and a delay
// far beyond the test) under a small bound: past the bound, everything is over it.
import { afterEach, describe, expect, it } from 'vitest'
import { copyFileSync, appendFileSync, readFileSync } from 'node:fs'
import { GAPLESS_FORMAT_VERSION } from '../../../../src/core/capture/format/capture-format'
import { join } from 'node:path'
import type { CaptureEvent, ConnectionSummary, Direction } from '../../../../src/shared/capture-types'
import { Engine } from '../../../../src/core/engine'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import type { CaptureOptions } from '../../../../src/core/capture/write/live-capture'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir } from '../../../helpers/net'
import { portOf } from '../../../helpers/engine'
import { allEvents, closedConnections, expectSeqInOrder } from '../../../helpers/capture-checks'

const MiB = 1024 * 1024
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function engineWith(opts: CaptureOptions): Promise<{ engine: Engine; capturePath: string }> {
  const { dir, cleanup } = tempDir()
  const capturePath = join(dir, 'slow.tcap')
  const engine = await Engine.create({ capturePath, liveDecoding: false, writeMode: 'buffered', ...opts })
  cleanups.push(cleanup, () => engine.close())
  return { engine, capturePath }
}

/** Echoes `payloads` through a proxy, one connection each, and checks every byte came back. */
async function echoThrough(engine: Engine, payloads: Buffer[]): Promise<ConnectionSummary[]> {
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const echoed = await Promise.all(
    payloads.map(async (p) => {
      const c = await connectTo(portOf(proxy.listen))
      const got = collect(c)
      c.end(p)
      return got
    })
  )
  echoed.forEach((e, i) => expect(sha256(e)).toBe(sha256(payloads[i])))
  return closedConnections(engine, payloads.length)
}

interface Kept {
  data: number
  gaps: number
}

/** What the events of `dir` hold: data and gaps tile the stream from 0, in order, with no overlap. */
function tiles(events: CaptureEvent[], dir: Direction): Kept {
  let next = 0
  const kept = { data: 0, gaps: 0 }
  for (const e of events) {
    if (e.dir !== dir) continue
    if (e.kind === 'data') {
      expect(e.offset).toBe(next)
      next += e.length!
      kept.data += e.length!
    } else if (e.kind === 'gap') {
      const info = e.info as { offset: number; bytes: number }
      expect(info.offset).toBe(next)
      expect(info.bytes).toBeGreaterThan(0)
      next += info.bytes
      kept.gaps += info.bytes
    }
  }
  return kept
}

type View = Pick<FileCapture, 'readEvents' | 'readBytes'>

/** Every gap is exact and unfilled in `view`: kept plus not kept is what was forwarded, each way. */
async function expectHonestGaps(view: View, conn: ConnectionSummary, payload: Buffer): Promise<number> {
  const events = await allEvents(view, conn.id)
  expectSeqInOrder(events)
  let gapBytes = 0
  for (const dir of ['client', 'server'] as const) {
    expect(conn.bytes[dir]).toBe(payload.length)
    const kept = tiles(events, dir)
    expect(kept.data + kept.gaps).toBe(payload.length)
    expect(conn.notKept?.[dir] ?? 0).toBe(kept.gaps)
    gapBytes += kept.gaps
    // Kept bytes are the bytes sent, at their true offsets; a gap's bytes are read as nothing.
    let previous: CaptureEvent | undefined
    for (const e of events) {
      if (e.dir !== dir || (e.kind !== 'data' && e.kind !== 'gap')) continue
      const afterData = previous?.kind === 'data'
      previous = e
      if (e.kind === 'data') {
        const got = await view.readBytes(conn.id, dir, e.offset!, e.length!)
        expect(got.equals(payload.subarray(e.offset!, e.offset! + e.length!))).toBe(true)
      } else if (e.kind === 'gap') {
        const { offset, bytes } = e.info as { offset: number; bytes: number }
        await expect(view.readBytes(conn.id, dir, offset, 1)).rejects.toMatchObject({ code: 'ENOTKEPT' })
        if (afterData) {
          // A read that runs into the gap stops where it begins (gaps may also follow each other).
          const before = await view.readBytes(conn.id, dir, offset - 1, bytes + 2)
          expect(before.length).toBe(1)
          expect(before[0]).toBe(payload[offset - 1])
        }
      }
    }
  }
  return gapBytes
}

describe('capture: when the disk is slow', () => {
  it('drop: forwards everything at full size, and records gaps exactly where bytes were not kept', async () => {
    const { engine, capturePath } = await engineWith({ whenDiskIsSlow: 'drop', highWater: 256 * 1024, lowWater: 64 * 1024, batchBytes: 1 << 30, maxDelayMs: 600_000 })
    const payloads = [randomPayload(8 * MiB), randomPayload(4 * MiB + 7)]
    const conns = await echoThrough(engine, payloads)
    let dropped = 0
    for (const conn of conns) {
      const payload = payloads[conn.id - 1]
      dropped += await expectHonestGaps(engine.capture, conn, payload)
    }
    // The writer held everything past its bound: most of the 24 MiB forwarded was not kept.
    expect(dropped).toBeGreaterThan(12 * MiB)
    // The turns (the flow view, replay's plan) show each gap as a mark of its own: no turn spans one.
    for (const conn of conns) {
      const { turns } = await engine.capture.turns(conn.id, 0, 10_000)
      const gaps = turns.filter((t) => t.kind === 'gap')
      expect(gaps.length).toBeGreaterThan(0)
      for (const g of gaps) expect(g.info).toMatchObject({ offset: expect.any(Number), bytes: expect.any(Number) })
      for (const t of turns.filter((x) => x.kind === 'data')) {
        const inside = gaps.some((g) => g.dir === t.dir && (g.info as { offset: number }).offset > t.offset! && (g.info as { offset: number }).offset < t.offset! + t.length!)
        expect(inside).toBe(false)
      }
    }
    // Messages are cut from what was kept, up to a direction's first gap: reading them never fails on a gap.
    for (const conn of conns) {
      const page = await engine['msg.page']({ capture: 'live', connId: conn.id, frame: 'line' })
      for (const m of page.messages) expect(m.range.offset + m.range.length).toBeLessThanOrEqual(conn.bytes[m.dir] - (conn.notKept?.[m.dir] ?? 0))
    }
    // A replay would send bytes nobody kept: it is refused, in one line that says why.
    await expect(engine['replay.raw']({ capture: 'live', connId: conns[0].id, strategy: 'turns' })).rejects.toMatchObject({
      code: 'ENOTKEPT',
      message: expect.stringMatching(/^connection #1 cannot be replayed: the capture did not keep \d+ bytes the client sent and \d+ the server sent \(the disk was slower than the traffic\)$/)
    })
    await engine.close()

    // Reopened from its stored index, and walked record by record (no sound trailer), the file says the same.
    const stored = await FileCapture.open(capturePath)
    cleanups.push(() => stored.close())
    const walkedPath = `${capturePath}.walked.tcap`
    copyFileSync(capturePath, walkedPath)
    appendFileSync(walkedPath, Buffer.alloc(64))
    const walked = await FileCapture.open(walkedPath)
    cleanups.push(() => walked.close())
    for (const file of [stored, walked]) {
      const listed = await file.listConnections()
      expect(listed.map((c) => c.notKept)).toEqual(conns.map((c) => c.notKept))
      for (const conn of listed) await expectHonestGaps(file, conn, payloads[conn.id - 1])
    }
  })

  it('finds kept bytes after a gap at their wire offsets, and nothing in or across a gap', async () => {
    const { engine } = await engineWith({ whenDiskIsSlow: 'drop', highWater: 64 * 1024, lowWater: 16 * 1024, batchBytes: 1 << 30, maxDelayMs: 600_000 })
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    let echoed = 0
    c.on('data', (d: Buffer) => (echoed += d.length))
    const echoedAll = async (n: number): Promise<void> => {
      while (echoed < n) await new Promise((r) => setTimeout(r, 5))
    }
    const before = randomPayload(2 * MiB)
    c.write(before)
    await echoedAll(before.length)
    // Reading asks the writer for what it holds: it writes it all, and catches up.
    await engine.capture.readBytes(1, 'client', 0, 1)
    const after = randomPayload(4096)
    c.end(after)
    await echoedAll(before.length + after.length)
    const [conn] = await closedConnections(engine, 1)
    const payload = Buffer.concat([before, after])
    await expectHonestGaps(engine.capture, conn, payload)
    const hex = (from: number, n: number): string => payload.subarray(from, from + n).toString('hex')
    for (const dir of ['client', 'server'] as const) {
      const events = (await allEvents(engine.capture, conn.id)).filter((e) => e.dir === dir)
      const gap = events.find((e) => e.kind === 'gap')!.info as { offset: number; bytes: number }
      // The last chunk came after the writer caught up: kept, at its place on the wire.
      const last = events.filter((e) => e.kind === 'data').pop()!
      expect(last.offset! + last.length!).toBe(payload.length)
      expect(last.offset!).toBeGreaterThanOrEqual(gap.offset + gap.bytes)
      const at = payload.length - 100
      expect(await engine.capture.search(conn.id, dir, { kind: 'hex', value: hex(at, 16) }, {})).toEqual({ found: true, offset: at, length: 16 })
      expect(await engine.capture.search(conn.id, dir, { kind: 'hex', value: hex(at, 16) }, { from: payload.length, backward: true })).toEqual({ found: true, offset: at, length: 16 })
      expect((await engine.capture.matches(conn.id, dir, { kind: 'hex', value: hex(at, 16) })).offsets).toEqual([at])
      // A pattern wholly inside the gap, and one across its start: neither is there to find.
      if (gap.bytes >= 16) expect(await engine.capture.search(conn.id, dir, { kind: 'hex', value: hex(gap.offset + Math.floor((gap.bytes - 16) / 2), 16) }, {})).toEqual({ found: false })
      if (gap.offset >= 8) expect(await engine.capture.search(conn.id, dir, { kind: 'hex', value: hex(gap.offset - 8, 9) }, {})).toEqual({ found: false })
    }
  })

  it('pause (the default): nothing is dropped, the traffic waits for the writer', async () => {
    const { engine, capturePath } = await engineWith({ highWater: 256 * 1024, lowWater: 64 * 1024, batchBytes: 64 * 1024 })
    // A capture that cannot hold a gap keeps the version before gaps: an older tcpscope opens it.
    expect(readFileSync(capturePath).readUInt16LE(8)).toBe(GAPLESS_FORMAT_VERSION)
    const payloads = [randomPayload(8 * MiB), randomPayload(4 * MiB + 7)]
    const conns = await echoThrough(engine, payloads)
    for (const conn of conns) {
      const payload = payloads[conn.id - 1]
      expect(conn.notKept).toBeUndefined()
      expect(conn.recorded).toBeUndefined()
      const events = await allEvents(engine.capture, conn.id)
      expect(events.some((e) => e.kind === 'gap')).toBe(false)
      for (const dir of ['client', 'server'] as const) {
        const got = await engine.capture.readBytes(conn.id, dir, 0, payload.length)
        expect(sha256(got)).toBe(sha256(payload))
      }
    }
  })
})
