// A replayed response compared with the recorded one, on responses read by the replay's own
// reader (the project's HTTP/1 decoder): content codings undone before the body is compared,
// a coding that cannot be undone said, bodies past the bound compared as bytes, and a gzip
// stream that differs only in its bytes not counted.
import { createHash } from 'node:crypto'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { comparisonContent } from '../../../src/core/replay/comparison-content'
import { ResponseReader } from '../../../src/core/replay/http-replay-response'
import { comparedResponse, compareResponses, readableContent, type ComparedResponse } from '../../../src/core/replay/response-comparison'
import { HTTP_REPLAY_PREVIEW } from '../../../src/shared/replay-types'
import { MAX_COMPARED_BODY } from '../../../src/shared/response-comparison-types'

/** A response as replay reads it off the wire, with `keep` bytes of its content kept. */
async function response(headers: Record<string, string>, body: Buffer, keep = MAX_COMPARED_BODY, chunked = false): Promise<ComparedResponse> {
  const reader = new ResponseReader(keep)
  reader.sent(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  const head = Object.entries({ ...headers, ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(body.length) }) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const framed = chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body
  reader.received(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\n${head}\r\n`), framed]))
  const kept = reader.content()
  return comparedResponse(reader.response!, await comparisonContent(reader.response!, kept.bytes, kept.whole), reader.bodyHash())
}

const json = (stamp: number): Buffer => Buffer.from(JSON.stringify({ stamp, items: [1, 2, 3] }))

describe('compareResponses', () => {
  it('compares gzip, deflate and br bodies on their decoded JSON', async () => {
    for (const [coding, encode] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync]
    ] as const) {
      const type = { 'Content-Type': 'application/json', 'Content-Encoding': coding }
      const recorded = await response(type, encode(json(4100001)))
      const replayed = await response(type, encode(json(4100002)), MAX_COMPARED_BODY, true)
      const { differences, comparison } = compareResponses(recorded, replayed, { kept: MAX_COMPARED_BODY })
      expect(differences).toEqual(['body $.stamp: 4100001 → 4100002'])
      expect(comparison.body).toMatchObject({ kind: 'json', differs: true, changeCount: 1 })
      expect(readableContent(replayed)).toMatchObject({ form: 'json', codings: [coding], size: json(4100002).length })
      expect(Buffer.from(readableContent(replayed).bytes!).toString()).toBe(json(4100002).toString())
    }
  })

  it('does not count the same content in another gzip stream, and says so', async () => {
    const type = { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }
    const recorded = await response(type, gzipSync(json(1), { level: 1 }))
    const replayed = await response(type, gzipSync(Buffer.from(json(1).toString() + ' '), { level: 9 }))
    const { differences, comparison } = compareResponses(recorded, replayed, { kept: MAX_COMPARED_BODY })
    expect(differences).toEqual([])
    expect(comparison.body).toMatchObject({ kind: 'json', differs: false, note: 'the same JSON values, written differently' })
  })

  it('names status and header differences, not counting Date and the ignored names', async () => {
    const recorded = await response({ Date: 'Mon, 01 Jan 2024 00:00:00 GMT', 'X-Run': '1', Server: 'a' }, Buffer.from('ok'))
    const replayed = await response({ Date: 'Mon, 01 Jan 2024 00:00:05 GMT', 'X-Run': '2', Server: 'b' }, Buffer.from('ok'))
    const { differences, comparison } = compareResponses(recorded, replayed, { ignoreHeaders: ['x-run'], kept: MAX_COMPARED_BODY })
    expect(differences).toEqual(['header Server: "a" → "b"'])
    expect(comparison.headers.rows.filter((r) => r.ignored !== undefined).map((r) => [r.name, r.ignored])).toEqual([
      ['Date', 'volatile'],
      ['X-Run', 'rule'],
      ['Content-Length', 'framing']
    ])
  })

  it('names a text body by its size, or by its first changed line', async () => {
    const t = { 'Content-Type': 'text/plain' }
    expect(compareResponses(await response(t, Buffer.from('ok')), await response(t, Buffer.from('gone')), { kept: MAX_COMPARED_BODY }).differences).toEqual(['body 4 bytes (recorded 2)'])
    const lines = compareResponses(await response(t, Buffer.from('a\nb\nc\n')), await response(t, Buffer.from('a\nB\nc\n')), { kept: MAX_COMPARED_BODY })
    expect(lines.differences).toEqual(['body line 2 differs'])
  })

  it('shows a body whose coding cannot be undone as sent, and says why', async () => {
    const type = { 'Content-Encoding': 'gzip' }
    const corrupt = Buffer.from('definitely not gzip')
    const r = await response(type, corrupt)
    expect(readableContent(r)).toMatchObject({ form: 'text', codings: [] })
    expect(readableContent(r).problem).toMatch(/^gzip data is corrupt near byte/)
    expect(Buffer.from(r.content.bytes).toString()).toBe('definitely not gzip')
  })

  it('compares bodies past the bound as bytes, and says so', async () => {
    const big = Buffer.alloc(MAX_COMPARED_BODY + 1, 0x61)
    const other = Buffer.from(big)
    other[10] = 0x62
    const { differences, comparison } = compareResponses(await response({}, big), await response({}, other), { kept: MAX_COMPARED_BODY })
    expect(comparison.body).toMatchObject({ kind: 'bytes', differs: true })
    expect(differences).toEqual(['body bytes (a body over 4.00 MiB is compared as bytes, not by content)'])
    // A gzip body that inflates past the bound: its decoded start is kept, not all of it, and why is said.
    const random = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24))
    const large = await response({ 'Content-Encoding': 'gzip' }, gzipSync(random(MAX_COMPARED_BODY + 1)))
    expect(large.content).toMatchObject({ whole: false, codings: ['gzip'] })
    expect(large.content.bytes.length).toBe(MAX_COMPARED_BODY)
    expect(large.content.note).toMatch(/more than 4 MiB/)
    expect(readableContent(large).bytes!.length).toBe(HTTP_REPLAY_PREVIEW)
    // A bomb is stopped by its ratio long before the bound.
    const bomb = await response({ 'Content-Encoding': 'gzip' }, gzipSync(Buffer.alloc(MAX_COMPARED_BODY * 4)))
    expect(bomb.content).toMatchObject({ whole: false, codings: ['gzip'] })
    expect(bomb.content.bytes.length).toBeLessThan(MAX_COMPARED_BODY)
    expect(bomb.content.note).toMatch(/^stopped decoding at 1\.\d+ MiB/)
  })

  it('is the same for the same bytes, whatever the bound', async () => {
    const body = Buffer.alloc(HTTP_REPLAY_PREVIEW * 2, 0x61)
    const a = await response({}, body, HTTP_REPLAY_PREVIEW)
    expect(a.content.whole).toBe(false)
    expect(a.hash).not.toBe(createHash('sha256').digest('hex'))
    const { differences, comparison } = compareResponses(a, await response({}, body, HTTP_REPLAY_PREVIEW), { kept: HTTP_REPLAY_PREVIEW })
    expect(differences).toEqual([])
    expect(comparison.body).toMatchObject({ kind: 'same', differs: false })
  })
})
