// Both capture writers (O_DIRECT and buffered writev) must put the same bytes on disk,
// serve live reads of data still being written, and leave an exact file on close.
import { TYPE, walkRecords } from '../../../helpers/capture-file'
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { closeSync, constants, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LiveCapture, type CaptureListener } from '../../../../src/core/capture/write/live-capture'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { tempDir } from '../../../helpers/net'

/** Buffer equality without vitest's element-by-element diffing (slow on megabytes). */
const same = (a: Buffer, b: Buffer): void => {
  expect(a.length).toBe(b.length)
  expect(a.equals(b)).toBe(true)
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const quietListener = (onPressure?: (p: boolean) => void): CaptureListener => ({
  detailed: false,
  data() {},
  event() {},
  pressure: (p) => onPressure?.(p),
  error() {}
})

async function newCapture(mode: 'auto' | 'buffered', opts: { highWater?: number; lowWater?: number } = {}): Promise<{ capture: LiveCapture; path: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const path = join(dir, 'w.tcap')
  return { capture: await LiveCapture.create(path, { writeMode: mode, ...opts }), path }
}

/**
 * The writer 'auto' must pick for a file in `dir`, found without the writer's own probe:
 * O_DIRECT on Linux where the file system takes it (the kernel refuses it at open() where
 * it does not), buffered writes elsewhere.
 */
function autoWriterKind(dir: string): 'direct' | 'buffered' {
  if (process.platform !== 'linux' || constants.O_DIRECT === undefined) return 'buffered'
  const probe = join(dir, 'o-direct-probe')
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT, 0o600))
    return 'direct'
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EINVAL') return 'buffered'
    throw err
  } finally {
    rmSync(probe, { force: true })
  }
}

// Sizes around the 4 KiB block and the 1 MiB staging buffer, where the direct writer splits.
const SIZES = [1, 39, 40, 41, 4055, 4056, 4095, 4096, 4097, 65536, 1048535, 1048576, 1048577, 3 * 1048576 + 7]

describe.each(['auto', 'buffered'] as const)('capture writer (%s)', (mode) => {
  it('writes every record exactly, serves live reads mid-write, and closes to an exact file', async () => {
    const { capture, path } = await newCapture(mode)
    capture.setListener(quietListener())
    expect(capture.writerKind).toBe(mode === 'auto' ? autoWriterKind(dirname(path)) : 'buffered')
    const conn = capture.openConnection({ kind: 'proxy', ownerId: 't', target: 'x:1' })
    const sent: Record<'client' | 'server', Buffer[]> = { client: [], server: [] }
    for (const [i, size] of SIZES.entries()) {
      const dir = i % 2 === 0 ? 'client' : 'server'
      const chunk = randomBytes(size)
      conn.data(dir, chunk)
      sent[dir].push(chunk)
      // A read of what was just appended forces a flush of the partial block, which the
      // next appends then extend and rewrite.
      const total = conn.bytes(dir)
      const tail = await capture.readBytes(conn.id, dir, total - Math.min(size, 100), 100)
      same(tail, chunk.subarray(chunk.length - Math.min(size, 100)))
    }
    conn.event('fin', 'client')
    conn.close('closed')
    const whole = { client: Buffer.concat(sent.client), server: Buffer.concat(sent.server) }
    same(await capture.readBytes(conn.id, 'client', 0, whole.client.length), whole.client)
    await capture.close()
    // Exactly the records, the stored index and its trailer: no zero padding left behind.
    expect(statSync(path).size).toBe(capture.info().size)
    const records = walkRecords(readFileSync(path))
    expect(records.slice(-2).map((r) => r.type)).toEqual([TYPE.Index, TYPE.Trailer])

    const file = await FileCapture.open(path)
    cleanups.push(() => file.close())
    expect(file.info().cutAt).toBeUndefined()
    const [summary] = await file.listConnections()
    expect(summary.end).toBe('closed')
    expect(summary.bytes).toEqual({ client: whole.client.length, server: whole.server.length })
    same(await file.readBytes(summary.id, 'client', 0, whole.client.length), whole.client)
    same(await file.readBytes(summary.id, 'server', 0, whole.server.length), whole.server)
    const events = await file.readEvents(summary.id)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
  })

  it('asks producers to pause above the high-water mark, resumes below low water, and loses nothing', async () => {
    const { capture, path } = await newCapture(mode, { highWater: 2 * 1048576, lowWater: 512 * 1024 })
    const pressure: boolean[] = []
    capture.setListener(quietListener((p) => pressure.push(p)))
    const conn = capture.openConnection({ kind: 'proxy', ownerId: 't', target: 'x:1' })
    const chunks = Array.from({ length: 64 }, () => randomBytes(65536 + 13))
    for (const c of chunks) conn.data('client', c)
    expect(pressure[0]).toBe(true)
    await capture.close()
    expect(pressure[pressure.length - 1]).toBe(false)
    const file = await FileCapture.open(path)
    cleanups.push(() => file.close())
    const all = Buffer.concat(chunks)
    same(await file.readBytes(1, 'client', 0, all.length), all)
  })
})
