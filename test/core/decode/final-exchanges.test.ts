// A feed gives its exchanges to the batch's writer as soon as each is final, uncopied, and
// the rest at its end (stream-decoder.ts: streamFinal, takeChangesInto; issue 46: a file's
// batch of exchanges held to the end of its feed outlived the young generation). What the
// table reads must be what the plain decoder's copies (takeChanges) say, whatever the feeds'
// sizes: keep-alive, pipelining, chunked bodies, odd bytes in values, a pending last
// exchange, a rule's answer; HTTP/2 from a real client with streams ending out of order;
// and a feed's rows in order of index.
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnectionDecoder } from '../../../src/core/decode/decoders'
import { DecoderSet } from '../../../src/core/decode/decoder-set'
import { opsOf, type Op } from './feed-ops-of'
import { ExchangeBatch, ExchangeBatchWriter } from '../../../src/core/decode/exchange-batch'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'
import type { Direction } from '../../../src/shared/capture-types'
import type { AnsweredBy, ExchangeRow, HttpExchange } from '../../../src/shared/protocol-types'
import { startRecordingRelay, type RecordedPiece, type RecordingRelay } from '../../helpers/recording-relay'
import { seeded } from '../../helpers/seeded'

type Piece = { dir: Direction; bytes: Uint8Array; time: number } | { dir: Direction; end: true; time: number } | { answered: AnsweredBy; offset: number; time: number }

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))

/** The pieces as feeds of `sizes` pieces each (the last takes the rest), through one DecoderSet, each feed into a batch of its own. */
function throughFeeds(pieces: Piece[], sizes: number[]): { table: ExchangeTable; rows: Map<number, number>; feedIndexes: number[][] } {
  const set = new DecoderSet()
  const table = new ExchangeTable()
  const rows = new Map<number, number>()
  const feedIndexes: number[][] = []
  let at = 0
  for (let k = 0; at < pieces.length; k++) {
    const take = pieces.slice(at, k < sizes.length ? at + sizes[k] : pieces.length)
    at += take.length
    const encoder = new TextEncoder()
    const parts = take.map((p) => ('answered' in p ? encoder.encode(JSON.stringify(p.answered)) : 'bytes' in p ? p.bytes : new Uint8Array(0)))
    const bytes = new Uint8Array(Buffer.concat(parts))
    let pos = 0
    const offsets: Record<Direction, number> = { client: 0, server: 0 }
    for (const p of pieces.slice(0, at - take.length)) if ('bytes' in p) offsets[p.dir] += p.bytes.length
    const ops: Op[] = take.map((p, i) => {
      const len = parts[i].length
      const op: Op =
        'answered' in p
          ? { dir: 'client', at: pos, len, offset: p.offset, time: p.time, answered: true }
          : 'bytes' in p
            ? { dir: p.dir, at: pos, len, offset: offsets[p.dir], time: p.time }
            : { dir: p.dir, at: 0, len: -1, offset: 0, time: p.time }
      if ('bytes' in p) offsets[p.dir] += len
      pos += len
      return op
    })
    const out = new ExchangeBatchWriter()
    const reply = set.feed(1, opsOf(ops), bytes, undefined, out)
    const batch = new ExchangeBatch(out.pack())
    const indexes: number[] = []
    for (let i = reply.from; i < reply.to; i++) {
      const index = batch.index(i)
      indexes.push(index)
      rows.set(index, table.put(1, batch, i, rows.get(index)))
    }
    feedIndexes.push(indexes)
  }
  return { table, rows, feedIndexes }
}

/** The same pieces through a plain decoder, its copies taken once at the end: what each exchange is. */
function plainly(pieces: Piece[]): HttpExchange[] {
  const d = createConnectionDecoder({})
  const offsets: Record<Direction, number> = { client: 0, server: 0 }
  for (const p of pieces) {
    if ('answered' in p) d.answered(p.offset, p.answered)
    else if ('bytes' in p) {
      d.push(p.dir, p.bytes, offsets[p.dir], p.time)
      offsets[p.dir] += p.bytes.length
    } else d.end(p.dir, p.time)
  }
  return d.takeChanges().exchanges
}

/** The table's rows by index, against the plain decoder's exchanges (the fields the list shows). */
function compare(pieces: Piece[], sizes: number[]): { exchanges: HttpExchange[]; feedIndexes: number[][] } {
  const { table, rows, feedIndexes } = throughFeeds(pieces, sizes)
  const exchanges = plainly(pieces)
  expect([...rows.keys()].sort((a, b) => a - b)).toEqual(exchanges.map((ex) => ex.index))
  const shown = (r: ExchangeRow): unknown[] => [r.index, r.method, r.host, r.path, r.status, r.contentType, r.state, r.requestSize, r.responseSize, r.startedAt, r.duration, r.stream]
  for (const ex of exchanges) {
    const row = table.row(rows.get(ex.index)!)
    const host = ex.request?.headers.find((h) => h.name.toLowerCase() === 'host' || h.name === ':authority')?.value.toLowerCase()
    const type = ex.response?.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value.toLowerCase()
    const duration = ex.request && ex.response?.endedAt !== undefined ? ex.response.endedAt - ex.request.startedAt : undefined
    expect(shown(row)).toEqual([ex.index, ex.request?.method, host, ex.request?.target, ex.response?.status, type, ex.state, ex.request?.body.size ?? 0, ex.response?.body.size ?? 0, (ex.request ?? ex.response)!.startedAt, duration, ex.stream])
  }
  // Within a feed the rows come in order of index, however they became final.
  for (const indexes of feedIndexes) expect(indexes).toEqual([...indexes].sort((a, b) => a - b))
  return { exchanges, feedIndexes }
}

const RULE: AnsweredBy = { rule: 'r1', label: 'stub', action: 'respond', message: 'answered with 403' }

/** Keep-alive exchanges with what a decoder must get right: pipelining, chunked bodies, a rule's answer, odd bytes, one left pending. */
function http1Pieces(): Piece[] {
  const pieces: Piece[] = []
  let t = 1000
  const client = (s: string): void => void pieces.push({ dir: 'client', bytes: enc(s), time: t++ })
  const server = (s: string): void => void pieces.push({ dir: 'server', bytes: enc(s), time: t++ })
  let clientAt = 0
  for (let i = 0; i < 30; i++) {
    const req = `GET /items/${i}?q=\xe9\xff HTTP/1.1\r\nHost: Shop.Test\r\nX-Odd: \x80\x9f tab\there \r\n\r\n`
    if (i === 7) {
      // Pipelined: three requests at once, then their three answers.
      client(req + req.replace(`/items/${i}?`, '/items/7b?') + req.replace(`/items/${i}?`, '/items/7c?'))
      clientAt += 3 * req.length + 2
      server('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: Text/Plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')
      continue
    }
    if (i === 12) {
      // A request a rule answered: the target never got it, and the next response is the next request's.
      client(req)
      pieces.push({ answered: RULE, offset: clientAt, time: t++ })
      clientAt += req.length
      continue
    }
    client(req)
    clientAt += req.length
    const body = 'x'.repeat(i * 13)
    if (i % 4 === 1) server(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
    else server(`HTTP/1.1 ${i % 5 === 0 ? 404 : 200} X\r\nContent-Type: text/html; charset=\xe9\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  }
  client('POST /last HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 10\r\n\r\nabc')
  return pieces
}

describe('exchanges given to the batch as they become final', () => {
  it('HTTP/1: the rows are what the decoder finds, whatever the feeds, and a feed is in order of index', () => {
    const pieces = http1Pieces()
    const whole = compare(pieces, [pieces.length])
    expect(whole.exchanges).toHaveLength(33)
    expect(whole.exchanges.at(-1)!.state).toBe('pending')
    expect(whole.exchanges.find((ex) => ex.answeredBy !== undefined)?.request?.target).toContain('/items/12?')
    expect(whole.exchanges.every((ex) => ex.request?.headers.find((h) => h.name === 'X-Odd')?.value === '\x80\x9f tab\there' || ex.request?.target === '/last')).toBe(true)
    const rand = seeded(46)
    for (let round = 0; round < 20; round++) {
      const sizes = Array.from({ length: pieces.length }, () => 1 + Math.floor(rand() * 6))
      compare(pieces, sizes)
    }
  })

  it("drops the decoder with a connection's last feed, so nothing of it waits for a drop in a later message", () => {
    const set = new DecoderSet()
    const wire = enc('GET /a HTTP/1.1\r\nHost: x\r\n\r\n')
    const answer = enc('HTTP/1.1 204 No Content\r\n\r\n')
    const feed = (last: boolean): number => {
      const out = new ExchangeBatchWriter()
      const bytes = new Uint8Array(Buffer.concat([wire, answer]))
      const ops = opsOf([
        { dir: 'client', at: 0, len: wire.length, offset: 0, time: 1 },
        { dir: 'server', at: wire.length, len: answer.length, offset: 0, time: 2 }
      ])
      const reply = set.feed(5, ops, bytes, undefined, out, last)
      return reply.to - reply.from
    }
    // Kept: the same bytes again are behind where it is, and find nothing new.
    expect(feed(false)).toBe(1)
    expect(feed(false)).toBe(0)
    // The last feed answers as any, then the decoder is gone: a feed of that key starts afresh.
    expect(feed(true)).toBe(0)
    expect(feed(false)).toBe(1)
  })

  describe('HTTP/2 from a real client', () => {
    let server: http2.Http2Server
    let relay: RecordingRelay
    beforeAll(async () => {
      server = http2.createServer()
      // Answers out of order, surely: once the test's 40 streams are in, by n % 7 from the
      // highest (timers of different lengths did it, until a loaded machine ran them all in one millisecond).
      const waiting: Array<{ n: number; stream: http2.ServerHttp2Stream }> = []
      server.on('stream', (stream, headers) => {
        waiting.push({ n: Number(/\/(\d+)/.exec(String(headers[':path']))?.[1] ?? 0), stream })
        if (waiting.length < 40) return
        for (const { n, stream: s } of waiting.splice(0).sort((a, b) => (b.n % 7) - (a.n % 7) || a.n - b.n)) {
          s.respond({ ':status': n % 3 === 0 ? 404 : 200, 'content-type': 'Text/Plain' })
          s.end('y'.repeat(n))
        }
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      relay = await startRecordingRelay((server.address() as AddressInfo).port)
    })
    afterAll(async () => {
      await relay?.close()
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    })

    it('gives the same rows as the decoder, each feed in order of index though streams end out of order', async () => {
      const before = relay.connections.length
      const session = http2.connect(`http://127.0.0.1:${relay.port}`)
      await Promise.all(
        Array.from(
          { length: 40 },
          (_, n) =>
            new Promise<void>((resolve, reject) => {
              const req = session.request({ ':method': n % 4 === 0 ? 'POST' : 'GET', ':path': `/items/${n}`, 'x-odd': 'caf\xe9' }, { endStream: n % 4 !== 0 })
              if (n % 4 === 0) req.end('body')
              req.on('data', () => undefined)
              req.on('end', () => resolve())
              req.on('error', reject)
            })
        )
      )
      await new Promise<void>((resolve) => session.close(resolve))
      const [conn] = (await relay.settled(before + 1)).slice(before)
      const pieces: Piece[] = conn.pieces.map((p: RecordedPiece) => p)
      const whole = compare(pieces, [pieces.length])
      expect(whole.exchanges).toHaveLength(40)
      expect(whole.exchanges.every((ex) => ex.state === 'complete')).toBe(true)
      // Streams did end out of order (their answers' places in the server's bytes, not their
      // times, which a busy machine gives as one millisecond), so a feed's rows were put in order, not found in it.
      const answers = whole.exchanges.map((ex) => ex.response!.headRange.offset)
      expect(answers).not.toEqual([...answers].sort((a, b) => a - b))
      const rand = seeded(7)
      for (let round = 0; round < 10; round++) compare(pieces, Array.from({ length: pieces.length }, () => 1 + Math.floor(rand() * 4)))
    })
  })
})
