// The list filter's `text:` word over a real capture file: connections found by what they
// carry, either way, case ignored; the scan goes a slice per call, says how far it got,
// never reads a row twice for the same text, reads only what a live connection added, and
// stops when cancelled.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import { ConnectionQuery, parseQuery } from '../../../../src/core/capture/query/connection-query'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import type { IndexView } from '../../../../src/core/capture/read/index-view'
import type { Direction } from '../../../../src/shared/capture-types'
import { commands } from '../../../../src/shared/contract'

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-text-filter-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Four connections: a web request, a redis ping, one that says nothing, one to port 80 that got an error page. */
async function writeCapture(path: string): Promise<LiveCapture> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  const conn = (port: number, target: string) =>
    capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port, family: 'IPv4' }, target })
  const web = conn(41001, '10.0.0.1:8080')
  web.data('client', Buffer.from('GET /Hello HTTP/1.1\r\nHost: a\r\n\r\n'))
  web.data('server', Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))
  web.close('closed')
  const redis = conn(41002, '10.0.0.1:6379')
  redis.data('client', Buffer.from('PING\r\n'))
  redis.data('server', Buffer.from('+PONG\r\n'))
  redis.close('closed')
  conn(41003, '10.0.0.1:6379').close('closed')
  const error = conn(41004, '10.0.0.1:80')
  error.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'))
  error.data('server', Buffer.from('HTTP/1.1 500 Internal Server Error\r\n\r\n'))
  return capture
}

/** A query over a capture's own index and reader, counting the bytes it reads. */
function queryOver(capture: LiveCapture | FileCapture, slice?: { bytes: number; ms: number }) {
  const reads: Array<{ connId: number; dir: Direction; offset: number; length: number }> = []
  // The index is the capture's own; a test reaches it to build a query with a small slice.
  const index = (capture as unknown as { index: IndexView }).index
  let version = 0
  const q = new ConnectionQuery(
    index,
    () => version,
    (connId, d, offset, length) => {
      reads.push({ connId, dir: d, offset, length })
      return capture.readBytes(connId, d, offset, length)
    },
    slice
  )
  return { q, reads, grew: () => version++ }
}

const ids = async (q: ConnectionQuery, filter: string): Promise<number[]> => (await q.page({ offset: 0, limit: 100, filter })).rows.map((r) => r.id)

describe('the text: filter', () => {
  it('finds connections by their payload, in either direction, case ignored', async () => {
    const path = join(dir, 'a.tcap')
    await (await writeCapture(path)).close()
    const file = await FileCapture.open(path)
    try {
      const page = (filter: string) => file.page({ offset: 0, limit: 100, filter })
      expect((await page('text:hello')).rows.map((r) => r.id)).toEqual([1])
      expect((await page('TEXT:pong')).rows.map((r) => r.id)).toEqual([2])
      expect((await page('text:"HTTP/1.1 500"')).rows.map((r) => r.id)).toEqual([4])
      expect((await page('text:GET -text:hello')).rows.map((r) => r.id)).toEqual([4])
      expect((await page('port:6379 -text:ping')).rows.map((r) => r.id)).toEqual([3])
      expect((await page('text:nowhere')).rows).toEqual([])
      // "N of M": how many match, of how many the capture has; a finished scan says nothing more.
      const done = await page('text:http')
      expect([done.total, done.of, done.scan]).toEqual([2, 4, undefined])
    } finally {
      await file.close()
    }
  })

  it('scans a slice per call, says how far it got, and never reads a row twice', async () => {
    const path = join(dir, 'b.tcap')
    await (await writeCapture(path)).close()
    const file = await FileCapture.open(path)
    try {
      // A slice of one byte: each call searches one connection.
      const { q, reads } = queryOver(file, { bytes: 1, ms: 60_000 })
      const progress: Array<[number, number | undefined]> = []
      for (;;) {
        const p = await q.page({ offset: 0, limit: 100, filter: 'text:http' })
        progress.push([p.total, p.scan?.done])
        if (!p.scan) break
        expect(p.scan.of).toBe(4)
      }
      expect(progress).toEqual([
        [1, 1],
        [1, 2],
        [1, 3],
        [2, undefined]
      ])
      const read = reads.length
      // Paging and sorting again: nothing read.
      expect((await q.page({ offset: 1, limit: 1, filter: 'text:http', sort: 'id', descending: true })).rows.map((r) => r.id)).toEqual([1])
      expect(reads.length).toBe(read)
    } finally {
      await file.close()
    }
  })

  it('on a live capture, searches only the bytes a connection added since', async () => {
    const capture = await writeCapture(join(dir, 'c.tcap'))
    try {
      const { q, reads, grew } = queryOver(capture)
      expect(await ids(q, 'text:goodbye')).toEqual([])
      const before = reads.length
      const conn5 = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '10.0.0.1:80' })
      conn5.data('client', Buffer.from('x'.repeat(1000)))
      grew()
      expect(await ids(q, 'text:goodbye')).toEqual([])
      // Only the new connection was read: the others did not change.
      expect(reads.slice(before).map((r) => r.connId)).toEqual([5])
      conn5.data('client', Buffer.from(' GOODBYE'))
      grew()
      const start = reads.length
      expect(await ids(q, 'text:goodbye')).toEqual([5])
      // Read from a little before where the last scan ended (a match may straddle it), not from
      // 0; the regex search also reads the one byte before its start, for `^` and `\b`.
      expect(reads.slice(start).map((r) => [r.connId, r.dir, r.offset])).toEqual([[5, 'client', 1000 - 'goodbye'.length * 4 - 1]])
    } finally {
      await capture.close()
    }
  })

  it('stops when cancelled, with ECANCELED', async () => {
    const path = join(dir, 'd.tcap')
    await (await writeCapture(path)).close()
    const file = await FileCapture.open(path)
    try {
      const controller = new AbortController()
      controller.abort()
      await expect(file.page({ offset: 0, limit: 10, filter: 'text:x' }, controller.signal)).rejects.toMatchObject({ code: 'ECANCELED' })
      expect(commands['conn.page'].cancellable).toBe(true)
    } finally {
      await file.close()
    }
  })

  it('refuses an empty text, saying how to write one', () => {
    expect(() => parseQuery('text:')).toThrow(/^filter text: wants the text to find in the payload, e\.g\. text:GET/)
    expect(parseQuery('-text:"a b" port:1')).toMatchObject({ texts: ['a b'], negated: [true] })
  })
})
