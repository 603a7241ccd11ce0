// Content codings undone as a stream, for a window of the decoded body: each coding alone
// and stacked, deflate with and without its zlib wrapper, corrupt and truncated data kept up
// to the problem, and a large body decoded for a small window without being held.
import { describe, expect, it } from 'vitest'
import zlib from 'node:zlib'
import { decodeContent } from '../../../src/core/http/content-coding'

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
    let read = 0
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const p of pieces(gz, 4096)) {
        read += p.length
        yield p
      }
    }
    const out = await decodeContent(['gzip'], counted(), { offset: 1024 * 1024, length: 100 })
    expect(out).toMatchObject({ end: false, decoded: ['gzip'] })
    expect(out.total).toBeUndefined()
    expect(text(out.bytes)).toBe('a'.repeat(100))
    expect(read).toBeLessThan(gz.length / 4)

    const tail = await decodeContent(['gzip'], pieces(gz, 65536), { offset: size - 10, length: 100 })
    expect(tail).toMatchObject({ total: size, end: true })
    expect(tail.bytes.length).toBe(10)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(decodeContent(['gzip'], pieces(zlib.gzipSync(json)), ALL, controller.signal)).rejects.toThrow(/abort/i)
  })
})
