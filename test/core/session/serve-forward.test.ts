// A forward step on a server session (`serve --rules`) over HTTP/1: the request goes to a real
// Node http server and its answer comes back to the client, the forward's connection is
// recorded as a connection of its own (owner `rules`), its record names no target (a server
// session has none), and a request no rule answers still gets the session's 404.
import http from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, listen, waitFor } from '../../helpers/net'
import { captured, closedSummary, eventsOf } from '../../helpers/sessions'

let t: TestEngine
let backend: http.Server
let backendPort: number
let backendSaw: string[]

beforeEach(async () => {
  t = await testEngine()
  backendSaw = []
  backend = http.createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      backendSaw.push(`${req.method} ${req.url}`)
      const body = `backend saw ${req.method} ${req.url} at ${req.headers.host} (${Buffer.concat(parts).length} bytes)`
      res.writeHead(201, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-from': 'backend' })
      res.end(body)
    })
  })
  backendPort = await listen(backend)
})
afterEach(async () => {
  backend.closeAllConnections()
  await new Promise((r) => backend.close(r))
  await t.dispose()
})

describe('forward on a server session (HTTP/1)', () => {
  it('sends the request to another server and answers with its response; what no rule answers gets 404', async () => {
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    await t.engine['rules.set']({ proxyId: server.id, rules: [{ name: 'to the backend', match: { http: { path: '/api/*' } }, steps: [{ forward: { to: `http://127.0.0.1:${backendPort}` } }] }] })
    const socket = await connectTo(portOf(server.listen))
    let got = ''
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
    socket.write('POST /api/items HTTP/1.1\r\nhost: mock.test\r\ncontent-length: 5\r\n\r\nhelloGET /nope HTTP/1.1\r\nhost: mock.test\r\n\r\n')
    await waitFor(() => got.includes('no rule answers this request.'), 'both answers')
    socket.destroy()

    // The backend's answer first (in its request's turn), then the session's 404.
    const [forwarded, rest] = got.split(/(?=HTTP\/1\.1 404)/)
    expect(forwarded).toMatch(/^HTTP\/1\.1 201 Created\r\n/)
    expect(forwarded).toMatch(/\r\nx-from: backend\r\n/i)
    expect(forwarded.endsWith('\r\n\r\nbackend saw POST /api/items at mock.test (5 bytes)')).toBe(true)
    expect(rest).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/)
    expect(rest.endsWith('no rule answers this request.\r\n')).toBe(true)
    expect(backendSaw).toEqual(['POST /api/items'])

    // The forward's connection is its own: the rules', to the backend, with what it was sent and answered.
    const [fwd] = await waitFor(() => {
      const c = t.engine.capture.connections().filter((x) => x.ownerId === 'rules')
      return c.length > 0 && c
    }, 'the forward connection')
    await closedSummary(t.engine, fwd.id)
    expect(fwd.target).toBe(`127.0.0.1:${backendPort}`)
    expect((await captured(t.engine, fwd.id, 'client')).toString('latin1')).toBe('POST /api/items HTTP/1.1\r\nhost: mock.test\r\ncontent-length: 5\r\n\r\nhello')
    expect((await captured(t.engine, fwd.id, 'server')).toString('latin1')).toMatch(/^HTTP\/1\.1 201 Created\r\n[\s\S]*backend saw POST \/api\/items at mock\.test \(5 bytes\)$/)

    // The session's record says where the request went, and names no target.
    const [conn] = t.engine.capture.connections().filter((c) => c.kind === 'server')
    const rules = async (): Promise<unknown[]> => (await eventsOf(t.engine, conn.id)).filter((e) => e.kind === 'rule').map((e) => e.info?.message)
    await expect.poll(rules).toEqual([`sent POST /api/items to http://127.0.0.1:${backendPort}`])
  })
})
