// A writer's pace (WriterPace): how long it had a write in flight, and how long it held the
// traffic back. It is what tells "the disk set the pace" from "the writer left the disk
// idle" in the proxy's summary and the bench, so it must count exactly those spans.
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { openWriter } from '../../../../src/core/capture/write/open-writer'
import type { RecordWriter } from '../../../../src/core/capture/write/record-writer'
import { tempDir } from '../../../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const MiB = 1024 * 1024

function writer(mode: 'auto' | 'buffered', pressure: boolean[]): { w: RecordWriter; path: string } {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const path = join(dir, 'pace.tcap')
  const w = openWriter(path, { onPressure: (p) => pressure.push(p), onError: () => undefined }, { writeMode: mode, highWater: 2 * MiB, lowWater: MiB })
  cleanups.push(() => w.close())
  return { w, path }
}

describe.each(['auto', 'buffered'] as const)('writer pace (%s)', (mode) => {
  it('counts no time held back when the writer never passed its bound, and the time a write was in flight', async () => {
    const pressure: boolean[] = []
    const { w } = writer(mode, pressure)
    const before = w.pace()
    expect(before.busyMs).toBe(0)
    w.append(randomBytes(64 * 1024), 0, 64 * 1024)
    await w.waitWritten(w.end)
    const p = w.pace()
    expect(pressure).toEqual([])
    expect(p.behindMs).toBe(0)
    expect(p.busyMs).toBeGreaterThan(0)
    expect(p.busyMs).toBeLessThanOrEqual(p.elapsedMs)
    expect(p.written).toBe(w.end)
  })

  it('counts the span from passing its bound to falling below it as held back, inside the run', async () => {
    const pressure: boolean[] = []
    const { w, path } = writer(mode, pressure)
    const chunk = randomBytes(MiB)
    // Appends are synchronous and writes land later: 4 MiB appended at once is over the 2 MiB bound.
    for (let i = 0; i < 4; i++) w.append(chunk, 0, chunk.length)
    expect(pressure).toEqual([true])
    const held = w.pace()
    expect(held.behindMs).toBeGreaterThanOrEqual(0)
    await w.waitWritten(w.end)
    expect(pressure).toEqual([true, false])
    const p = w.pace()
    expect(p.behindMs).toBeGreaterThan(held.behindMs)
    expect(p.behindMs).toBeLessThanOrEqual(p.elapsedMs)
    expect(p.busyMs).toBeGreaterThan(0)
    expect(p.busyMs).toBeLessThanOrEqual(p.elapsedMs)
    // Held back no longer: the figure stays put while nothing is pending.
    await new Promise((r) => setTimeout(r, 20))
    expect(w.pace().behindMs).toBe(p.behindMs)
    expect(p.written).toBe(w.end)
    await w.close()
    expect(statSync(path).size).toBe(w.pace().written)
  })
})
