// The chunked transfer coding undone as a stream: the chunks' data whatever the pieces it
// arrives in, extensions and trailers dropped, a source that starts after a chunk's data,
// and framing that stops making sense ending the content rather than throwing.
import { describe, expect, it } from 'vitest'
import { dechunk, isChunked } from '../../../../src/core/http/body/dechunk'

async function* split(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}

async function all(gen: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Uint8Array[] = []
  for await (const p of gen) out.push(p)
  return Buffer.concat(out).toString('latin1')
}

const FRAMED = Buffer.from('5\r\nhello\r\n7;ext=1\r\n, world\r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\n\r\n')

describe('dechunk', () => {
  it('gives the chunks\' data, whatever pieces the framing arrives in', async () => {
    for (const size of [1, 2, 3, 7, 1000]) expect(await all(dechunk(split(FRAMED, size)))).toBe('hello, world0123456789')
  })

  it('starts after a chunk\'s data when told', async () => {
    expect(await all(dechunk(split(Buffer.from('\r\n3\r\nabc\r\n0\r\n\r\n'), 2), { afterData: true }))).toBe('abc')
  })

  it('ends the content at a line that is not a chunk size, or one too long to be', async () => {
    expect(await all(dechunk(split(Buffer.from('3\r\nabc\r\nzz\r\nnever'), 4)))).toBe('abc')
    expect(await all(dechunk(split(Buffer.from('3\r\nabc\r\n' + '1'.repeat(5000)), 100)))).toBe('abc')
  })

  it('tells a chunked body from its headers', () => {
    expect(isChunked([{ name: 'Transfer-Encoding', value: 'gzip, chunked' }])).toBe(true)
    expect(isChunked([{ name: 'transfer-encoding', value: 'chunked, gzip' }])).toBe(false)
    expect(isChunked([{ name: 'Content-Length', value: '3' }])).toBe(false)
  })
})
