// The background decoding's heads: only the headers it reads are kept (DecoderOptions.onlyHeaders),
// every line still checked. Whatever else it finds (exchanges, ranges, bodies, states,
// problems, the summary) is what a full decoding finds, however the bytes are split.
import { describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/capture-types'
import type { HttpExchange, HttpHeader, HttpMessage } from '../../../../src/shared/protocol-types'
import { headerNames, nameIs, parseHeaderLines } from '../../../../src/core/protocols/http1/head-parser'
import { COLUMN_HEADERS } from '../../../../src/core/decode/exchange-batch'
import { decode } from '../feed'
import { ends, found, mutate, split, whole } from './fuzz-pieces'
import { seeded } from '../../../helpers/seeded'

/** What the decoders read themselves, written out here rather than taken from them. */
const KEPT = new Set([...COLUMN_HEADERS, 'content-length', 'transfer-encoding', 'upgrade', 'sec-websocket-extensions', 'content-type'])

const keptOnly = (headers: HttpHeader[]): HttpHeader[] => headers.filter((h) => KEPT.has(h.name.toLowerCase()))
function leanMessage(m: HttpMessage): HttpMessage {
  return { ...m, headers: keptOnly(m.headers), body: { ...m.body, ...(m.body.trailers ? { trailers: keptOnly(m.body.trailers) } : {}) } }
}
/** A full decoding's exchange as the lean one should find it. */
function lean(ex: HttpExchange): HttpExchange {
  return { ...ex, ...(ex.request ? { request: leanMessage(ex.request) } : {}), informational: ex.informational.map(leanMessage), ...(ex.response ? { response: leanMessage(ex.response) } : {}) }
}

const CONVERSATIONS: Array<Array<[Direction, string]>> = [
  [
    ['client', 'GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n'],
    ['server', 'HTTP/1.1 200 OK\r\nServer: s\r\ncontent-TYPE: text/plain\r\nContent-Length: 12\r\nETag: "e"\r\n\r\nhello world\n']
  ],
  [
    ['client', 'POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTRANSFER-ENCODING: chunked\r\n\r\n'],
    ['server', 'HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n'],
    ['client', '5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: yes\r\nContent-Type: late\r\n\r\n'],
    // A line folded onto a header left out goes with it; one folded onto a kept header joins its value.
    ['server', 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Folded: a\r\n b\r\n\tc\r\nContent-Type: text/\r\n plain\r\n\r\n4\r\nokay\r\n0\r\n\r\n']
  ],
  [
    ['client', 'GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n'],
    ['server', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n\x81\x05hello'],
    ['client', '\x81\x82\x01\x02\x03\x04\x69\x6b']
  ],
  [
    // Bad lines are problems whether their name would be kept or not; a fold after one is a problem too.
    ['client', 'GET / HTTP/1.1\r\nHost: h\r\nno colon here\r\n folded onto nothing\r\nBad Name: x\r\nX-Ok: 1\r\n\r\n'],
    ['server', 'HTTP/1.1 200 OK\r\n(bad): 1\r\nContent-Length: 2\r\n\r\nok']
  ]
]

describe('a decoding that keeps only the headers it reads (onlyHeaders)', () => {
  it('keeps those headers, their ranges and values as a full decoding has them, and finds everything else the same', () => {
    for (const conversation of CONVERSATIONS) {
      const full = decode([...whole(conversation), ...ends])
      const leanDecoded = decode([...whole(conversation), ...ends], { onlyHeaders: COLUMN_HEADERS })
      expect(found(leanDecoded)).toEqual({ ...(found(full) as object), exchanges: full.exchanges.map(lean) })
      // The headers really were left out (without the option every one is kept).
      const all = full.exchanges.flatMap((e) => [e.request, e.response]).flatMap((m) => m?.headers ?? [])
      const kept = leanDecoded.exchanges.flatMap((e) => [e.request, e.response]).flatMap((m) => m?.headers ?? [])
      expect(kept.length).toBeLessThan(all.length)
    }
    const chunked = decode([...whole(CONVERSATIONS[1]), ...ends], { onlyHeaders: COLUMN_HEADERS }).exchanges[0]
    expect(chunked.response!.headers.map((h) => [h.name, h.value])).toEqual([
      ['Transfer-Encoding', 'chunked'],
      ['Content-Type', 'text/ plain']
    ])
    expect(chunked.request!.body.trailers!.map((h) => [h.name, h.value])).toEqual([['Content-Type', 'late']])
    const bad = decode([...whole(CONVERSATIONS[3]), ...ends], { onlyHeaders: COLUMN_HEADERS })
    expect(bad.problems.map((p) => p.message)).toEqual([
      'bad header line "no colon here"',
      'a header line starts with whitespace but continues no header',
      'bad header line "Bad Name: x"',
      'bad header line "(bad): 1"'
    ])
  })

  it('finds what a full decoding finds, but for the headers left out, on mutated conversations cut at random', () => {
    const rand = seeded(Number(process.env.FUZZ_SEED ?? 0x1ea4))
    for (let round = 0; round < 300; round++) {
      for (const conversation of CONVERSATIONS) {
        const pieces = conversation.map(([dir, s]): [Direction, string] => [dir, rand() < 0.5 ? s : mutate(s, rand)])
        const full = decode([...whole(pieces), ...ends])
        const leanDecoded = decode([...split(pieces, rand), ...ends], { onlyHeaders: COLUMN_HEADERS, takeEvery: rand() < 0.5 })
        try {
          expect(found(leanDecoded)).toEqual({ ...(found(full) as object), exchanges: full.exchanges.map(lean) })
        } catch (err) {
          throw new Error(`round ${round}: ${JSON.stringify(pieces)}\n${String(err)}`)
        }
      }
    }
  })

  it('matches names case-insensitively by their length, without taking a name of another length or a prefix', () => {
    const keep = headerNames(['host', 'content-length'])
    const text = 'Host: a\r\nHOST: b\r\nHosts: c\r\nHos: d\r\nContent-Length: 1\r\nContent-Lengtx: 2\r\nX: e\r\n\r\n'
    const { headers, problems } = parseHeaderLines(text, 0, 100, 'client', keep)
    expect(headers.map((h) => [h.name, h.value, h.range.offset])).toEqual([
      ['Host', 'a', 100],
      ['HOST', 'b', 109],
      ['Content-Length', '1', 136]
    ])
    expect(problems).toEqual([])
  })

  it('takes a name only when every character up to its colon is a token one, kept or not', () => {
    const lines = [': empty name', 'Host : spaced', 'H\u00f6st: latin-1', 'Host\tx: tab', 'Host', 'Host:', 'X-Ok:1', 'Host: good']
    const text = lines.join('\r\n') + '\r\n\r\n'
    for (const keep of [undefined, headerNames(['host', 'x-ok'])]) {
      const { headers, problems } = parseHeaderLines(text, 0, 0, 'client', keep)
      expect(headers.map((h) => [h.name, h.value])).toEqual([
        ['Host', ''],
        ['X-Ok', '1'],
        ['Host', 'good']
      ])
      expect(problems.map((p) => [p.offset, p.message])).toEqual(
        lines.slice(0, 5).map((line, i) => [lines.slice(0, i).join('\r\n').length + (i > 0 ? 2 : 0), `bad header line "${line}"`])
      )
    }
  })

  it('compares a name given lower-case by its ASCII letters only (nameIs: HTTP/2 names are not checked as tokens)', () => {
    expect(nameIs('Content-Length', 'content-length')).toBe(true)
    expect(nameIs('CONTENT-LENGTH', 'content-length')).toBe(true)
    // Bytes that only `| 0x20` would take for '-' or a digit are not them.
    expect(nameIs('content\rlength', 'content-length')).toBe(false)
    expect(nameIs('x\x11', 'x1')).toBe(false)
    expect(nameIs('Content-Lengt', 'content-length')).toBe(false)
    expect(nameIs('\u212Aey', 'key')).toBe(false)
  })
})
