// Content codings undone as a stream, for a window of the decoded body: each coding alone
// and stacked, deflate with and without its zlib wrapper, corrupt and truncated data kept up
// to the problem, and a large body decoded for a small window without being held. Bounded:
// bombs of each coding (built here with zlib) are cut at the limit, or sooner at an absurd
// ratio, having read only the start of their input, and the cut says what it knows.
import { describe, expect, it } from 'vitest'
import zlib from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { Readable, Writable } from 'node:stream'
import { bodyBounds, decodeContent, undoCodings, type BodyBounds } from '../../../../src/core/http/body/content-coding'
import { bodyCutNote } from '../../../../src/shared/body-cut'
import { BODY_RATIO_FLOOR } from '../../../../src/shared/limits'

/** The content in pieces of `size`, as the engine reads it from the capture. */
async function* pieces(data: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')
const ALL = { offset: 0, length: Number.MAX_SAFE_INTEGER }
const json = Buffer.from(JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}` })) }))

describe('decodeContent', () => {
  it.each([
    ['gzip', zlib.gzipSync],
    ['x-gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync]
  ])('undoes %s', async (coding, encode) => {
    const out = await decodeContent([coding], pieces(encode(json)), ALL)
    expect(out).toMatchObject({ total: json.length, end: true, decoded: [coding] })
    expect(Buffer.from(out.bytes).equals(json)).toBe(true)
  })

  it('undoes raw DEFLATE sent as deflate (no zlib wrapper), telling it from its first bytes', async () => {
    const out = await decodeContent(['deflate'], pieces(zlib.deflateRawSync(json), 7), ALL)
    expect(Buffer.from(out.bytes).equals(json)).toBe(true)
    expect(out.problem).toBeUndefined()
  })

  it('undoes stacked codings in reverse order, and passes identity through', async () => {
    const stacked = zlib.brotliCompressSync(zlib.gzipSync(json))
    const out = await decodeContent(['gzip', 'identity', 'br'], pieces(stacked), ALL)
    expect(out.decoded).toEqual(['gzip', 'br'])
    expect(Buffer.from(out.bytes).equals(json)).toBe(true)
    const plain = await decodeContent([], pieces(json), { offset: 10, length: 5 })
    expect(plain).toEqual({ bytes: new Uint8Array(json.subarray(10, 15)), end: false, decoded: [] })
  })

  it('keeps what decoded before a corrupt or truncated coding, and says where it stopped', async () => {
    const gz = zlib.gzipSync(Buffer.from('x'.repeat(1000) + 'y'.repeat(200_000).replace(/y/g, () => String.fromCharCode(97 + Math.floor(Math.random() * 26)))))
    const truncated = await decodeContent(['gzip'], pieces(gz.subarray(0, gz.length >> 1)), ALL)
    expect(truncated.end).toBe(false)
    expect(truncated.problem!.message).toMatch(/^gzip data ends early/)
    expect(truncated.problem!.offset).toBe(truncated.bytes.length)
    expect(truncated.bytes.length).toBeGreaterThan(1000)
    expect(text(truncated.bytes.subarray(0, 1000))).toBe('x'.repeat(1000))

    const corrupt = Buffer.from(gz)
    corrupt[gz.length >> 1] ^= 0xff
    const bad = await decodeContent(['gzip'], pieces(corrupt), ALL)
    expect(bad.problem!.message).toMatch(/^gzip data is corrupt near byte \d+/)
    expect(text(bad.bytes.subarray(0, 1000))).toBe('x'.repeat(1000))

    const notGzip = await decodeContent(['gzip'], pieces(json), ALL)
    expect(notGzip).toMatchObject({ bytes: new Uint8Array(0), end: false, problem: { offset: 0 } })
  })

  it('says a coding it cannot undo is not undone, and undoes those outside it', async () => {
    const out = await decodeContent(['compress', 'gzip'], pieces(zlib.gzipSync(json)), ALL)
    expect(out.decoded).toEqual(['gzip'])
    expect(out.problem).toEqual({ message: 'the compress content coding cannot be undone', offset: 0 })
    expect(Buffer.from(out.bytes).equals(json)).toBe(true)
    if (!('createZstdDecompress' in zlib)) {
      const zstd = await decodeContent(['zstd'], pieces(json), ALL)
      expect(zstd.problem!.message).toBe('the zstd content coding cannot be undone by this runtime (its zlib has no zstd)')
    }
  })

  it('decodes a window of a large body, stopping once it is filled, never holding the body', async () => {
    // 256 MiB of decoded output from 256 gzip members of 1 MiB each (gunzip reads them as one body).
    const member = zlib.gzipSync(Buffer.alloc(1024 * 1024, 0x61), { level: 9 })
    const size = 256 * 1024 * 1024
    const gz = Buffer.concat(Array.from({ length: 256 }, () => member))
    // The window is read from a body four times as long (1 GiB decoded): how far zlib reads
    // ahead of what it gave differs between Node versions, the body's length does not.
    const long = Buffer.concat([gz, gz, gz, gz])
    let read = 0
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const p of pieces(long, 4096)) {
        read += p.length
        yield p
      }
    }
    // No bounds here: this is about windows, not bombs.
    const unbounded = { bounds: { limit: 2 ** 40, ratioFloor: Infinity, ratioMax: Infinity } }
    const out = await decodeContent(['gzip'], counted(), { offset: 1024 * 1024, length: 100 }, undefined, unbounded)
    expect(out).toMatchObject({ end: false, decoded: ['gzip'] })
    expect(out.total).toBeUndefined()
    expect(text(out.bytes)).toBe('a'.repeat(100))
    expect(read).toBeLessThan(long.length / 8)

    const tail = await decodeContent(['gzip'], pieces(gz, 65536), { offset: size - 10, length: 100 }, undefined, unbounded)
    expect(tail).toMatchObject({ total: size, end: true })
    expect(tail.bytes.length).toBe(10)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(decodeContent(['gzip'], pieces(zlib.gzipSync(json)), ALL, controller.signal)).rejects.toThrow(/abort/i)
  })
})

const MiB = 1024 * 1024

/** `size` zero bytes through a compressing stream, a MiB at a time (never held whole). */
async function compressZeros(size: number, make: () => zlib.Gzip | zlib.Deflate | zlib.DeflateRaw | zlib.BrotliCompress): Promise<Buffer> {
  const out: Buffer[] = []
  const zero = Buffer.alloc(MiB)
  async function* zeros(): AsyncGenerator<Buffer> {
    for (let done = 0; done < size; done += MiB) yield zero.subarray(0, Math.min(MiB, size - done))
  }
  await pipeline(Readable.from(zeros()), make(), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }))
  return Buffer.concat(out)
}

const BOMBS = [
  ['gzip', () => zlib.createGzip({ level: 9 })],
  ['deflate', () => zlib.createDeflate({ level: 9 })],
  ['deflate', () => zlib.createDeflateRaw({ level: 9 })],
  ['br', () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })]
] as const

/** Decodes everything (within `bounds`), counting the input read and the output given. */
async function drain(codings: string[], data: Buffer, bounds: BodyBounds, sentSize?: number) {
  let read = 0
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const p of pieces(data, 64 * 1024)) {
      read += p.length
      yield p
    }
  }
  let taken = 0
  const r = await undoCodings(codings, counted(), (p) => void (taken += p.length), { bounds, ...(sentSize !== undefined ? { sentSize } : {}) })
  return { ...r, read, taken }
}

describe('bounded decoding', () => {
  // 64 MiB of zeros: a bomb at about 1000:1, small enough to build in a moment.
  const BOMB = 64 * MiB

  it.each(BOMBS)('cuts a %s bomb at the limit, reading only the start of it', async (coding, make) => {
    const bomb = await compressZeros(BOMB, make)
    const limit = 3 * MiB
    const r = await drain([coding], bomb, { limit, ratioFloor: Infinity, ratioMax: Infinity }, bomb.length)
    expect(r).toMatchObject({ end: false, stop: 'limit', given: limit, codings: [coding] })
    expect(r.taken).toBe(limit)
    expect(r.cut).toMatchObject({ reason: 'limit', kept: limit, limit, sentSize: bomb.length, codings: [coding] })
    expect(r.cut!.decoded).toBeGreaterThan(limit)
    // A few pieces of input read ahead at most, not the whole bomb (the 64 KiB pieces of a 64 KiB bomb aside).
    expect(r.read).toBeLessThan(Math.max(bomb.length / 2, 5 * 64 * 1024))
  })

  it.each(BOMBS)('stops a %s bomb early once it has expanded past the ratio', async (coding, make) => {
    const bomb = await compressZeros(BOMB, make)
    const r = await drain([coding], bomb, bodyBounds(), bomb.length)
    expect(r).toMatchObject({ end: false, stop: 'ratio' })
    expect(r.cut).toMatchObject({ reason: 'ratio', codings: [coding] })
    // Just past the floor: a chunk or two of zlib's output.
    expect(r.given).toBeGreaterThan(BODY_RATIO_FLOOR)
    expect(r.given).toBeLessThanOrEqual(BODY_RATIO_FLOOR + 2 * 64 * 1024)
    expect(r.cut!.decoded / r.cut!.consumed).toBeGreaterThan(100)
    expect(bodyCutNote(r.cut!)).toMatch(new RegExp(`^stopped decoding at 1\\.\\d+ MiB: it expands over \\d+:1 \\(${coding} \\d+(\\.\\d+)? (B|KiB)\\), past the 100:1 allowed; showing the first 1\\.\\d+ MiB$`))
  })

  it('cuts stacked codings, and tells a body of exactly the limit from one byte more', async () => {
    const inner = await compressZeros(BOMB, () => zlib.createGzip())
    const stacked = zlib.brotliCompressSync(inner)
    const r = await drain(['gzip', 'br'], stacked, { limit: MiB, ratioFloor: Infinity, ratioMax: Infinity })
    expect(r).toMatchObject({ stop: 'limit', given: MiB, codings: ['gzip', 'br'] })
    expect(r.cut!.codings).toEqual(['gzip', 'br'])

    const exact = zlib.gzipSync(Buffer.alloc(MiB, 0x61))
    const bounds = (limit: number): BodyBounds => ({ limit, ratioFloor: Infinity, ratioMax: Infinity })
    expect(await drain(['gzip'], exact, bounds(MiB))).toMatchObject({ end: true, given: MiB, taken: MiB })
    expect((await drain(['gzip'], exact, bounds(MiB))).cut).toBeUndefined()
    expect(await drain(['gzip'], exact, bounds(MiB - 1))).toMatchObject({ end: false, stop: 'limit', given: MiB - 1, cut: { kept: MiB - 1 } })
    // No coding: the limit counts the content as sent.
    const plain = await drain([], Buffer.alloc(MiB + 1, 0x61), bounds(MiB))
    expect(plain).toMatchObject({ stop: 'limit', given: MiB, cut: { reason: 'limit', codings: [] } })
    expect(await drain([], Buffer.alloc(MiB, 0x61), bounds(MiB))).toMatchObject({ end: true, given: MiB })
  })

  it('leaves ordinary bodies alone: text deflates far below the ratio', async () => {
    const lines = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `{"id":${i},"name":"item ${i}","tags":["a","b"]}\n`).join(''))
    const r = await drain(['gzip'], zlib.gzipSync(lines), bodyBounds())
    expect(r).toMatchObject({ end: true, given: lines.length })
    expect(r.cut).toBeUndefined()
  })

  it('gives a window past the cut as nothing, with the cut', async () => {
    const bomb = await compressZeros(8 * MiB, () => zlib.createGzip())
    const bounds = { limit: MiB, ratioFloor: Infinity, ratioMax: Infinity }
    const before = await decodeContent(['gzip'], pieces(bomb), { offset: MiB - 10, length: 100 }, undefined, { bounds })
    expect(before.bytes.length).toBe(10)
    expect(before).toMatchObject({ end: false, cut: { reason: 'limit', kept: MiB } })
    const past = await decodeContent(['gzip'], pieces(bomb), { offset: 2 * MiB, length: 100 }, undefined, { bounds })
    expect(past).toMatchObject({ bytes: new Uint8Array(0), end: false, cut: { kept: MiB } })
  })

  it('says a body sent with the wrong coding is not that coding, keeping nothing invented', async () => {
    const br = zlib.brotliCompressSync(json)
    const asGzip = await decodeContent(['gzip'], pieces(br), ALL)
    expect(asGzip).toMatchObject({ bytes: new Uint8Array(0), end: false, problem: { offset: 0 } })
    expect(asGzip.problem!.message).toMatch(/^gzip data is corrupt near byte \d+ of it/)
    const asDeflate = await decodeContent(['deflate'], pieces(zlib.gzipSync(json)), ALL)
    expect(asDeflate.problem!.message).toMatch(/^deflate data is corrupt/)
  })
})
