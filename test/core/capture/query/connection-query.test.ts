// The connection list's filter words and sorts, over an index of hand-made connections.
import { describe, expect, it } from 'vitest'
import { CaptureIndex } from '../../../../src/core/capture/query/capture-index'
import { ConnectionQuery, parseFilter, parseFlowFilter, parseQuery, type ProtocolFacts } from '../../../../src/core/capture/query/connection-query'
import { DIR_CLIENT, DIR_NONE, DIR_SERVER, RecordType } from '../../../../src/core/capture/format/capture-format'
import type { PeerAddress, SortKey } from '../../../../src/shared/capture-types'
import { formatPeer } from '../../../../src/shared/human-readable'

/** Five connections: kinds, owners, ports, states and byte counts that tell them apart. */
function sample(): CaptureIndex {
  const ix = new CaptureIndex()
  const open = (id: number, kind: string, owner: string, port: number, target: string, at: number): void =>
    ix.add(RecordType.Open, DIR_NONE, id, id * 1000, 0, at, { kind, ownerId: owner, client: { address: '10.0.0.5', port, family: 'IPv4' }, target })
  open(1, 'proxy', 'p1', 50001, '127.0.0.1:6379', 1000)
  open(2, 'proxy', 'p1', 50002, '127.0.0.1:6379', 2000)
  open(3, 'server', 's1', 40003, '0.0.0.0:9000', 3000)
  open(4, 'client', 'c1', 40004, 'Example.COM:80', 4000)
  open(5, 'proxy', 'p2', 50005, '127.0.0.1:8080', 5000)
  ix.add(RecordType.Data, DIR_CLIENT, 1, 1100, 300, 1001, undefined)
  ix.add(RecordType.Data, DIR_SERVER, 2, 2100, 20, 2001, undefined)
  ix.add(RecordType.Data, DIR_CLIENT, 3, 3100, 300, 3001, undefined)
  ix.add(RecordType.Fin, DIR_CLIENT, 5, 5100, 0, 5001, undefined)
  ix.add(RecordType.Close, DIR_NONE, 1, 1200, 0, 1500, { end: 'closed' })
  ix.add(RecordType.Close, DIR_NONE, 2, 2200, 0, 2100, { end: 'client-reset' })
  ix.add(RecordType.Close, DIR_NONE, 3, 3200, 0, 9000, { end: 'server-reset' })
  return ix
}

const ids = async (q: ConnectionQuery, filter?: string, sort?: SortKey, descending?: boolean): Promise<number[]> =>
  (await q.page({ offset: 0, limit: 100, filter, sort, descending })).rows.map((r) => r.id)

describe('connection query', () => {
  const q = new ConnectionQuery(sample(), () => 0)

  it.each<[string, number[]]>([
    ['port:6379', [1, 2]],
    ['port:50005', [5]],
    ['state:reset', [2, 3]],
    ['state:open', [4, 5]],
    ['state:half-closed', [5]],
    ['kind:proxy -state:closed', [2, 5]],
    ['owner:P1', [1, 2]],
    ['id:2-4', [2, 3, 4]],
    ['client:40004', [4]],
    ['target:example.com', [4]],
    ['10.0.0.5:5000', [1, 2, 5]],
    ['"127.0.0.1:6379" state:closed', [1]],
    ['', [1, 2, 3, 4, 5]]
  ])('filter %j matches %j', async (filter, want) => {
    expect(await ids(q, filter || undefined)).toEqual(want)
  })

  it("tells a reset tcpscope made from a peer's, by what made it, and reads an end or cause it does not know as closed, unmarked", async () => {
    const ix = sample()
    const open = (id: number): void => ix.add(RecordType.Open, DIR_NONE, id, id * 1000, 0, id * 1000, { kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:80' })
    for (const id of [6, 7, 8, 9]) open(id)
    ix.add(RecordType.Close, DIR_NONE, 6, 6200, 0, 6500, { end: 'tcpscope-reset', reset: { by: 'toxic', rst: { client: true, server: true } } })
    ix.add(RecordType.Close, DIR_NONE, 7, 7200, 0, 7500, { end: 'tcpscope-reset', reset: { by: 'action', rst: { client: false, server: true } } })
    // A newer tcpscope's end and cause: read as a plain close, with no mark.
    ix.add(RecordType.Close, DIR_NONE, 8, 8200, 0, 8500, { end: 'reset-by-the-moon', reset: { by: 'moon', rst: { client: true } } })
    ix.add(RecordType.Close, DIR_NONE, 9, 9200, 0, 9500, { end: 'tcpscope-reset', reset: { by: 'moon', rst: { client: true } } })
    const q = new ConnectionQuery(ix, () => 0)
    expect(await ids(q, 'state:tcpscope-reset')).toEqual([6, 7, 9])
    expect(await ids(q, 'state:reset')).toEqual([2, 3, 6, 7, 9])
    expect(await ids(q, 'changed:reset')).toEqual([6, 7])
    expect(await ids(q, 'changed:reset:action')).toEqual([7])
    expect(await ids(q, 'changed:yes')).toEqual([6, 7])
    expect(ix.summary(5)).toMatchObject({ id: 6, end: 'tcpscope-reset', changed: { reset: { by: 'toxic', rst: { client: true, server: true } } } })
    expect(ix.summary(6).changed).toEqual({ reset: { by: 'action', rst: { client: false, server: true } } })
    expect(ix.summary(7)).toMatchObject({ id: 8, end: 'closed' })
    expect(ix.summary(7).changed).toBeUndefined()
    expect(ix.summary(8).changed).toBeUndefined()
    // Resets sort together, after the peers'.
    expect(await ids(q, 'state:reset', 'state')).toEqual([2, 3, 6, 7, 9])
  })

  it('says what is wrong with a filter word', () => {
    expect(() => parseFilter('state:asleep')).toThrow(/^filter state:asleep: use one of open, closed/)
    expect(() => parseFilter('port:http')).toThrow('filter port:http: port wants a whole number')
    expect(() => parseFilter('colour:red')).toThrow(/^unknown filter word "colour:"/)
    // Each says what is allowed: the states, an example number, every filter word.
    expect(() => parseFilter('state:bogus')).toThrow('filter state:bogus: use one of open, closed, reset, client-reset, server-reset, tcpscope-reset, failed, connect-failed, error, stopped, cut, saved-open, half-closed')
    expect(() => parseFilter('port:abc')).toThrow('filter port:abc: port wants a whole number, e.g. port:6379')
    expect(() => parseFilter('id:x')).toThrow('filter id:x: id wants a whole number, e.g. id:12 or id:10-20')
    expect(() => parseFilter('changed:maybe')).toThrow(
      'filter changed:maybe: use changed:yes, changed:breakpoint (edited at a breakpoint), changed:rule (by a traffic rule or the script), changed:reset (reset by tcpscope; changed:reset:rule, :breakpoint, :toxic or :action for what made it) or changed:no'
    )
    expect(() => parseFilter('changed:reset:gremlin')).toThrow(/^filter changed:reset:gremlin: use changed:yes/)
    expect(() => parseFilter('colour:red')).toThrow('unknown filter word "colour:": use port: state: kind: owner: id: conn: client: target: replay: tls: sni: via: changed: text: proto: method: host: path: status: type: or plain text')
  })

  it('says every mistake of a filter at once, the first three in full, and the word a misspelt one meant', () => {
    expect(() => parseFilter('stauts:ok port:abc')).toThrow('the filter has 2 mistakes: (1) unknown filter word "stauts:": did you mean status:?; (2) filter port:abc: port wants a whole number, e.g. port:6379')
    expect(() => parseFilter('prt:x state:asleep kind:x id:y tls:maybe 10.0.0.5')).toThrow(
      /^the filter has 5 mistakes: \(1\) unknown filter word "prt:": did you mean port:\?; \(2\) filter state:asleep: use one of open, .*; \(3\) filter kind:x: use proxy, server or client; and 2 more$/
    )
    // A word misspelt twice is one mistake; the good words around them change nothing.
    expect(() => parseFilter('-colour:red state:closed colour:blue')).toThrow(/^unknown filter word "colour:": use port: /)
    expect(() => parseFilter('text: id:q')).toThrow(/^the filter has 2 mistakes: \(1\) filter text: wants the text .*; \(2\) filter id:q: id wants a whole number/)
  })

  // A word before digits that is no filter word is a host and its port, as it always was,
  // however near a number word it is: a saved setup's filter, a toxic's match or a
  // breakpoint's must go on meaning what it meant.
  const HOSTS = ['portal:443', 'report:80', 'import:80', 'relay:25', 'idp:443', 'sid:1', 'ip:80', 'ports:1', 'sport:1', 'redis:6379']
  it.each(HOSTS)('reads %s as a host and its port, in the list and in flight', async (word) => {
    const ix = new CaptureIndex()
    HOSTS.forEach((target, i) => ix.add(RecordType.Open, DIR_NONE, i + 1, (i + 1) * 1000, 0, 1000 + i, { kind: 'proxy', ownerId: 'p1', target }))
    const want = [HOSTS.indexOf(word) + 1]
    expect(await ids(new ConnectionQuery(ix, () => 0), word)).toEqual(want)
    await ix.loadAll()
    const flow = parseFlowFilter(word, 'use port:').predicate!
    expect(HOSTS.map((_, row) => row).filter((row) => flow(ix.fields, row)).map((row) => row + 1)).toEqual(want)
  })

  // The trial's `stauts:200 blah:1`: both read as endpoints, "No connection matches" and not a
  // word on why. The filter is still applied (a host may be called so); an empty list says
  // which word it read with a doubt, and what was likely meant.
  it('says, beside an empty list, the word read as a host that is a near miss of a word taking that number', async () => {
    const page = await q.page({ offset: 0, limit: 100, filter: 'stauts:200 blah:1' })
    expect(page).toMatchObject({ total: 0, rows: [], hints: ['stauts:200 is read as a host and its port: did you mean status:200?'] })
    expect(parseQuery('-stauts:200 prot:1 relay:25 localhost:8080').hints).toEqual(['stauts:200 is read as a host and its port: did you mean status:200?', 'relay:25 is read as a host and its port: did you mean replay:25?'])
    // A list with rows needs no doubt cast on how it was read.
    const ix = new CaptureIndex()
    ix.add(RecordType.Open, DIR_NONE, 1, 1000, 0, 1000, { kind: 'proxy', ownerId: 'p1', target: 'relay:25' })
    const found = await new ConnectionQuery(ix, () => 0).page({ offset: 0, limit: 10, filter: 'relay:25' })
    expect(found.total).toBe(1)
    expect(found.hints).toBeUndefined()
    expect((await q.page({ offset: 0, limit: 100, filter: 'nosuchhost:1' })).hints).toBeUndefined()
  })

  it("says a breakpoint's filter's every mistake, the words it cannot know in flight among them, in the order typed", () => {
    expect(() => parseFlowFilter('port:x method:GET', 'use port:')).toThrow(
      'the filter has 2 mistakes: (1) filter port:x: port wants a whole number, e.g. port:6379; (2) method: needs the connection decoded, which is not known while its bytes pass: use port:'
    )
  })

  it('hands the protocol words to the decoding it is given, which answers them per connection', async () => {
    const asked: string[] = []
    const facts: ProtocolFacts = {
      catchUp: async () => ({ done: 5, of: 5 }),
      wordTest: (key, value) => {
        asked.push(`${key}:${value}`)
        return (connId) => (key === 'proto' ? connId <= 2 : connId % 2 === 0)
      },
      infoTest: () => () => false,
      version: () => 0
    }
    expect(parseQuery('proto:http -method:GET', facts)).toMatchObject({ decoded: true })
    expect(asked).toEqual(['proto:http', 'method:GET'])
    const page = await q.page({ offset: 0, limit: 100, filter: 'proto:http -status:4xx' }, undefined, facts)
    expect(page.rows.map((r) => r.id)).toEqual([1])
    // Without decoding, a protocol word is refused by name rather than taken for an endpoint.
    expect(() => parseFilter('method:GET')).toThrow("filter method: this capture's connections are not decoded")
    expect(() => parseFilter('proto:http')).toThrow("filter proto: this capture's connections are not decoded")
  })

  it('finds a plain word in what the Info column shows, as well as in the endpoints and the owner', async () => {
    // Decoding read "GET /items/7 → 200" on connection 4 only.
    const asked: string[] = []
    const facts: ProtocolFacts = {
      catchUp: async () => ({ done: 5, of: 5 }),
      wordTest: () => () => false,
      infoTest: (text) => {
        asked.push(text)
        return (connId) => connId === 4 && 'get /items/7 → 200'.includes(text)
      },
      version: () => 0
    }
    const withFacts = async (filter: string): Promise<number[]> => (await q.page({ offset: 0, limit: 100, filter }, undefined, facts)).rows.map((r) => r.id)
    expect(parseQuery('items', facts)).toMatchObject({ decoded: true })
    expect(await withFacts('/ITEMS/7')).toEqual([4])
    expect(asked).toContain('/items/7')
    expect(await withFacts('-items')).toEqual([1, 2, 3, 5])
    // Endpoints and owners still match, decoded or not.
    expect(await withFacts('6379')).toEqual([1, 2])
    expect(await withFacts('p2')).toEqual([5])
    // Without decoding a plain word is one of the index's, as before.
    expect(parseQuery('items')).toMatchObject({ decoded: false })
    expect(await ids(q, 'items')).toEqual([])
  })

  it('answers tls: and sni: from the index, and from the hello decoding read when it is given', async () => {
    const asked: string[] = []
    const facts: ProtocolFacts = {
      catchUp: async () => ({ done: 5, of: 5 }),
      // Decoding found a TLS hello on connection 3 only, for pass.example.
      wordTest: (key, value) => {
        asked.push(`${key}:${value}`)
        return (connId) => connId === 3 && (key === 'tls' || 'pass.example'.includes(value))
      },
      infoTest: () => () => false,
      version: () => 0
    }
    expect(parseQuery('tls:yes', facts)).toMatchObject({ decoded: true })
    // Without decoding they are still words of the index (no connection here has tls records).
    expect(parseQuery('tls:yes sni:x')).toMatchObject({ decoded: false })
    expect(await ids(q, 'tls:yes')).toEqual([])
    const withFacts = async (filter: string): Promise<number[]> => (await q.page({ offset: 0, limit: 100, filter }, undefined, facts)).rows.map((r) => r.id)
    expect(await withFacts('tls:yes')).toEqual([3])
    expect(await withFacts('tls:no')).toEqual([1, 2, 4, 5])
    expect(await withFacts('sni:PASS')).toEqual([3])
    expect(await withFacts('sni:other')).toEqual([])
    expect(asked).toContain('sni:pass')
  })

  it.each<[SortKey, boolean, number[]]>([
    ['sent', true, [1, 3, 2, 4, 5]],
    ['sent', false, [2, 4, 5, 1, 3]],
    ['duration', false, [2, 1, 3, 5, 4]],
    ['state', false, [4, 5, 1, 2, 3]],
    ['target', false, [3, 1, 2, 5, 4]],
    ['owner', true, [3, 5, 1, 2, 4]]
  ])('sorts by %s (descending %s), ties in id order', async (sort, descending, want) => {
    expect(await ids(q, undefined, sort, descending)).toEqual(want)
  })

  it('pages the sorted list, with the total', async () => {
    const page = await q.page({ offset: 1, limit: 2, sort: 'sent', descending: true })
    expect({ total: page.total, ids: page.rows.map((r) => r.id) }).toEqual({ total: 5, ids: [3, 2] })
  })
})

describe('text over endpoints', () => {
  // The filter finds text in peers without writing each one out; it must find exactly what
  // a search of the written-out peer finds.
  const peers: Array<PeerAddress | undefined> = [
    { address: '127.0.0.1', port: 50001, family: 'IPv4' },
    { address: '10.20.30.4', port: 80, family: 'IPv4' },
    { address: '::1', port: 6379, family: 'IPv6' },
    { address: 'fe80::1:2', port: 443, family: 'IPv6' },
    { path: '/tmp/redis.sock' },
    undefined
  ]
  const ix = new CaptureIndex()
  peers.forEach((client, i) => ix.add(RecordType.Open, DIR_NONE, i + 1, i * 100, 0, i, { kind: 'proxy', ownerId: 'p', client, target: 't' }))
  const q = new ConnectionQuery(ix, () => 0)
  const texts = ['127', '.0.1:5', '1:50001', ':80', '80', '4:8', '0.1:', '[::1]', '::1', ':1]:63', ']:443', '1:2', 'redis', '/tmp/r', '-', '1:2:3', 'x']

  it.each(texts)('client:%j finds what a search of the written peer finds', async (text) => {
    const want = peers.flatMap((p, i) => (formatPeer(p).includes(text) ? [i + 1] : []))
    expect(await ids(q, `client:"${text}"`)).toEqual(want)
  })
})
