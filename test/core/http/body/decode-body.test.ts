// The body pipeline from body bytes to what a person reads: chunk framing, then content
// codings, then the charset, then the type; the pretty view only for small JSON and XML;
// broken codings kept up to where they break; and the 2 GiB gzip bomb a hostile server sent,
// cut short in well under a second with a sentence that says why.
import { describe, expect, it } from 'vitest'
import zlib from 'node:zlib'
import iconv from 'iconv-lite'
import { decodeBody, streamBody, contentCodings } from '../../../../src/core/http/body/decode-body'
import { DEFAULT_BODY_LIMIT, PRETTY_MAX } from '../../../../src/shared/limits'
import { gzipOfZeros } from '../../../helpers/gzip-bomb'

const MiB = 1024 * 1024
const h = (pairs: Record<string, string>): Array<{ name: string; value: string }> => Object.entries(pairs).map(([name, value]) => ({ name, value }))

/** `data` framed as chunks of `size`, with a trailer. */
function chunked(data: Buffer, size: number): Buffer {
  const parts: Buffer[] = []
  for (let i = 0; i < data.length; i += size) {
    const c = data.subarray(i, i + size)
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from('0\r\nX-Done: yes\r\n\r\n'))
  return Buffer.concat(parts)
}

const JSON_TEXT = JSON.stringify({ items: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `item ${i}` })) })

describe('decodeBody', () => {
  it('de-chunks, then undoes the coding, then reads JSON text that the pretty view takes', async () => {
    const framed = chunked(zlib.gzipSync(JSON_TEXT), 100)
    const headers = h({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Content-Encoding': 'gzip' })
    const r = await decodeBody(framed, headers, { framing: 'framed' })
    expect(r.text).toBe(JSON_TEXT)
    expect(r.facts).toMatchObject({ codings: ['gzip'], end: true, given: JSON_TEXT.length, pretty: true, type: { kind: 'json', media: 'application/json', charset: 'utf-8', encoding: 'utf8' } })
    expect(r.facts.cut).toBeUndefined()
    expect(r.note).toBeUndefined()
  })

  it('undoes stacked codings listed in one header or several', async () => {
    const body = zlib.brotliCompressSync(zlib.deflateSync(Buffer.from('<a><b>1</b></a>')))
    expect(contentCodings(h({ 'Content-Encoding': 'deflate, br' }))).toEqual(['deflate', 'br'])
    const r = await decodeBody(body, [...h({ 'Content-Encoding': 'deflate' }), ...h({ 'content-encoding': 'br', 'Content-Type': 'application/xml' })])
    expect(r).toMatchObject({ text: '<a><b>1</b></a>', facts: { codings: ['deflate', 'br'], pretty: true, type: { kind: 'xml' } } })
  })

  it('reads text in its charset (GBK) as before', async () => {
    const words = '你好，世界：抓包与重放'
    const r = await decodeBody(zlib.gzipSync(iconv.encode(words, 'gbk')), h({ 'Content-Type': 'text/plain; charset=GBK', 'Content-Encoding': 'gzip' }))
    expect(r.text).toBe(words)
    expect(r.facts.type).toEqual({ kind: 'text', media: 'text/plain', charset: 'gbk', encoding: 'gbk' })
    expect(r.facts.pretty).toBe(false)
  })

  it('tells text from binary by the first bytes when there is no Content-Type', async () => {
    expect((await decodeBody(Buffer.from('plain words\n'), [])).facts.type.kind).toBe('text')
    const bin = await decodeBody(Buffer.from([0, 1, 2, 255]), [])
    expect(bin.facts.type.kind).toBe('binary')
    expect(bin.text).toBeUndefined()
  })

  it('offers the pretty view up to PRETTY_MAX, not past it', async () => {
    const big = Buffer.from(`"${'x'.repeat(PRETTY_MAX - 2)}"`)
    expect((await decodeBody(big, h({ 'Content-Type': 'application/json' }))).facts.pretty).toBe(true)
    const bigger = Buffer.from(`"${'x'.repeat(PRETTY_MAX - 1)}"`)
    expect((await decodeBody(bigger, h({ 'Content-Type': 'application/json' }))).facts.pretty).toBe(false)
  })

  it('keeps what a truncated gzip gave, says where it broke, and offers no pretty view', async () => {
    const gz = zlib.gzipSync(JSON_TEXT)
    const r = await decodeBody(gz.subarray(0, gz.length - 20), h({ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }))
    expect(r.facts.problem?.message).toMatch(/^gzip data ends early/)
    expect(r.facts.pretty).toBe(false)
    expect(JSON_TEXT.startsWith(r.text!)).toBe(true)
    expect(r.content.length).toBe(r.facts.problem!.offset)
  })

  it('streams to a taker that waits, and stops when it has enough', async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield zlib.gzipSync(Buffer.alloc(4 * MiB, 0x61))
    }
    let taken = 0
    const facts = await streamBody(source(), h({ 'Content-Encoding': 'gzip' }), async (p) => {
      await new Promise((r) => setImmediate(r))
      taken += p.length
      return taken < MiB
    })
    expect(facts).toMatchObject({ end: false, codings: ['gzip'] })
    expect(facts.cut).toBeUndefined()
    expect(taken).toBeGreaterThanOrEqual(MiB)
    expect(taken).toBeLessThan(2 * MiB)
  })

  it('cuts the 2 GiB gzip bomb short: at the ratio by default, at the limit when the ratio is not checked', async () => {
    const bomb = gzipOfZeros(2 * 1024 * MiB)
    expect(bomb.length).toBeLessThan(2.1 * MiB)
    const headers = h({ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })

    const r = await decodeBody(bomb, headers)
    expect(r.facts).toMatchObject({ end: false, pretty: false, cut: { reason: 'ratio', sentSize: bomb.length, codings: ['gzip'] } })
    expect(r.content.length).toBe(r.facts.given)
    expect(r.content.length).toBeLessThan(2 * MiB)
    expect(r.note).toMatch(/^stopped decoding at 1\.\d+ MiB: it expands over \d{3,4}:1 \(gzip 2\.03 MiB\), past the 100:1 allowed; showing the first 1\.\d+ MiB$/)

    const limited = await decodeBody(bomb, headers, { bounds: { limit: DEFAULT_BODY_LIMIT, ratioFloor: Infinity, ratioMax: Infinity } })
    expect(limited.content.length).toBe(DEFAULT_BODY_LIMIT)
    expect(limited.facts.cut).toMatchObject({ reason: 'limit', kept: DEFAULT_BODY_LIMIT })
    expect(limited.note).toBe('decoded 64 MiB of more than 64 MiB (gzip 2.03 MiB, ratio over 1000:1); showing the first 64 MiB')
  })
})
