// A whole-capture replay's HTTP answers compared under its ignore rules with the one header
// rule HTTP replay uses: reordered headers and a changed Date do not differ, a changed value
// does unless its name is ignored, and bodies differ but for what the ignore-body regex covers.
import { describe, expect, it } from 'vitest'
import { answersMatch, splitAnswer } from '../../../src/core/replay/capture-replay-ignore'
import { compileUserRegex } from '../../../src/core/regex/user-regex'

const answer = (headers: string[], body: string, status = '200 OK'): Buffer =>
  Buffer.from(`HTTP/1.1 ${status}\r\n${[...headers, `Content-Length: ${Buffer.byteLength(body)}`].map((h) => h + '\r\n').join('')}\r\n${body}`)

describe('answersMatch', () => {
  it('matches the same headers in another order, and a changed Date', () => {
    const a = answer(['Date: Mon, 01 Jan 2024 00:00:00 GMT', 'Server: s', 'X-A: 1'], 'ok')
    const b = answer(['X-A: 1', 'server: s', 'Date: Mon, 01 Jan 2024 00:00:07 GMT'], 'ok')
    expect(answersMatch(a, b, {})).toBe(true)
  })

  it('compares a header sent twice as its list of values', () => {
    const a = answer(['Vary: Accept', 'Vary: Origin'], 'ok')
    expect(answersMatch(a, answer(['Vary: Accept, Origin'], 'ok'), {})).toBe(true)
    expect(answersMatch(a, answer(['Vary: Origin', 'Vary: Accept'], 'ok'), {})).toBe(false)
  })

  it('differs on a changed value unless its name is ignored, in any case', () => {
    const a = answer(['X-Request-Id: 1'], 'ok')
    const b = answer(['x-request-id: 2'], 'ok')
    expect(answersMatch(a, b, {})).toBe(false)
    expect(answersMatch(a, b, { ignoreHeaders: ['X-REQUEST-ID'] })).toBe(true)
  })

  it('differs on the body but for what the ignore-body regex covers, and on the status line', () => {
    const a = answer([], 'time=1 ok')
    const b = answer([], 'time=22 ok')
    expect(answersMatch(a, b, {})).toBe(false)
    expect(answersMatch(a, b, { ignoreBody: compileUserRegex('time=\\d+') })).toBe(true)
    expect(answersMatch(answer([], 'ok'), answer([], 'ok', '404 Not Found'), {})).toBe(false)
  })

  it('reads several responses in one answer, and a part with no head', () => {
    const two = Buffer.concat([answer(['A: 1'], 'one'), answer(['B: 2'], 'two', '201 Created'), Buffer.from('trailing')])
    expect(splitAnswer(two).map((p) => [p.statusLine, p.headers.map((h) => h.name), p.body.toString()])).toEqual([
      ['HTTP/1.1 200 OK', ['A', 'Content-Length'], 'one'],
      ['HTTP/1.1 201 Created', ['B', 'Content-Length'], 'two'],
      ['', [], 'trailing']
    ])
    expect(answersMatch(two, Buffer.concat([answer(['A: 1'], 'one'), answer(['B: 2'], 'two', '201 Created')]), {})).toBe(false)
  })
})
