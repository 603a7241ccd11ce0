// A raw replay of a whole HTTP/2 connection (its client turns, byte for byte) against a
// deterministic server: Node's http2 server answers the same requests the same way, both
// HPACK contexts start empty, so the replayed connection is HTTP/2 again with the same
// exchanges, each answered. (Against a server whose SETTINGS or answers differ, the recorded
// client bytes no longer fit: docs/http2-grpc.md says so.)
import { afterEach, describe, expect, it } from 'vitest'
import http2 from 'node:http2'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { listen } from '../../helpers/net'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

describe('raw replay of an HTTP/2 connection', () => {
  it('sends the recorded client turns again and the server answers them as HTTP/2', async () => {
    t = await testEngine()
    const te = t
    const server = http2.createServer()
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' })
      stream.end(`answer to ${headers[':path']}`)
    })
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    const session = http2.connect(`http://127.0.0.1:${portOf(proxy.listen)}`)
    for (const path of ['/one', '/two']) {
      const req = session.request({ ':path': path })
      req.end()
      req.resume()
      await new Promise((r) => req.once('close', r))
    }
    await new Promise<void>((r) => session.close(() => r()))
    await expect.poll(() => te.engine.capture.connections().every((c) => c.end !== 'open')).toBe(true)
    const [original] = te.engine.capture.connections()

    const result = await te.engine['replay.raw']({ capture: 'live', connId: original.id, strategy: 'turns', timeoutMs: 1000 })
    expect(result.connId).toBeDefined()
    const replayed = await te.engine['http.exchanges']({ capture: 'live', connId: result.connId! })
    expect(replayed.protocol).toBe('http2')
    expect(replayed.problems).toEqual([])
    expect(replayed.exchanges.map((e) => [e.stream, e.request?.target, e.response?.status, e.state])).toEqual([
      [1, '/one', 200, 'complete'],
      [3, '/two', 200, 'complete']
    ])
    const body = await te.engine['http.body']({ capture: 'live', connId: result.connId!, exchange: 1, part: 'response', offset: 0, length: 100 })
    expect(Buffer.from(body.bytes).toString()).toBe('answer to /two')
  })
})
