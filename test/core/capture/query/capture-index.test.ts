// The index in columns: rows for connections, a fixed slot for the first records and an
// array for the rest, summaries rebuilt on demand. The integration tests cover it through
// real captures; these pin the edges that real traffic rarely reaches.

import { describe, expect, it } from 'vitest'
import { CaptureIndex } from '../../../../src/core/capture/query/capture-index'
import { DIR_CLIENT, DIR_NONE, DIR_SERVER, RECORD_HEADER_SIZE, RecordType } from '../../../../src/core/capture/format/capture-format'

describe('capture index', () => {
  it('rebuilds summaries with every field a connection can have', () => {
    const ix = new CaptureIndex()
    ix.add(RecordType.Open, DIR_NONE, 1, 100, 0, 1000, { kind: 'proxy', ownerId: 'p1', client: { address: '::1', port: 5, family: 'IPv6' }, target: 'x:1' })
    ix.add(RecordType.Connected, DIR_NONE, 1, 200, 0, 1001, { local: { address: '127.0.0.1', port: 6, family: 'IPv4' }, remote: { path: '/tmp/s' } })
    ix.add(RecordType.Data, DIR_CLIENT, 1, 300, 10, 1002, undefined)
    ix.add(RecordType.Fin, DIR_SERVER, 1, 400, 0, 1003, undefined)
    ix.add(RecordType.Error, DIR_CLIENT, 1, 500, 0, 1004, { code: 'EPIPE', message: 'broken' })
    ix.add(RecordType.Close, DIR_NONE, 1, 600, 0, 1005, { end: 'error', bytes: { client: 10, server: 0 } })
    ix.add(RecordType.Open, DIR_NONE, 2, 700, 0, 2000, { kind: 'client', ownerId: 'c1', target: '/tmp/s' })
    expect(ix.summaries()).toEqual([
      {
        id: 1,
        kind: 'proxy',
        ownerId: 'p1',
        client: { address: '::1', port: 5, family: 'IPv6' },
        target: 'x:1',
        upstream: { local: { address: '127.0.0.1', port: 6, family: 'IPv4' }, remote: { path: '/tmp/s' } },
        openedAt: 1000,
        closedAt: 1005,
        bytes: { client: 10, server: 0 },
        fin: { client: false, server: true },
        end: 'error',
        error: { code: 'EPIPE', message: 'broken' }
      },
      { id: 2, kind: 'client', ownerId: 'c1', target: '/tmp/s', openedAt: 2000, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open' }
    ])
    ix.cutOpen()
    expect(ix.summaries().map((s) => s.end)).toEqual(['error', 'cut'])
    expect(ix.size).toBe(2)
  })

  it('keeps every record in order past the fixed slot, and extends chunk lists as records arrive', () => {
    const ix = new CaptureIndex()
    ix.add(RecordType.Open, DIR_NONE, 1, 16, 0, 0, { kind: 'proxy', ownerId: 'p', target: 't' })
    const records: { offset: number; stream: number }[] = [{ offset: 16, stream: -1 }]
    const chunks = { client: [] as [number, number][], server: [] as [number, number][] }
    const streams = { client: 0, server: 0 }
    for (let i = 0; i < 40; i++) {
      const dir = i % 3 === 0 ? 'server' : 'client'
      const at = 100 + i * 1000
      if (i % 7 === 6) {
        ix.add(RecordType.Fin, dir === 'client' ? DIR_CLIENT : DIR_SERVER, 1, at, 0, 0, undefined)
        records.push({ offset: at, stream: -1 })
      } else {
        ix.add(RecordType.Data, dir === 'client' ? DIR_CLIENT : DIR_SERVER, 1, at, i + 1, 0, undefined)
        records.push({ offset: at, stream: streams[dir] })
        chunks[dir].push([at + RECORD_HEADER_SIZE, streams[dir]])
        streams[dir] += i + 1
      }
      // Asking for chunks midway must not lose later ones.
      if (i === 5 || i === 20) ix.chunks(ix.rowOf(1)!, 'client')
    }
    const row = ix.rowOf(1)!
    expect(ix.recordCount(row)).toBe(records.length)
    expect(records.map((_, i) => ({ offset: ix.recordOffset(row, i), stream: ix.streamOffset(row, i) }))).toEqual(records)
    for (const dir of ['client', 'server'] as const) {
      const list = ix.chunks(row, dir)
      expect(Array.from({ length: list.length }, (_, k) => [list.file(k), list.stream(k)])).toEqual(chunks[dir])
      expect(ix.bytes(row, dir)).toBe(streams[dir])
    }
  })

  it('finds connections by id however the file numbers them', () => {
    const ix = new CaptureIndex()
    for (const id of [7, 1, 2, 9000]) ix.add(RecordType.Open, DIR_NONE, id, id * 10, 0, id, { kind: 'proxy', ownerId: 'p', target: `t${id}` })
    ix.add(RecordType.Data, DIR_CLIENT, 2, 5000, 3, 0, undefined)
    ix.add(RecordType.Data, DIR_CLIENT, 12345, 6000, 3, 0, undefined) // unknown: ignored
    // A repeated open keeps the first connection.
    ix.add(RecordType.Open, DIR_NONE, 7, 7777, 0, 0, { kind: 'server', ownerId: 'q', target: 'again' })
    expect(ix.summaries().map((s) => [s.id, s.target, s.bytes.client])).toEqual([
      [7, 't7', 0],
      [1, 't1', 0],
      [2, 't2', 3],
      [9000, 't9000', 0]
    ])
    expect(ix.recordOffset(ix.rowOf(9000)!, 0)).toBe(90000)
    expect(ix.rowOf(3)).toBeUndefined()
  })
})
