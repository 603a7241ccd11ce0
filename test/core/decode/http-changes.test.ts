// http.changes: what a rule changed of each exchange of a connection, a page at a time, without
// reading what was delivered — what `tcpscope show` asks once a page instead of http.delivered
// once an exchange. Real traffic: 300 requests pipelined on one connection through a proxy
// whose rule rewrites every other one; each page's facts must say what http.delivered says of
// the same exchange, and nothing of the exchanges no rule touched.
import { afterEach, describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { portOf, testEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { connectTo } from '../../helpers/net'

const N = 300
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('http.changes', () => {
  it('says per exchange, a page at a time, what http.delivered says, on one connection of 300 exchanges', async () => {
    const server = createServer((req, res) => res.end(`seen ${req.url} ${req.headers['x-tagged'] ?? '-'}`))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => void server.close())
    const t = await testEngine()
    cleanups.push(t.dispose)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
    await t.engine['rules.set']({ proxyId: proxy.id, rules: [{ name: 'tag', match: { http: { path: { prefix: '/tag/' } } }, steps: [{ rewrite: { request: { headers: { 'x-tagged': 'yes' } } } }] }] })

    const client = await connectTo(portOf(proxy.listen))
    let got = ''
    client.on('data', (c: Buffer) => (got += c.toString('latin1')))
    const requests = Array.from({ length: N }, (_, i) => `GET /${i % 2 === 0 ? 'tag' : 'plain'}/${i} HTTP/1.1\r\nHost: x\r\n${i === N - 1 ? 'Connection: close\r\n' : ''}\r\n`)
    client.end(requests.join(''))
    await once(client, 'close')
    expect(got.match(/seen \/tag\/\d+ yes/g)).toHaveLength(N / 2)
    const [conn] = await closedConnections(t.engine, 1)

    const facts = []
    for (let from = 0; from < N; ) {
      const page = await t.engine['http.changes']({ capture: 'live', connId: conn.id, from, limit: 64 })
      expect(page).toMatchObject({ from, total: N })
      facts.push(...page.exchanges)
      from += page.exchanges.length
      if (page.exchanges.length === 0) break
    }
    expect(facts).toHaveLength(N)
    for (const i of [0, 1, 2, 127, 128, 254, N - 2, N - 1]) {
      const d = await t.engine['http.delivered']({ capture: 'live', connId: conn.id, exchange: i })
      expect(facts[i].notes, `exchange ${i}`).toEqual(d.notes)
      expect(facts[i].request === true, `exchange ${i}`).toBe(d.request !== undefined)
      expect(facts[i].request === true, `exchange ${i}`).toBe(i % 2 === 0)
      expect(facts[i].response, `exchange ${i}`).toBeUndefined()
    }
    expect(facts.filter((f) => f.notes.length > 0)).toHaveLength(N / 2)
  })
})
