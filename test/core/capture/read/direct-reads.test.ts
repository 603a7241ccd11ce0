// Windows of a capture file read with O_DIRECT (direct-reads.ts): any range, aligned or not,
// gives exactly the file's bytes, less only where the file ends; once refused, the capture
// reader reads the same window through the page cache.
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { open, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { DirectReads } from '../../../../src/core/capture/read/direct-reads'
import { CaptureReader, readStats } from '../../../../src/core/capture/read/capture-reader'
import { CaptureIndex } from '../../../../src/core/capture/query/capture-index'
import { openSync, constants } from 'node:fs'
import { tmpdir } from 'node:os'
import { directReadsIn } from '../../../helpers/direct-io'
import { tempDir } from '../../../helpers/net'
import { needProgram } from '../../../helpers/peers'

const MiB = 1024 * 1024
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function fileOf(bytes: Buffer, dir?: string): Promise<FileHandle> {
  let where = dir
  if (where === undefined) {
    const t = tempDir()
    cleanups.push(t.cleanup)
    where = t.dir
  }
  const path = join(where, `tcpscope-test-${process.pid}-${randomBytes(4).toString('hex')}.bin`)
  await writeFile(path, bytes)
  cleanups.push(() => rm(path, { force: true }))
  const fh = await open(path, 'r')
  cleanups.push(() => fh.close())
  return fh
}

describe('reads with O_DIRECT', () => {
  it('give exactly the bytes of any range, aligned or not, cut only at the end of the file', async (ctx) => {
    needProgram(ctx, 'O_DIRECT reads in the temp folder (Linux, a file system that takes them)', await directReadsIn(tmpdir()))
    const bytes = randomBytes(3 * MiB + 777)
    const fh = await fileOf(bytes)
    const before = readStats.direct
    const direct = await DirectReads.open(fh.fd)
    expect(direct, 'O_DIRECT refused in the test folder').toBeDefined()
    cleanups.push(() => direct!.close())
    const size = bytes.length
    const ranges: [number, number][] = [
      [0, MiB],
      [1, MiB + 1],
      [4095, 4097],
      [4096, 8192],
      [12_345, size],
      [size - 10, size],
      [MiB + 3, 3 * MiB - 5]
    ]
    for (const [start, end] of ranges) {
      const got = await direct!.read(start, end)
      expect(got, `[${start}, ${end})`).toBeDefined()
      expect(got!.length, `[${start}, ${end})`).toBe(end - start)
      expect(got!.equals(bytes.subarray(start, end)), `[${start}, ${end})`).toBe(true)
    }
    // Past the end: not had whole, so the caller's read through the page cache says what that means.
    expect(await direct!.read(size - 100, size + 5000)).toBeUndefined()
    expect(await direct!.read(size + 10, size + 20)).toBeUndefined()
    // Every byte read is counted, a few blocks more than asked for at most (rounded out to 4 KiB).
    const asked = ranges.reduce((n, [s, e]) => n + e - s, 0) + 100
    expect(readStats.direct - before).toBeGreaterThanOrEqual(asked)
    expect(readStats.direct - before).toBeLessThanOrEqual(asked + (ranges.length + 2) * 2 * 4096)
  })

  it('read a file whose size is whole blocks to its very end, and past it leave the read to the page cache', async (ctx) => {
    needProgram(ctx, 'O_DIRECT reads in the temp folder (Linux, a file system that takes them)', await directReadsIn(tmpdir()))
    const bytes = randomBytes(2 * MiB)
    const fh = await fileOf(bytes)
    const direct = await DirectReads.open(fh.fd)
    cleanups.push(() => direct?.close())
    expect((await direct!.read(0, 2 * MiB))!.equals(bytes)).toBe(true)
    expect((await direct!.read(4096, 2 * MiB))!.equals(bytes.subarray(4096))).toBe(true)
    expect((await direct!.read(2 * MiB - 4096, 2 * MiB))!.equals(bytes.subarray(2 * MiB - 4096))).toBe(true)
    // The first read stops at the end, a whole number of blocks in: the next finds nothing.
    expect(await direct!.read(2 * MiB - 4096, 2 * MiB + 100)).toBeUndefined()
    expect(await direct!.read(MiB + 7, 2 * MiB + 4096)).toBeUndefined()
  })

  it('once a read fails (not for alignment), are tried no more, and the capture reader reads through the page cache', async (ctx) => {
    needProgram(ctx, 'O_DIRECT reads in the temp folder (Linux, a file system that takes them)', await directReadsIn(tmpdir()))
    const bytes = randomBytes(MiB + 3)
    const fh = await fileOf(bytes)
    // A descriptor opened for writing only: every read of it fails (EBADF), as a failing disk's or file system's would.
    const writeOnly = openSync(`/proc/self/fd/${fh.fd}`, constants.O_WRONLY | constants.O_DIRECT)
    const direct = new (DirectReads as unknown as new (fd: number) => DirectReads)(writeOnly)
    cleanups.push(() => direct.close())
    const before = readStats.direct
    expect(await direct.read(0, MiB)).toBeUndefined()
    const reader = new CaptureReader(fh.fd, new CaptureIndex(), () => Promise.resolve(), direct)
    expect((await reader.readWindow(1, MiB + 3)).equals(bytes.subarray(1))).toBe(true)
    expect(readStats.direct).toBe(before)
  })

  it('read nothing more once closed while a read is on its way (the descriptor\'s number may be another file\'s by then)', async (ctx) => {
    needProgram(ctx, 'O_DIRECT reads in the temp folder (Linux, a file system that takes them)', await directReadsIn(tmpdir()))
    const fh = await fileOf(randomBytes(2 * MiB))
    const direct = await DirectReads.open(fh.fd)
    const pending = direct!.read(5, 2 * MiB)
    direct!.close()
    expect(await pending).toBeUndefined()
  })

  it('serve a capture reader\'s big windows, and once refused it reads them through the page cache', async (ctx) => {
    needProgram(ctx, 'O_DIRECT reads in the temp folder (Linux, a file system that takes them)', await directReadsIn(tmpdir()))
    const bytes = randomBytes(2 * MiB + 5)
    const fh = await fileOf(bytes)
    const direct = await DirectReads.open(fh.fd)
    expect(direct).toBeDefined()
    const reader = new CaptureReader(fh.fd, new CaptureIndex(), () => Promise.resolve(), direct)
    let before = readStats.direct
    expect((await reader.readWindow(7, 2 * MiB)).equals(bytes.subarray(7, 2 * MiB))).toBe(true)
    expect(readStats.direct - before).toBeGreaterThanOrEqual(2 * MiB - 7)
    // A small window is not worth aligning: through the page cache.
    before = readStats.direct
    expect((await reader.readWindow(100, 200)).equals(bytes.subarray(100, 200))).toBe(true)
    expect(readStats.direct).toBe(before)
    // Past the file's end: not had whole with O_DIRECT, and the page cache's read says why.
    await expect(reader.readWindow(MiB, 2 * MiB + 100)).rejects.toThrow(/the file ends inside a record/)
    before = readStats.direct
    direct!.close()
    direct!.close()
    expect(await direct!.read(0, 4096)).toBeUndefined()
    expect((await reader.readWindow(3, 2 * MiB + 5)).equals(bytes.subarray(3))).toBe(true)
    expect(readStats.direct).toBe(before)
    await expect(reader.readWindow(MiB, 2 * MiB + 100)).rejects.toThrow(/the file ends inside a record/)
  })
})
