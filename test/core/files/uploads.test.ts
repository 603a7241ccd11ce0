// Uploading a capture file into the engine (capture.upload.*): chunks in order into a folder
// the engine owns, opened at the end like any capture; refused early when it is too big, is
// not a capture, or comes out of order; its bytes gone when it is cancelled, left waiting,
// closed, or when the engine closes.
import { afterEach, describe, expect, it } from 'vitest'
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, statfsSync } from 'node:fs'
import { mountSmall } from '../../helpers/small-fs'
import { needProgram } from '../../helpers/peers'
import { join } from 'node:path'
import { LIVE_CAPTURE } from '../../../src/shared/capture-types'
import { uploadFileName } from '../../../src/core/files/uploads'
import { CaptureIndex } from '../../../src/core/capture/query/capture-index'
import { scanCapture } from '../../../src/core/capture/read/capture-scan'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { sampleClientPort, writeSampleCapture } from '../../helpers/sample-capture'
import type { UserError } from '../../../src/shared/errors'

let t: TestEngine | undefined
afterEach(async () => {
  await t?.dispose()
  t = undefined
})

async function engine(uploads: { maxBytes?: number; idleMs?: number } = {}) {
  // `t.dir` exists only once the engine does; the uploads folder goes in a folder of its own there.
  t = await testEngine({ uploads: { ...uploads, parentDir: undefined } })
  return t
}

/** The engine's uploads folder(s) under the test's temporary folder, and what they hold. */
function uploadsHeld(tmp: string): string[] {
  return readdirSync(tmp)
    .filter((n) => n.startsWith(`tcpscope-uploads-${process.pid}-`))
    .flatMap((d) => readdirSync(join(tmp, d), { recursive: true }).map((f) => join(d, String(f))))
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = (await p.then(
    () => {
      throw new Error('it succeeded')
    },
    (e: unknown) => e
  )) as UserError
  return { code: err.code, message: err.message }
}

async function upload(te: TestEngine, name: string, bytes: Buffer, chunk = 1000) {
  const e = te.engine
  const { upload: id } = await e['capture.upload.begin']({ name, size: bytes.length })
  const progress: number[] = []
  for (let at = 0; at < bytes.length; at += chunk) {
    const { received } = await e['capture.upload.chunk']({ upload: id, offset: at, data: bytes.subarray(at, at + chunk) })
    progress.push(received)
  }
  return { id, progress, info: await e['capture.upload.end']({ upload: id }) }
}

describe('uploading a capture', () => {
  it('stores the chunks in order and opens the result, named as uploaded; closing it removes the file', async () => {
    const te = await engine()
    const source = join(te.dir, 'source.tcap')
    await writeSampleCapture(source, { connections: 3, chunks: 4 })
    const bytes = readFileSync(source)

    const { progress, info } = await upload(te, 'C:\\Users\\me\\redis session.tcap', bytes)
    expect(progress.at(-1)).toBe(bytes.length)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(info).toMatchObject({ name: 'redis session.tcap', connections: 3, live: false, size: bytes.length })
    expect(readFileSync(info.path).equals(bytes)).toBe(true)
    const page = await te.engine['conn.page']({ capture: info.id, offset: 0, limit: 10 })
    expect(page.rows.map((r) => r.client)).toEqual([0, 1, 2].map((i) => expect.objectContaining({ port: sampleClientPort(i) })))

    await te.engine['capture.close']({ capture: info.id })
    expect(existsSync(info.path)).toBe(false)
    expect(uploadsHeld(process.env.TMPDIR!)).toEqual([])
  })

  it('refuses a file over the limit before taking a byte', async () => {
    const te = await engine({ maxBytes: 1024 })
    expect(await rejection(te.engine['capture.upload.begin']({ name: 'big.tcap', size: 5000 }))).toEqual({
      code: 'EFBIG',
      message: "big.tcap is 4.88 KiB; uploads here take at most 1.00 KiB (open a bigger file by its path on the engine's host)"
    })
    expect(uploadsHeld(process.env.TMPDIR!)).toEqual([])
  })

  it('refuses every upload when they are turned off', async () => {
    const te = await engine({ maxBytes: 0 })
    expect(await rejection(te.engine['capture.upload.begin']({ name: 'a.tcap', size: 10 }))).toEqual({ code: 'EFORBIDDEN', message: 'cannot take a.tcap: uploads are turned off here' })
  })

  it('refuses a file that is not a capture at its first chunk, naming it, and drops it', async () => {
    const te = await engine()
    const text = Buffer.from('just some notes, not a capture\n'.repeat(100))
    const { upload: id } = await te.engine['capture.upload.begin']({ name: 'notes.txt', size: text.length })
    expect(await rejection(te.engine['capture.upload.chunk']({ upload: id, offset: 0, data: text.subarray(0, 1000) }))).toEqual({
      code: 'ENOTCAPTURE',
      message: 'notes.txt is not a tcpscope capture file (no TCPSCAP header)'
    })
    expect(uploadsHeld(process.env.TMPDIR!)).toEqual([])
    expect((await rejection(te.engine['capture.upload.chunk']({ upload: id, offset: 1000, data: text.subarray(1000, 2000) }))).code).toBe('ESTATE')
  })

  it('a tiny non-capture is refused too, and one cut after its header fails to open under its own name', async () => {
    const te = await engine()
    expect((await rejection(upload(te, 'tiny.bin', Buffer.from('hi')))).message).toBe('tiny.bin is not a tcpscope capture file (no TCPSCAP header)')
    const source = join(te.dir, 'source.tcap')
    await writeSampleCapture(source)
    const header = readFileSync(source).subarray(0, 16)
    // A header and nothing else is a capture with no records: it opens, empty.
    const { info } = await upload(te, 'empty.tcap', header)
    expect(info).toMatchObject({ name: 'empty.tcap', connections: 0 })
  })

  it('checks the header however small the chunks that bring it: 1-byte chunks are refused at the 16th', async () => {
    const te = await engine()
    const text = Buffer.from('just some notes, not a capture\n')
    const { upload: id } = await te.engine['capture.upload.begin']({ name: 'notes.txt', size: text.length })
    for (let at = 0; at < 15; at++) await te.engine['capture.upload.chunk']({ upload: id, offset: at, data: text.subarray(at, at + 1) })
    expect(await rejection(te.engine['capture.upload.chunk']({ upload: id, offset: 15, data: text.subarray(15, 16) }))).toEqual({
      code: 'ENOTCAPTURE',
      message: 'notes.txt is not a tcpscope capture file (no TCPSCAP header)'
    })
    expect(uploadsHeld(process.env.TMPDIR!)).toEqual([])
  })

  it('counts the space the uploads under way will still need before taking another', async (ctx) => {
    const cleanups: Array<() => unknown> = []
    ctx.onTestFinished(async () => {
      await t?.dispose()
      t = undefined
      for (const c of cleanups.reverse()) c()
    })
    const at = mountSmall('tmpfs', mkdtempSync(join(process.env.TMPDIR!, 'small-')), cleanups, 3)
    needProgram(ctx, typeof at === 'string' ? 'a small tmpfs' : at.why, typeof at === 'string')
    t = await testEngine({ uploads: { parentDir: at as string } })
    const free = ((s) => s.bavail * s.bsize)(statfsSync(at as string))
    const size = Math.floor(free * 0.6)
    await t.engine['capture.upload.begin']({ name: 'a.tcap', size })
    const second = await rejection(t.engine['capture.upload.begin']({ name: 'b.tcap', size }))
    expect(second.code).toBe('ENOSPC')
    expect(second.message).toMatch(/^no room for b\.tcap \(.+\) in .+: .+ free$/)
    // The first one's space is free again once it is cancelled.
    await t.engine['capture.upload.cancel']({ upload: 'u1' })
    await t.engine['capture.upload.begin']({ name: 'b.tcap', size })
  })

  it('refuses chunks out of order and more bytes than announced', async () => {
    const te = await engine()
    const source = join(te.dir, 'source.tcap')
    await writeSampleCapture(source)
    const bytes = readFileSync(source)
    const { upload: id } = await te.engine['capture.upload.begin']({ name: 'a.tcap', size: bytes.length })
    await te.engine['capture.upload.chunk']({ upload: id, offset: 0, data: bytes.subarray(0, 100) })
    expect(await rejection(te.engine['capture.upload.chunk']({ upload: id, offset: 200, data: bytes.subarray(200, 300) }))).toEqual({
      code: 'EINVAL',
      message: 'a.tcap: a chunk at byte 200, but the upload has 100 bytes; send them in order'
    })
    expect(await rejection(te.engine['capture.upload.end']({ upload: id }))).toEqual({ code: 'EINVAL', message: `a.tcap: 100 of ${bytes.length} bytes came; send the rest, or cancel the upload` })
    expect(await rejection(te.engine['capture.upload.chunk']({ upload: id, offset: 100, data: Buffer.alloc(bytes.length) }))).toEqual({
      code: 'EINVAL',
      message: `a.tcap: more bytes than the ${bytes.length} announced; the upload was dropped`
    })
    expect(uploadsHeld(process.env.TMPDIR!)).toEqual([])
  })

  it('cancel drops the bytes taken so far; cancelling again is no error', async () => {
    const te = await engine()
    const source = join(te.dir, 'source.tcap')
    await writeSampleCapture(source)
    const bytes = readFileSync(source)
    const { upload: id } = await te.engine['capture.upload.begin']({ name: 'a.tcap', size: bytes.length })
    await te.engine['capture.upload.chunk']({ upload: id, offset: 0, data: bytes.subarray(0, 100) })
    expect(uploadsHeld(process.env.TMPDIR!)).toHaveLength(2) // its folder and the file
    await te.engine['capture.upload.cancel']({ upload: id })
    await te.engine['capture.upload.cancel']({ upload: id })
    expect(uploadsHeld(process.env.TMPDIR!)).toEqual([])
    expect((await te.engine['capture.list']()).map((c) => c.id)).toEqual([LIVE_CAPTURE])
  })

  it('drops an upload that waits too long for its next chunk', async () => {
    const te = await engine({ idleMs: 50 })
    const { upload: id } = await te.engine['capture.upload.begin']({ name: 'a.tcap', size: 100 })
    await waitFor(() => uploadsHeld(process.env.TMPDIR!).length === 0, 'the idle upload to go')
    expect((await rejection(te.engine['capture.upload.chunk']({ upload: id, offset: 0, data: Buffer.alloc(10) }))).message).toMatch(/^no upload "u1" under way/)
  })

  it('takes at most four unfinished uploads at once', async () => {
    const te = await engine()
    for (let i = 0; i < 4; i++) await te.engine['capture.upload.begin']({ name: `${i}.tcap`, size: 100 })
    expect(await rejection(te.engine['capture.upload.begin']({ name: '5.tcap', size: 100 }))).toEqual({ code: 'ESTATE', message: '4 uploads are already under way; finish or cancel one first' })
  })

  it('closing the engine removes every upload, finished or not, and the folder', async () => {
    const te = await engine()
    const source = join(te.dir, 'source.tcap')
    await writeSampleCapture(source)
    await upload(te, 'a.tcap', readFileSync(source))
    await te.engine['capture.upload.begin']({ name: 'b.tcap', size: 100 })
    expect(uploadsHeld(process.env.TMPDIR!).length).toBeGreaterThan(0)
    await te.engine.close()
    expect(readdirSync(process.env.TMPDIR!).filter((n) => n.startsWith(`tcpscope-uploads-${process.pid}-`))).toEqual([])
  })
})

describe('upload file names', () => {
  it.each([
    ['capture.tcap', 'capture.tcap'],
    ['/home/me/a.tcap', 'a.tcap'],
    ['C:\\Users\\me\\b.tcap', 'b.tcap'],
    ['../../etc/passwd', 'passwd'],
    ['..', 'upload.tcap'],
    ['dir/', 'upload.tcap'],
    ['bad\u0000\u001fname.tcap', 'badname.tcap'],
    [`${'x'.repeat(300)}.tcap`, `${'x'.repeat(195)}.tcap`]
  ])('%j is kept as %j', (given, kept) => {
    expect(uploadFileName(given)).toBe(kept)
  })
})

describe('cancelling an open', () => {
  it('stops rebuilding the index of a big file without one, and keeps nothing open', async () => {
    const te = await engine()
    const file = join(te.dir, 'cut.tcap')
    await writeSampleCapture(file, { connections: 50, chunks: 200, withoutIndex: true })
    const abort = new AbortController()
    abort.abort()
    expect(await rejection(te.engine['capture.open']({ path: file }, { signal: abort.signal }))).toEqual({ code: 'ECANCELED', message: `opening ${file} was cancelled` })
    expect((await te.engine['capture.list']()).map((c) => c.id)).toEqual([LIVE_CAPTURE])
    // Not cancelled, it opens.
    expect(await te.engine['capture.open']({ path: file })).toMatchObject({ connections: 50 })
  })
})

describe('rebuilding an index', () => {
  it('stops between windows once its signal is aborted, part way through', async () => {
    const te = await engine()
    const file = join(te.dir, 'cut.tcap')
    await writeSampleCapture(file, { connections: 2000, chunks: 100, withoutIndex: true })
    const fd = openSync(file, 'r')
    const index = new CaptureIndex()
    let windows = 0
    // Aborts as the third 1 MiB window is about to be read.
    const signal = { throwIfAborted: () => (++windows === 3 ? abort() : undefined) } as unknown as AbortSignal
    const abort = (): never => {
      throw new Error('stopped')
    }
    try {
      await expect(scanCapture(fd, fstatSync(fd).size, index, signal)).rejects.toThrow('stopped')
    } finally {
      closeSync(fd)
    }
    expect(index.size).toBeGreaterThan(0)
    expect(index.size).toBeLessThan(2000)
  })
})
