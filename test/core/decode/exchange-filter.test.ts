// The exchange list's filter (exchange.page, `tcpscope show --filter`) says every mistake of
// its words at once, with the word a misspelt one meant, not only the first.
import { describe, expect, it } from 'vitest'
import { ExchangeList } from '../../../src/core/decode/exchange-query'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'

const rows = (filter: string): Uint32Array => new ExchangeList(new ExchangeTable()).rows(filter, 'start', false)

describe('the exchange filter on a bad filter', () => {
  it('names every mistake, the first three in full', () => {
    expect(() => rows('stauts:200 conn:x')).toThrow('the filter has 2 mistakes: (1) unknown filter word "stauts:": did you mean status:?; (2) filter conn:x: conn wants a connection id, e.g. conn:12')
    expect(() => rows('status:abc proto:ftp method:"G T" -colour:red host:')).toThrow(
      /^the filter has 5 mistakes: \(1\) filter status:abc: use a status code, .*; \(2\) filter proto:ftp: in the exchange list, use http, h2, ws or grpc; \(3\) filter method:G T: a method is a word such as GET or POST; and 2 more$/
    )
    // One mistake reads as it always did.
    expect(() => rows('colour:red path:/a')).toThrow('unknown filter word "colour:": use method: host: path: status: type: proto: conn: or plain text')
    expect(rows('status:2xx path:/a')).toEqual(new Uint32Array(0))
  })
})
