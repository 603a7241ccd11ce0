// The exchange list's filter (exchange.page, `tcpscope show --filter`) says every mistake of
// its words at once, with the word a misspelt one meant, not only the first; and it reads a
// host and its port (`localhost:18443`) as the connection list does, a near miss of a word
// (`stauts:200`) among them, with a hint.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ExchangeBatch, ExchangeBatchWriter } from '../../../src/core/decode/exchange-batch'
import { ExchangeList, parseExchangeFilter } from '../../../src/core/decode/exchange-query'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'
import type { HttpExchange, HttpMessage } from '../../../src/shared/protocol-types'
import { testEngine } from '../../helpers/engine'
import { writeHttpCapture } from '../../helpers/sample-capture'

const rows = (filter: string): Uint32Array => new ExchangeList(new ExchangeTable()).rows(filter, 'start', false)

const message = (fields: Partial<HttpMessage>): HttpMessage =>
  ({ dir: 'client', startLine: '', version: 'HTTP/1.1', headers: [], startRange: { dir: 'client', offset: 0, length: 1 }, headRange: { dir: 'client', offset: 0, length: 1 }, body: { framing: 'none', range: { dir: 'client', offset: 1, length: 0 }, size: 0, complete: true }, startedAt: 0, ...fields }) as HttpMessage

/** A table of one GET a connection, each to the host its Host header names. */
function table(hosts: string[]): ExchangeTable {
  const t = new ExchangeTable()
  hosts.forEach((host, i) => {
    const ex: HttpExchange = {
      index: 0,
      request: message({ method: 'GET', target: '/status/200', headers: [{ name: 'Host', value: host, range: { dir: 'client', offset: 0, length: 1 } }], startedAt: i }),
      response: message({ dir: 'server', status: 200, startedAt: i + 0.5 }),
      informational: [],
      state: 'complete'
    }
    const w = new ExchangeBatchWriter()
    w.add(ex)
    t.put(i + 1, new ExchangeBatch(w.pack()), 0)
  })
  return t
}

describe('the exchange filter on a bad filter', () => {
  it('names every mistake, the first three in full', () => {
    expect(() => rows('stauts:4xx conn:x')).toThrow('the filter has 2 mistakes: (1) unknown filter word "stauts:": did you mean status:?; (2) filter conn:x: conn wants a connection id, e.g. conn:12')
    expect(() => rows('status:abc proto:ftp method:"G T" -colour:red host:')).toThrow(
      /^the filter has 5 mistakes: \(1\) filter status:abc: use a status code, .*; \(2\) filter proto:ftp: in the exchange list, use http, h2, ws or grpc; \(3\) filter method:G T: a method is a word such as GET or POST; and 2 more$/
    )
    // One mistake reads as it always did.
    expect(() => rows('colour:red path:/a')).toThrow('unknown filter word "colour:": use method: host: path: status: type: proto: conn: or plain text')
    expect(rows('status:2xx path:/a')).toEqual(new Uint32Array(0))
  })
})

describe('the exchange filter on a host and its port', () => {
  const t = table(['localhost:18443', 'example.com', 'api.example.com:8443', 'stauts:200'])
  const conns = (filter: string): number[] => Array.from(new ExchangeList(t).rows(filter, 'conn', false), (row) => t.conn(row))

  it('takes HOST:PORT as the connection list does, a default port also where the request named none', () => {
    expect(conns('localhost:18443')).toEqual([1])
    expect(conns('LOCALHOST:18443 status:200')).toEqual([1])
    expect(conns('-localhost:18443')).toEqual([2, 3, 4])
    // Clients leave out :443 and :80 from Host.
    expect(conns('example.com:443')).toEqual([2])
    expect(conns('example.com:80')).toEqual([2])
    expect(conns('example.com:8443')).toEqual([3])
    expect(conns('localhost:')).toEqual([1])
  })

  it('reads a near miss of a word before a number as a host too, with a hint; a host so called is found', () => {
    expect(parseExchangeFilter('stauts:200 localhost:18443')).toMatchObject({ hints: ['stauts:200 is read as a host and its port: did you mean status:200?'] })
    expect(parseExchangeFilter('localhost:18443 path:/x').hints).toEqual([])
    expect(conns('stauts:200')).toEqual([4])
  })
})

describe("the lists' pages on a word read with a doubt", () => {
  it('say beside an empty page what a near miss was likely meant as, in the Exchanges list and the connection list alike', async () => {
    const t = await testEngine()
    try {
      const path = join(t.dir, 'hosts.tcap')
      await writeHttpCapture(path, [{ target: 'localhost:18443', host: 'localhost:18443' }])
      const { id } = await t.engine['capture.open']({ path })
      const exchanges = async (filter: string) => {
        let page = await t.engine['exchange.page']({ capture: id, filter, offset: 0, limit: 10 })
        while (page.scan) page = await t.engine['exchange.page']({ capture: id, filter, offset: 0, limit: 10 })
        return page
      }
      const hint = 'stauts:200 is read as a host and its port: did you mean status:200?'
      expect(await exchanges('stauts:200 blah:1')).toMatchObject({ total: 0, hints: [hint] })
      expect(await exchanges('localhost:18443')).toMatchObject({ total: 1 })
      expect((await exchanges('localhost:18443')).hints).toBeUndefined()
      expect(await t.engine['conn.page']({ capture: id, filter: 'stauts:200 blah:1', offset: 0, limit: 10 })).toMatchObject({ total: 0, hints: [hint] })
    } finally {
      await t.dispose()
    }
  })
})
