// The chunked coding's framing as the HTTP/1 decoder reads it (chunked-coding.ts), and the
// first-line check of a head (head-boundary.ts): each problem at its byte, with its words,
// and the same answer whether the bytes come whole or one at a time.
import { describe, expect, it } from 'vitest'
import { chunkDataEnd, chunkSizeLine } from '../../../../src/core/protocols/http1/chunked-coding'
import { MAX_HEAD_BYTES } from '../../../../src/core/protocols/http1/message-reader'
import { bytes, decode, type Piece } from '../feed'

const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'

/** The server's problems and the response's body for `body` after a chunked head, sent whole and (unless told not to) byte by byte. */
function answers(body: string, bytewise = true): Array<{ problems: unknown; body: unknown }> {
  const whole: Piece[] = [{ dir: 'client', bytes: 'GET / HTTP/1.1\r\n\r\n' }, { dir: 'server', bytes: HEAD + body }]
  const split: Piece[] = [whole[0], ...[...(HEAD + body)].map((c): Piece => ({ dir: 'server', bytes: c }))]
  return (bytewise ? [whole, split] : [whole]).map((pieces) => {
    const d = decode(pieces)
    const r = d.exchanges[0]?.response
    return { problems: d.problems, body: r && { size: r.body.size, complete: r.body.complete, chunks: r.body.chunks?.map((c) => [c.offset, c.length]) } }
  })
}

describe('chunked coding', () => {
  it('reads chunk-size lines with extensions, and bare LF line ends', () => {
    const [whole, bytewise] = answers('3;a=b\nabc\n2 \r\nde\r\n0\n\n')
    expect(whole).toEqual({ problems: [], body: { size: 5, complete: true, chunks: [[HEAD.length + 6, 3], [HEAD.length + 14, 2]] } })
    expect(bytewise).toEqual(whole)
  })

  it('stops at a chunk-size line that is not one, saying so where it starts', () => {
    const at = HEAD.length + 'a\r\n0123456789\r\n'.length
    for (const a of answers('a\r\n0123456789\r\nzz\r\n')) {
      expect(a.problems).toEqual([{ dir: 'server', offset: at, message: 'bad chunk-size line "zz"' }])
      expect(a.body).toMatchObject({ size: 10, complete: false })
    }
  })

  it('stops where chunk data is not followed by its line end', () => {
    for (const a of answers('2\r\nabX\r\n')) expect(a.problems).toEqual([{ dir: 'server', offset: HEAD.length + 5, message: 'chunk data not followed by CRLF' }])
  })

  it('refuses a chunk-size line longer than a head may be, without waiting for its end', () => {
    const [whole] = answers('1' + ';'.repeat(MAX_HEAD_BYTES + 1), false)
    expect(whole.problems).toEqual([{ dir: 'server', offset: HEAD.length, message: `a chunk-size line longer than ${MAX_HEAD_BYTES} bytes` }])
  })

  it('answers piece by piece: undefined until a line is whole, its size and end once it is', () => {
    const line = bytes('1f;x=y\r\nrest')
    expect(chunkSizeLine(line.subarray(0, 7), 0, 100)).toBeUndefined()
    expect(chunkSizeLine(line, 0, 100)).toEqual({ size: 31, end: 8 })
    expect(chunkSizeLine(bytes('g\r\n'), 0, 100)).toEqual({ problem: 'bad chunk-size line "g"' })
    expect([chunkDataEnd(bytes('\r'), 0), chunkDataEnd(bytes('\r\n'), 0), chunkDataEnd(bytes('\n'), 0), chunkDataEnd(bytes('x'), 0), chunkDataEnd(bytes(''), 0)]).toEqual([0, 2, 1, -1, 0])
  })
})

describe('first line of a head', () => {
  it('is refused as soon as it is whole, before the head ends', () => {
    // The second request begins as a request may, and its line has come whole; its head has not.
    const first = 'GET /a HTTP/1.1\r\n\r\n'
    const d = decode([{ dir: 'client', bytes: first + 'GET /b\r\nHost: x\r\n' }])
    expect(d.problems).toEqual([{ dir: 'client', offset: first.length, message: 'not an HTTP/1.x request line: "GET /b"' }])
  })
})
