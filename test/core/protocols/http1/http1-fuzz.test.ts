// Fuzzing the HTTP/1 decoder: valid conversations mutated at random (seeded, so a failure
// replays) and fed whole or split at random points. It never throws, every byte range stays
// inside its stream, and how the bytes were split never changes what it finds.
import { describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/capture-types'
import type { ByteRange, HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import type { DecoderOptions } from '../../../../src/core/protocols/stream-decoder'
import { bytes, decode, type Decoded } from '../feed'
import { ends, found, mutate, split, whole } from './fuzz-pieces'
import { seeded } from '../../../helpers/seeded'


const CONVERSATIONS: Array<Array<[Direction, string]>> = [
  [
    ['client', 'GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n'],
    ['server', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello world\n']
  ],
  [
    ['client', 'POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['server', 'HTTP/1.1 100 Continue\r\n\r\n'],
    ['client', '5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n'],
    ['server', 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Folded: a\r\n b\r\n\r\n4\r\nokay\r\n0\r\n\r\n']
  ],
  [
    ['client', 'HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end'],
    ['server', '...']
  ],
  [
    ['client', 'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    ['server', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello'],
    ['client', '\x81\x82\x01\x02\x03\x04\x69\x6b']
  ],
  [
    ['client', 'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n'],
    ['server', 'HTTP/1.0 200 Connection established\r\n\r\n\x16\x03\x03\x00\x01x']
  ]
]

function rangesOf(ex: HttpExchange): ByteRange[] {
  const ofMessage = (m: HttpMessage): ByteRange[] => [
    m.startRange,
    m.headRange,
    m.body.range,
    ...m.headers.map((h) => h.range),
    ...(m.body.chunks ?? []),
    ...(m.body.trailers ?? []).map((h) => h.range)
  ]
  return [ex.request, ...ex.informational, ex.response].filter((m): m is HttpMessage => m !== undefined).flatMap(ofMessage)
}

function expectRangesInside(d: Decoded): void {
  const ranges = [...d.exchanges.flatMap(rangesOf), ...d.messages.map((m) => m.range)]
  for (const r of ranges) {
    const ok = r.offset >= 0 && r.length >= 0 && r.offset + r.length <= d.streams[r.dir].length
    if (!ok) throw new Error(`range ${JSON.stringify(r)} is outside the ${r.dir} stream of ${d.streams[r.dir].length} bytes`)
  }
  for (const p of d.problems) expect(p.offset).toBeLessThanOrEqual(d.streams[p.dir].length)
}


describe('HTTP/1 decoder under fuzzing', () => {
  it.each([
    ['recognised', {}],
    ['told it is HTTP', { protocol: 'http1' }]
  ] as Array<[string, DecoderOptions]>)('never throws, keeps its ranges inside the streams, and finds the same however the bytes are split (%s)', (_, opts) => {
    // FUZZ_SEED replays another run; the default keeps CI deterministic.
    const rand = seeded(Number(process.env.FUZZ_SEED ?? 0x5eed16))
    let problems = 0
    for (let round = 0; round < 400; round++) {
      for (const conversation of CONVERSATIONS) {
        let pieces = conversation
        const mutations = Math.floor(rand() * 4)
        for (let m = 0; m < mutations; m++) {
          const k = Math.floor(rand() * pieces.length)
          pieces = pieces.map(([dir, s], j) => [dir, j === k ? mutate(s, rand) : s])
        }
        const reference = decode([...whole(pieces), ...ends], opts)
        expectRangesInside(reference)
        problems += reference.problems.length
        const cut = decode([...split(pieces, rand), ...ends], { ...opts, takeEvery: rand() < 0.5 })
        expectRangesInside(cut)
        try {
          expect(found(cut)).toEqual(found(reference))
        } catch (err) {
          throw new Error(`round ${round}: ${JSON.stringify(pieces)}\n${String(err)}\n${JSON.stringify(found(cut))}\n${JSON.stringify(found(reference))}`)
        }
        // The feeder's skipping changes no exchange either, but where the stream ends inside
        // a skipped body: the decoder, never given its bytes, cannot tell how much of it came.
        // (WebSocket frames skipped are the WebSocket decoder's own tests' concern.)
        const skipped = decode([...split(pieces, rand), ...ends], { ...opts, skip: true })
        expectRangesInside(skipped)
        if (!reference.problems.some((p) => p.message.includes('ended inside'))) expect(skipped.exchanges).toEqual(reference.exchanges)
      }
    }
    // The mutations did reach the error paths.
    expect(problems).toBeGreaterThan(100)
  })

  it('random bytes never throw and stay in range', () => {
    const rand = seeded(42)
    for (let round = 0; round < 300; round++) {
      const noise = (): string => Array.from({ length: Math.floor(rand() * 300) }, () => String.fromCharCode(Math.floor(rand() * 256))).join('')
      const pieces: Array<[Direction, string]> = [
        ['client', 'GET / HTTP/1.1\r\n' + noise()],
        ['server', 'HTTP/1.1 200 OK\r\n' + noise()]
      ]
      const d = decode([...split(pieces, rand), ...ends], { protocol: 'http1' })
      expectRangesInside(d)
      expect(bytes(d.streams.client).length).toBe(pieces[0][1].length)
    }
  })
})
