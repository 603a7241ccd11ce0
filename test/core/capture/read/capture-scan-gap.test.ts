// A capture with gaps survives the crash-safety scan: a file cut anywhere in or around a gap
// record reads back every complete record before the cut, a gap counts only once its record
// is whole, and the offsets of the data after a gap stay those of the wire.
import { afterEach, describe, expect, it } from 'vitest'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../../src/core/engine'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { FORMAT_VERSION, RECORD_HEADER_SIZE, RecordType } from '../../../../src/core/capture/format/capture-format'
import { scanCapture } from '../../../../src/core/capture/read/capture-scan'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir } from '../../../helpers/net'
import { portOf } from '../../../helpers/engine'
import { allEvents, closedConnections } from '../../../helpers/capture-checks'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A closed capture of one echoed connection whose writer held everything past a small bound. */
async function captureWithGaps(): Promise<{ path: string; payload: Buffer; dir: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const path = join(dir, 'gaps.tcap')
  const engine = await Engine.create({ capturePath: path, liveDecoding: false, writeMode: 'buffered', whenDiskIsSlow: 'drop', highWater: 64 * 1024, lowWater: 16 * 1024, batchBytes: 1 << 30, maxDelayMs: 600_000 })
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const payload = randomPayload(2 * 1024 * 1024)
  const c = await connectTo(portOf(proxy.listen))
  const got = collect(c)
  c.end(payload)
  expect(sha256(await got)).toBe(sha256(payload))
  await closedConnections(engine, 1)
  await engine.close()
  return { path, payload, dir }
}

/** Each record of the file: its type, where it starts and ends. */
async function recordsOf(path: string): Promise<Array<{ type: number; at: number; end: number }>> {
  const fd = openSync(path, 'r')
  try {
    const out: Array<{ type: number; at: number; end: number }> = []
    await scanCapture(fd, readFileSync(path).length, { add: (type, _dir, _conn, at, length) => out.push({ type, at, end: at + RECORD_HEADER_SIZE + length }) })
    return out
  } finally {
    closeSync(fd)
  }
}

describe('capture scan: gaps', () => {
  it('reads a file cut in or around a gap record up to its last whole record, counting only whole gaps', async () => {
    const { path, payload, dir } = await captureWithGaps()
    const whole = readFileSync(path)
    expect(whole.readUInt16LE(8)).toBe(FORMAT_VERSION)
    const records = await recordsOf(path)
    const gap = records.find((r) => r.type === RecordType.Gap)!
    expect(gap).toBeDefined()
    const gapsBefore = records.filter((r) => r.type === RecordType.Gap && r.end <= gap.at).length
    for (const cut of [gap.at + 1, gap.at + RECORD_HEADER_SIZE - 1, gap.at + RECORD_HEADER_SIZE + 3, gap.end - 1, gap.end]) {
      const cutPath = join(dir, `cut-${cut}.tcap`)
      writeFileSync(cutPath, whole.subarray(0, cut))
      const file = await FileCapture.open(cutPath)
      cleanups.push(() => file.close())
      if (cut < gap.end) expect(file.info()).toMatchObject({ cutAt: gap.at, cutKind: 'incomplete' })
      const [conn] = await file.listConnections()
      expect(conn.end).toBe('cut')
      const events = await allEvents(file, conn.id)
      const gaps = events.filter((e) => e.kind === 'gap')
      expect(gaps.length).toBe(gapsBefore + (cut === gap.end ? 1 : 0))
      // Every kept byte before the cut is at its wire offset, whatever gaps came before it.
      for (const e of events) {
        if (e.kind !== 'data') continue
        const bytes = await file.readBytes(conn.id, e.dir!, e.offset!, e.length!)
        expect(bytes.equals(payload.subarray(e.offset!, e.offset! + e.length!))).toBe(true)
      }
      const notKept = gaps.reduce((n, e) => n + (e.info as { bytes: number }).bytes, 0)
      expect((conn.notKept?.client ?? 0) + (conn.notKept?.server ?? 0)).toBe(notKept)
    }
  })
})
