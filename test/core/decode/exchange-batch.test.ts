// Exchanges cross from the decode worker as batches of columns (exchange-batch.ts,
// feed-replies.ts): what the table and the filters read after a batch crossed (a structured
// clone with its buffers moved, as postMessage does) must be what the decoder found, column
// by column, across many batches and for strings the wire can hold: empty, Latin-1 beyond
// ASCII, and a path as long as a head may be.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createConnectionDecoder } from '../../../src/core/decode/decoders'
import { DecoderSet } from '../../../src/core/decode/decoder-set'
import type { FeedOps } from '../../../src/core/decode/feed-ops'
import { opsOf, type Op } from './feed-ops-of'
import { ExchangeBatch, ExchangeBatchWriter } from '../../../src/core/decode/exchange-batch'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'
import { ExchangeList } from '../../../src/core/decode/exchange-query'
import { packReplies, unpackReplies } from '../../../src/core/decode/feed-replies'
import { MAX_HEAD_BYTES } from '../../../src/core/protocols/http1/message-reader'
import type { ExchangeRow, HttpExchange } from '../../../src/shared/protocol-types'
import { h2Capture } from '../../helpers/h2-exchange'

/** Request `i` (its own path) with a head padded by `pad`, decoded on a connection of its own. */
function paddedRequest(i: number, host: string, pad: string): HttpExchange[] {
  const d = createConnectionDecoder({})
  d.push('client', enc(`GET /only/path/number/${i} HTTP/1.1\r\nHost: ${host}\r\nX-Pad: ${pad}\r\n\r\n`), 0, 1000 + i)
  return d.takeChanges().exchanges
}

/** The heap in use after a full collection. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
  return process.memoryUsage().heapUsed
}

const enc = (s: string): Buffer => Buffer.from(s, 'latin1')

/** One HTTP/1.1 connection's bytes, each direction one push: requests, then responses. */
function http1(pairs: Array<{ req: string; res?: string }>): { client: Buffer; server: Buffer } {
  return { client: Buffer.concat(pairs.map((p) => enc(p.req))), server: Buffer.concat(pairs.flatMap((p) => (p.res ? [enc(p.res)] : []))) }
}

function ops(c: { client: Buffer; server: Buffer }, time: number, end: boolean): { ops: FeedOps; bytes: Uint8Array } {
  const bytes = new Uint8Array(Buffer.concat([c.client, c.server]))
  const out: Op[] = [
    { dir: 'client', at: 0, len: c.client.length, offset: 0, time },
    { dir: 'server', at: c.client.length, len: c.server.length, offset: 0, time: time + 3 }
  ]
  if (end) out.push({ dir: 'client', at: 0, len: -1, offset: 0, time: time + 4 }, { dir: 'server', at: 0, len: -1, offset: 0, time: time + 4 })
  return { ops: opsOf(out.filter((o) => o.len !== 0)), bytes }
}

/** What the list shows of an exchange, worked out from the decoder's own object (not through any column). */
function expected(connId: number, ex: HttpExchange): ExchangeRow {
  const req = ex.request
  const res = ex.response
  // An absolute-form target (a forward proxy's) names the host, and its path is what follows the authority.
  const absolute = /^http:\/\/([^/]+)(.*)$/.exec(req?.target ?? '')
  const host = req?.headers.find((h) => h.name.toLowerCase() === 'host' || h.name === ':authority')?.value.toLowerCase() ?? absolute?.[1]
  const type = res?.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value.toLowerCase()
  const row: ExchangeRow = { connId, index: ex.index, requestSize: req?.body.size ?? 0, responseSize: res?.body.size ?? 0, startedAt: (req ?? res)!.startedAt, state: ex.state }
  if (req?.method !== undefined) row.method = req.method
  if (host !== undefined) row.host = host
  if (req?.target !== undefined) row.path = absolute ? absolute[2] || '/' : req.target
  if (res?.status !== undefined) row.status = res.status
  if (type !== undefined) row.contentType = type
  if (req && res?.endedAt !== undefined) row.duration = res.endedAt - req.startedAt
  if (ex.upgrade !== undefined) row.upgrade = ex.upgrade
  if (ex.stream !== undefined) row.stream = ex.stream
  return row
}

/** Writes `feeds` as the worker does (one batch for the message), sends it across as postMessage would, and reads it back. */
function cross(feeds: Array<{ id: number; write: (set: DecoderSet, out: ExchangeBatchWriter) => ReturnType<DecoderSet['feed']> }>, set: DecoderSet): ReturnType<typeof unpackReplies> {
  const out = new ExchangeBatchWriter()
  const replies = feeds.map((f) => ({ id: f.id, reply: f.write(set, out) }))
  const transfer: ArrayBuffer[] = []
  const packed = packReplies(replies, out, transfer)
  const moved = structuredClone(packed, { transfer })
  // Moved, not copied: the sender's buffers are detached.
  expect(packed.feeds.byteLength).toBe(0)
  expect(packed.exchanges.ints.byteLength).toBe(0)
  return unpackReplies(moved)
}

const longPath = '/' + 'a/é'.repeat(Math.floor((MAX_HEAD_BYTES - 200) / 3))

const ODD = [
  { req: 'GET /plain HTTP/1.1\r\nHost: Example.COM\r\n\r\n', res: 'HTTP/1.1 200 OK\r\nContent-Type: \r\nContent-Length: 2\r\n\r\nok' },
  { req: `GET /caf\xe9?q=\xff\xfe HTTP/1.1\r\nHost: h\xf6st.test\r\n\r\n`, res: 'HTTP/1.1 404 Not Found\r\nContent-Type: Text/HTML; charset=ISO-8859-1\r\nContent-Length: 0\r\n\r\n' },
  { req: `POST ${longPath} HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc`, res: 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":' },
  { req: 'GET http://proxy.test:8080 HTTP/1.1\r\n\r\n', res: 'HTTP/1.1 204 No Content\r\n\r\n' },
  { req: 'DELETE /pending HTTP/1.1\r\nHost: example.com\r\n\r\n' }
]

describe('exchange batches across the worker boundary', () => {
  it('round-trips every column, for empty, non-ASCII and long strings', () => {
    const set = new DecoderSet()
    const wire = http1(ODD)
    const [{ result }] = cross([{ id: 7, write: (s, out) => s.feed(1, ops(wire, 1000, false).ops, ops(wire, 1000, false).bytes, undefined, out) }], set)
    expect(result.summary.protocol).toBe('http1')
    expect(result.exchanges.to - result.exchanges.from).toBe(ODD.length)

    const table = new ExchangeTable()
    for (let i = result.exchanges.from; i < result.exchanges.to; i++) table.put(3, result.exchanges.batch, i)
    // The same bytes decoded straight, for the decoder's own objects.
    const d = createConnectionDecoder({})
    const o = ops(wire, 1000, false)
    d.push('client', o.bytes.subarray(0, wire.client.length), 0, 1000)
    d.push('server', o.bytes.subarray(wire.client.length), 0, 1003)
    const decoded = d.takeChanges().exchanges
    expect(decoded).toHaveLength(ODD.length)
    const rows = decoded.map((ex) => table.row(ex.index))
    expect(rows).toEqual(decoded.map((ex) => expected(3, ex)))
    // What the rows say, spelt out, so a column read as another cannot pass as the same mistake twice.
    expect(rows.map((r) => [r.method, r.host, r.status, r.contentType, r.state])).toEqual([
      ['GET', 'example.com', 200, '', 'complete'],
      ['GET', 'h\xf6st.test', 404, 'text/html; charset=iso-8859-1', 'complete'],
      ['POST', 'example.com', 201, 'application/json', 'complete'],
      ['GET', 'proxy.test:8080', 204, undefined, 'complete'],
      ['DELETE', 'example.com', undefined, undefined, 'pending']
    ])
    expect(rows[1].path).toBe('/caf\xe9?q=\xff\xfe')
    expect(rows[2].path).toBe(longPath)
    expect(rows[2].path!.length).toBeGreaterThan(60_000)
    expect(rows[3].path).toBe('/')
    expect([rows[2].requestSize, rows[2].responseSize]).toEqual([3, 5])
    expect(table.starts(2)).toEqual({ client: decoded[2].request!.startRange.offset, server: decoded[2].response!.startRange.offset })
    expect(Number.isNaN(table.starts(4).server)).toBe(true)
  })

  it('carries HTTP/2 stream ids and :authority, and a WebSocket upgrade with where its frames start', () => {
    const h2 = h2Capture([
      { request: { headers: [[':method', 'GET'], [':scheme', 'https'], [':authority', 'H2.Example'], [':path', '/a']] }, response: { headers: [[':status', '200'], ['content-type', 'application/grpc']] } },
      { request: { headers: [[':method', 'POST'], [':scheme', 'https'], [':authority', 'h2.example'], [':path', '/b']] }, response: { headers: [[':status', '503']] } }
    ])
    const set = new DecoderSet()
    const ws = http1([
      {
        req: 'GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        res: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n'
      }
    ])
    const replies = cross(
      [
        {
          id: 1,
          write: (_s, out) => {
            const from = out.size
            for (const ex of h2.exchanges) out.add(ex)
            return { from, to: out.size, messages: [], problems: [], want: { client: 0, server: 0 }, summary: { protocol: 'http2' } }
          }
        },
        { id: 2, write: (s, out) => s.feed(9, ops(ws, 50, false).ops, ops(ws, 50, false).bytes, undefined, out) }
      ],
      set
    )
    expect(replies.map((r) => [r.id, r.result.summary.protocol])).toEqual([
      [1, 'http2'],
      [2, 'websocket']
    ])
    const table = new ExchangeTable()
    const [a, b] = replies.map((r) => r.result.exchanges)
    for (let i = a.from; i < a.to; i++) table.put(1, a.batch, i)
    expect([table.row(0), table.row(1)]).toEqual(h2.exchanges.map((ex) => expected(1, ex)))
    expect(table.row(1).host).toBe('h2.example')
    expect(b.to - b.from).toBe(1)
    const start = b.batch.ws(b.from)
    const clientHead = ws.client.length
    const serverHead = ws.server.length
    expect(start).toEqual({ client: clientHead, server: serverHead, extensions: 'permessage-deflate' })
    expect(a.batch.ws(a.from)).toBeUndefined()
    expect(table.put(2, b.batch, b.from)).toBe(2)
    expect(table.row(2)).toMatchObject({ connId: 2, upgrade: 'websocket', status: 101, state: 'upgraded', path: '/chat' })
  })

  it('keeps rows, strings and filters right across many batches, updates and two tables', () => {
    const set = new DecoderSet()
    const table = new ExchangeTable()
    const other = new ExchangeTable()
    const list = new ExchangeList(table)
    const hosts = ['api.test', 'img.test', 'caf\xe9.test']
    // 40 connections, each fed in two messages: requests and half the responses first (pending rows), then the rest.
    const conns = Array.from({ length: 40 }, (_, c) =>
      Array.from({ length: 5 }, (_, k) => {
        const n = c * 5 + k
        const status = [200, 404, 500, 301, 200][k]
        const body = 'x'.repeat(n % 7)
        return {
          req: `${k === 2 ? 'POST' : 'GET'} /items/${n} HTTP/1.1\r\nHost: ${hosts[n % 3]}\r\nContent-Length: 0\r\n\r\n`,
          res: `HTTP/1.1 ${status} X\r\nContent-Type: ${k === 1 ? 'application/json' : 'text/plain'}\r\nContent-Length: ${body.length}\r\n\r\n${body}`
        }
      })
    )
    const rowsOf = new Map<string, number>()
    for (const half of [0, 1]) {
      const feeds = conns.map((pairs, c) => ({
        id: c + 1,
        write: (s: DecoderSet, out: ExchangeBatchWriter) => {
          const w = half === 0 ? http1(pairs.map((p, k) => (k < 3 ? p : { req: p.req }))) : { client: Buffer.alloc(0), server: Buffer.concat(pairs.slice(3).map((p) => enc(p.res))) }
          const serverAt = half === 0 ? 0 : http1(pairs.slice(0, 3)).server.length
          const bytes = new Uint8Array(Buffer.concat([w.client, w.server]))
          const feedOps: Op[] = []
          if (w.client.length > 0) feedOps.push({ dir: 'client', at: 0, len: w.client.length, offset: 0, time: 1000 + c })
          feedOps.push({ dir: 'server', at: w.client.length, len: w.server.length, offset: serverAt, time: 1001 + c + half })
          return s.feed(c + 1, opsOf(feedOps), bytes, undefined, out)
        }
      }))
      for (const r of cross(feeds, set)) {
        const e = r.result.exchanges
        for (let i = e.from; i < e.to; i++) {
          const key = `${r.id}/${e.batch.index(i)}`
          rowsOf.set(key, table.put(r.id, e.batch, i, rowsOf.get(key)))
          // The same batch into another capture's table: its string ids are that table's own.
          other.put(r.id, e.batch, i)
        }
      }
    }
    expect(table.size).toBe(200)
    expect([...table.strings.values].filter((s) => s !== undefined && hosts.includes(s))).toHaveLength(3)
    const all = Array.from({ length: 200 }, (_, row) => table.row(row))
    expect(all.every((r) => r.state === 'complete')).toBe(true)
    expect(all.map((r) => r.path).sort()).toEqual(Array.from({ length: 200 }, (_, n) => `/items/${n}`).sort())
    for (const r of all) {
      const n = Number(r.path!.slice('/items/'.length))
      expect([r.connId, r.index, r.host, r.status, r.method, r.responseSize]).toEqual([Math.floor(n / 5) + 1, n % 5, hosts[n % 3], [200, 404, 500, 301, 200][n % 5], n % 5 === 2 ? 'POST' : 'GET', n % 7])
    }
    // The other table added each row as it came (5 a connection, then the 2 pending ones again) and reads the same strings.
    expect(other.size).toBe(40 * 5 + 40 * 2)
    expect(Array.from({ length: other.size }, (_, row) => other.row(row).host).every((h) => h !== undefined && hosts.includes(h))).toBe(true)
    const count = (filter: string): number => list.rows(filter, 'start', false).length
    expect(count('status:4xx')).toBe(40)
    expect(count('method:POST')).toBe(40)
    expect(count('type:json')).toBe(40)
    expect(count('host:caf\xe9')).toBe(all.filter((r) => r.host === 'caf\xe9.test').length)
    expect(count('path:/items/19')).toBe(11)
    expect(count('conn:3 -status:200')).toBe(3)
  })

  it('keeps none of the heads its strings were cut from (the table keeps them as they come, not copied)', () => {
    const pad = 'x'.repeat(40_000)
    const table = new ExchangeTable()
    const before = heapAfterGc()
    // One batch an exchange, each head 40 KB with a path of its own: kept whole, 300 heads would be 12 MB.
    for (let i = 0; i < 300; i++) {
      const writer = new ExchangeBatchWriter()
      for (const ex of paddedRequest(i, 'example.com', pad)) writer.add(ex)
      const batch = new ExchangeBatch(writer.pack())
      table.put(1, batch, 0)
    }
    expect(heapAfterGc() - before).toBeLessThan(3 * 1024 * 1024)
    expect(table.size).toBe(300)
    expect(table.path(299)).toBe('/only/path/number/299')
  })

  it('lets go of the heads its strings were cut from as it fills, before it packs (the writer of one worker message takes thousands)', () => {
    const pad = 'x'.repeat(20_000)
    const writer = new ExchangeBatchWriter()
    const before = heapAfterGc()
    // 1,000 exchanges, each head 20 KB with a path of its own: kept whole until the pack, 20 MB.
    for (let i = 0; i < 1000; i++) {
      for (const ex of paddedRequest(i, `h${i % 3}.test`, pad)) writer.add(ex)
    }
    expect(heapAfterGc() - before).toBeLessThan(6 * 1024 * 1024)
    const batch = new ExchangeBatch(writer.pack())
    expect(batch.size).toBe(1000)
    for (const i of [0, 127, 128, 129, 500, 999]) {
      expect(batch.get(i, 'path')).toBe(`/only/path/number/${i}`)
      expect(batch.get(i, 'host')).toBe(`h${i % 3}.test`)
      expect(batch.get(i, 'method')).toBe('GET')
    }
  })

  it('carries a path asked for again in a row once, and paths taking turns each time, all read back right', () => {
    const paths = ['/poll', '/poll', '/poll', '/a', '/b', '/a', '/poll', 'http://h.test/abs?q', '*']
    const d = createConnectionDecoder({})
    d.push('client', enc(paths.map((p) => `${p === '*' ? 'OPTIONS' : 'GET'} ${p} HTTP/1.1\r\nHost: h.test\r\n\r\n`).join('')), 0, 1000)
    const writer = new ExchangeBatchWriter()
    for (const ex of d.takeChanges().exchanges) writer.add(ex)
    const packed = writer.pack()
    // '/poll' three times in a row is sent once; the others as they come.
    expect(packed.strings.split('/poll').length - 1).toBe(2)
    const table = new ExchangeTable()
    const batch = new ExchangeBatch(packed)
    for (let i = 0; i < batch.size; i++) table.put(1, batch, i)
    expect(Array.from({ length: paths.length }, (_, r) => table.path(r))).toEqual([...paths.slice(0, 7), '/abs?q', '*'])
  })

  it('makes its rows only at its first exchange, then from one row to many, each read back right after crossing', () => {
    // A writer a feed, most adding nothing or one exchange (the in-thread host, live): no row arrays for none.
    expect(new ExchangeBatchWriter().pack().ints.length).toBe(0)
    const d = createConnectionDecoder({})
    const pairs = Array.from({ length: 70 }, (_, i) => ({ req: `GET /item/${i} HTTP/1.1\r\nHost: h${i % 3}.test\r\n\r\n`, res: `HTTP/1.1 200 OK\r\nContent-Type: text/t${i % 5}\r\nContent-Length: ${i}\r\n\r\n${'x'.repeat(i)}` }))
    const c = http1(pairs)
    d.push('client', c.client, 0, 1000)
    d.push('server', c.server, 0, 2000)
    const all = d.takeChanges().exchanges
    for (const n of [1, 2, 3, 9, 70]) {
      const writer = new ExchangeBatchWriter()
      for (const ex of all.slice(0, n)) writer.add(ex)
      const transfer: ArrayBuffer[] = []
      const batch = new ExchangeBatch(structuredClone(writer.pack(transfer), { transfer }))
      const table = new ExchangeTable()
      for (let i = 0; i < batch.size; i++) table.put(7, batch, i)
      expect(Array.from({ length: table.size }, (_, r) => table.row(r))).toEqual(all.slice(0, n).map((ex) => expected(7, ex)))
    }
  })

  it('reads an empty batch', () => {
    const b = new ExchangeBatch(new ExchangeBatchWriter().pack())
    expect(b.size).toBe(0)
    expect(b.string(0)).toBeUndefined()
  })
})
