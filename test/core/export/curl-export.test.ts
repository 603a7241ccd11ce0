// "Copy as curl", checked by running it: requests made by real clients (curl, Node's http)
// go through the proxy to a server that keeps the raw bytes of every connection; the
// exported command is run with bash, and the server must get exactly the bytes of the
// captured request again (request line, header lines in their case and order, body).
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { Agent, request, createServer, type Server } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { proxiedPair, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { needPeer } from '../../helpers/peers'
import { waitFor } from '../../helpers/net'
import { BINARY_BODY, curl, run } from './export-traffic'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** An HTTP server that answers every request with `ok` and keeps each connection's raw bytes. */
async function rawRecorder(): Promise<{ server: Server; port: number; received: Buffer[][]; bodies: Buffer[] }> {
  const received: Buffer[][] = []
  const bodies: Buffer[] = []
  const server = createServer((req, res) => {
    const body: Buffer[] = []
    req.on('data', (c: Buffer) => body.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(body))
      res.end('ok')
    })
  })
  server.on('connection', (s: Socket) => {
    const chunks: Buffer[] = []
    received.push(chunks)
    s.on('data', (c: Buffer) => chunks.push(c))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))))
  return { server, port: (server.address() as { port: number }).port, received, bodies }
}

/** The bytes of the captured request: its head and its body, as the client sent them. */
async function capturedRequest(connId: number, exchange: number): Promise<Buffer> {
  const page = await t.engine['http.exchanges']({ capture: 'live', connId, from: exchange, limit: 1 })
  const req = page.exchanges[0].request!
  const end = req.body.framing === 'none' ? req.headRange.offset + req.headRange.length : req.body.range.offset + req.body.range.length
  return t.engine.capture.readBytes(connId, 'client', req.startRange.offset, end - req.startRange.offset)
}

/** The request with its Host line moved up to be the first header: curl always sends Host first (the command says so). */
function hostFirst(request: Buffer): Buffer {
  const text = request.toString('latin1')
  const headEnd = text.indexOf('\r\n\r\n')
  const [start, ...headers] = text.slice(0, headEnd).split('\r\n')
  const host = headers.findIndex((h) => /^host:/i.test(h))
  if (host > 0) headers.unshift(...headers.splice(host, 1))
  return Buffer.from([start, ...headers].join('\r\n') + text.slice(headEnd), 'latin1')
}

/** Exports exchange `exchange` of `connId` as curl, runs it, and returns what the server got. */
async function replay(recorder: { received: Buffer[][] }, connId: number, exchange: number): Promise<{ command: string; got: Buffer }> {
  const result = await t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [connId], exchange })
  const command = result.text!
  const before = recorder.received.length
  await run('bash', ['-c', command], { timeout: 20_000 })
  const chunks = await waitFor(() => recorder.received[before], 'the replayed connection')
  // The command is the product: no download is kept for it.
  expect(result.download).toBeUndefined()
  return { command, got: Buffer.concat(chunks) }
}

describe('curl export', () => {
  it('sends the same bytes again: method, target, header lines in case and order, a binary body', async (ctx) => {
    if (!needPeer('curl', 'bash')) return ctx.skip()
    t = await testEngine()
    const recorder = await rawRecorder()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    const base = `http://${proxy.listen}`
    const body = join(t.dir, 'body.bin')
    await writeFile(body, Buffer.concat([BINARY_BODY, Buffer.from("it's 100% \\ 'quoted' $HOME `x`")]))
    await curl(['--data-binary', `@${body}`, '-X', 'PUT', '-H', 'X-Mixed-Case: Value  with  spaces', '-H', 'x-lower:no-space', '-H', 'Content-Type: application/octet-stream', `${base}/up/../load?q=a%20b&r=$x`, '--path-as-is'])
    await curl(['--http1.0', '-H', 'Accept:', '-H', 'User-Agent:', `${base}/old`])
    await curl(['-I', `${base}/head`])
    // Node's client writes its headers in its own order. Its own keep-alive agent, let go of
    // once answered: the global one kept the connection open until the server's keep-alive
    // timeout (5 s), which the wait for four closed connections sat out.
    const agent = new Agent({ keepAlive: true })
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/node`, { method: 'POST', agent, headers: { 'X-First': '1', 'content-length': '5' } }, (res) => res.resume().on('end', resolve))
      req.on('error', reject)
      req.end('hello')
    })
    agent.destroy()
    const conns = await closedConnections(t.engine, 4)
    for (const c of conns) {
      const { command, got } = await replay(recorder, c.id, 0)
      const captured = await capturedRequest(c.id, 0)
      expect(got.toString('latin1'), command).toBe(hostFirst(captured).toString('latin1'))
      if (!hostFirst(captured).equals(captured)) expect(command).toMatch(/^# curl sends Host first/)
    }
  })

  it('sends a chunked body as curl chunks it: the same head and the same content', async (ctx) => {
    if (!needPeer('curl', 'bash')) return ctx.skip()
    t = await testEngine()
    const recorder = await rawRecorder()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    const body = join(t.dir, 'body.bin')
    await writeFile(body, BINARY_BODY)
    await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', `@${body}`, `http://${proxy.listen}/chunked`])
    const [conn] = await closedConnections(t.engine, 1)
    const { command, got } = await replay(recorder, conn.id, 0)
    expect(command).toMatch(/^# curl cuts the body into chunks its own way/m)
    const captured = await capturedRequest(conn.id, 0)
    const head = (b: Buffer): string => b.toString('latin1').slice(0, b.indexOf('\r\n\r\n') + 4)
    expect(head(got)).toBe(head(captured))
    expect(recorder.bodies.at(-1)).toEqual(BINARY_BODY)
  })

  it('refuses what it cannot export as one curl command, in one line', async () => {
    t = await testEngine()
    await expect(t.engine['capture.export']({ capture: 'live', format: 'curl', exchange: 0 })).rejects.toThrow(/name exactly one connection/)
    await expect(t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [7], exchange: 0 })).rejects.toThrow(/no connection #7/)
    // A connection that is not HTTP (a menu offers curl before decoding has looked at it).
    const pair = await proxiedPair(t.engine)
    pair.client.end('PING hello\r\n')
    pair.serverSide.end()
    const [conn] = await closedConnections(t.engine, 1)
    await pair.close()
    await expect(t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [conn.id], exchange: 0 })).rejects.toThrow(
      /^connection #1 carries no HTTP request \(it reads as raw\); curl is for HTTP connections$/
    )
  })
})
