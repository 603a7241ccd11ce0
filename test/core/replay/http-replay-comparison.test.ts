// The engine's HTTP replay results carry the one comparison (header rule, decoded body) for
// every front end: replay.http names a changed JSON value of a chunked gzip answer and does
// not count the headers replay.http's ignoreHeaders names, replay.sequence does the same per
// request, and count's first run carries it.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { closedConnections } from '../../helpers/capture-checks'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { nodeRequest } from './http-replay-peers'

interface Peer {
  server: Server
  port: number
  served: number
}

/** Answers with chunked gzip JSON ({ n, fixed }) and an X-Served header, both counting requests. */
async function countingServer(): Promise<Peer> {
  const peer: Peer = { server: createServer(), port: 0, served: 0 }
  peer.server.on('request', (req, res) => {
    req.resume()
    req.on('end', () => {
      peer.served++
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'X-Served': String(peer.served) })
      // Two writes: a chunked body of two chunks.
      const gzip = gzipSync(JSON.stringify({ n: peer.served, fixed: 'same' }))
      res.write(gzip.subarray(0, 5))
      res.end(gzip.subarray(5))
    })
  })
  peer.server.listen(0, '127.0.0.1')
  await once(peer.server, 'listening')
  peer.port = (peer.server.address() as { port: number }).port
  return peer
}

let t: TestEngine | undefined
let peer: Peer | undefined
afterEach(async () => {
  peer?.server.closeAllConnections()
  await new Promise<void>((resolve) => (peer ? peer.server.close(() => resolve()) : resolve()))
  await t?.dispose()
  t = peer = undefined
})

/** One request recorded through the proxy: its connection's id. */
async function recorded(): Promise<{ t: TestEngine; connIds: number[] }> {
  t = await testEngine()
  peer = await countingServer()
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${peer.port}` })
  await nodeRequest(proxy.listen, '/n')
  const conns = await closedConnections(t.engine, 1)
  return { t, connIds: conns.map((c) => c.id) }
}

/** Two requests on one keep-alive connection, recorded through the proxy: its id. */
async function recordedKeepAlive(): Promise<{ t: TestEngine; connId: number }> {
  t = await testEngine()
  peer = await countingServer()
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${peer.port}` })
  const socket = connect(portOf(proxy.listen), '127.0.0.1')
  socket.end('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  socket.resume()
  await once(socket, 'close')
  const [conn] = await closedConnections(t.engine, 1)
  return { t, connId: conn.id }
}

describe('HTTP replay comparison', () => {
  it('names the JSON value that changed in a chunked gzip answer, and counts no header the caller ignores', async () => {
    const { t, connIds } = await recorded()
    const plain = await t.engine['replay.http']({ capture: 'live', connId: connIds[0], exchange: 0 })
    expect(plain.first!.differences).toEqual(['header X-Served: "1" → "2"', 'body $.n: 1 → 2'])
    const ignoring = await t.engine['replay.http']({ capture: 'live', connId: connIds[0], exchange: 0, ignoreHeaders: ['x-served'] })
    expect(ignoring.first!.differences).toEqual(['body $.n: 1 → 3'])
    const rows = ignoring.first!.comparison!.headers.rows
    expect(rows.find((r) => r.name === 'X-Served')).toEqual({ name: 'X-Served', recorded: ['1'], replayed: ['3'], change: 'changed', ignored: 'rule' })
    expect(rows.find((r) => r.name === 'Transfer-Encoding')).toMatchObject({ change: 'same', ignored: 'framing' })
    expect(ignoring.first!.response!.content).toMatchObject({ form: 'json', codings: ['gzip'] })
  })

  it('compares each response of a keep-alive sequence the same way', async () => {
    const { t, connId } = await recordedKeepAlive()
    const seq = await t.engine['replay.sequence']({ capture: 'live', requests: [0, 1].map((exchange) => ({ connId, exchange })), ignoreHeaders: ['X-Served'] })
    expect(seq.results.map((r) => r.differences)).toEqual([['body $.n: 1 → 3'], ['body $.n: 2 → 4']])
  })

  it("gives --count's first run the comparison, and counts every run by it", async () => {
    const { t, connIds } = await recorded()
    const { first, summary } = await t.engine['replay.http']({ capture: 'live', connId: connIds[0], exchange: 0, count: 3, concurrency: 2, ignoreHeaders: ['x-served'] })
    expect(summary).toMatchObject({ count: 3, matched: 0, errors: 0 })
    expect(first!.comparison!.body).toMatchObject({ kind: 'json', differs: true, changes: [{ path: '$.n', recorded: '1' }] })
  })
})
