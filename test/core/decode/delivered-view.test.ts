// An exchange as its receivers got it (http.delivered) and a replay of the request as the
// target got it (replay.http with as: 'delivered'), from real traffic through a proxy with
// traffic rules: a mock (the client got the rule's answer, the target nothing), a rewritten
// JSON request (the target got the rewrite, and a replay as delivered sends it again), a
// rewritten gzip response (read decoded, as the client got it) and an exchange no rule
// touched (nothing delivered differs).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { hasProgram, needProgram } from '../../helpers/peers'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'
import type { ConnectionSummary } from '../../../src/shared/capture-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')

let t: TestEngine
let server: Server
let seen: Array<{ url: string; body: string; headers: Record<string, unknown> }>
let proxyPort: number
let backend: number

beforeEach(async () => {
  t = await testEngine()
  seen = []
  server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const body = Buffer.concat(parts).toString()
      seen.push({ url: req.url!, body, headers: req.headers })
      if (req.url === '/api/price') {
        const gz = gzipSync(JSON.stringify({ item: 'tea', price: 42 }))
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length })
        res.end(gz)
      } else if (req.url === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(body)
      } else res.end(`backend ${req.method} ${req.url}`)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  backend = (server.address() as { port: number }).port
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${backend}` })
  proxyPort = portOf(proxy.listen)
  const rules: RuleSpec[] = [
    { name: 'mock the user', match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { status: 201, headers: { 'content-type': 'application/json' }, body: '{"name":"from-rule"}' } }] },
    { name: 'make admin', match: { http: { method: 'POST', path: '/echo' } }, steps: [{ rewrite: { request: { headers: { 'x-seen': 'rule' }, json: { '$.role': 'admin' } } } }] },
    { name: 'free things', match: { http: { path: '/api/price' } }, steps: [{ rewrite: { response: { headers: { 'x-rewritten': 'yes' }, json: { '$.price': 0 } } } }] }
  ]
  await t.engine['rules.set']({ proxyId: proxy.id, rules })
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await t.dispose()
})

const curl = (...args: string[]): Promise<{ stdout: string }> => run('curl', ['-sS', '--max-time', '10', ...args])
const url = (path: string): string => `http://127.0.0.1:${proxyPort}${path}`
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array(0)).toString()
const header = (hs: Array<{ name: string; value: string }>, name: string): string | undefined => hs.find((h) => h.name.toLowerCase() === name)?.value

/** One connection per request: a mock, a rewritten request, a rewritten gzip response, one untouched. */
async function traffic(): Promise<Record<string, ConnectionSummary>> {
  expect((await curl(url('/api/user'))).stdout).toBe('{"name":"from-rule"}')
  expect((await curl('-H', 'content-type: application/json', '-d', '{"name":"bob"}', url('/echo'))).stdout).toBe('{"name":"bob","role":"admin"}')
  expect(JSON.parse((await curl('--compressed', url('/api/price'))).stdout)).toEqual({ item: 'tea', price: 0 })
  expect((await curl(url('/plain'))).stdout).toBe('backend GET /plain')
  const conns = (await closedConnections(t.engine, 4)).sort((a, b) => a.id - b.id)
  return { mock: conns[0], echo: conns[1], price: conns[2], plain: conns[3] }
}

describe('an exchange as delivered', () => {
  it('shows the mock, the rewritten request and the rewritten gzip response as their receivers got them', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const c = await traffic()
    const delivered = (conn: ConnectionSummary) => t.engine['http.delivered']({ capture: 'live', connId: conn.id, exchange: 0 })

    const mock = await delivered(c.mock)
    expect(mock.local).toBe(true)
    expect(mock.request).toBeUndefined()
    expect(mock.response?.message.status).toBe(201)
    expect(text(mock.response?.body)).toBe('{"name":"from-rule"}')
    expect(mock.response?.content.form).toBe('json')
    expect(mock.notes.join(' ')).toContain('mock the user')

    const echo = await delivered(c.echo)
    expect(echo.local).toBe(false)
    expect(echo.request?.message.method).toBe('POST')
    expect(header(echo.request!.message.headers, 'x-seen')).toBe('rule')
    expect(JSON.parse(text(echo.request?.body))).toEqual({ name: 'bob', role: 'admin' })
    // what the target got is what the record says it got
    expect(JSON.parse(seen.find((s) => s.url === '/echo')!.body)).toEqual(JSON.parse(text(echo.request?.body)))
    expect(echo.response).toBeUndefined()

    const price = await delivered(c.price)
    expect(price.request).toBeUndefined()
    expect(header(price.response!.message.headers, 'x-rewritten')).toBe('yes')
    expect(header(price.response!.message.headers, 'content-encoding')).toBe('gzip')
    // as delivered the body is gzip; its content reads decoded
    expect(price.response!.content.codings).toEqual(['gzip'])
    expect(JSON.parse(text(price.response!.content.bytes))).toEqual({ item: 'tea', price: 0 })

    const plain = await delivered(c.plain)
    expect(plain).toEqual({ notes: [], local: false })
    await expect(t.engine['http.delivered']({ capture: 'live', connId: c.plain.id, exchange: 3 })).rejects.toThrow(/has no exchange 3/)
  })

  it('replays a request as the target got it, or as the client sent it, and refuses one that never reached the target', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const c = await traffic()
    seen = []
    const target = `127.0.0.1:${backend}`
    const asSent = await t.engine['replay.http']({ capture: 'live', connId: c.echo.id, exchange: 0, target, record: false })
    const asDelivered = await t.engine['replay.http']({ capture: 'live', connId: c.echo.id, exchange: 0, target, as: 'delivered', record: false })
    expect(asSent.first?.response?.status).toBe(200)
    expect(asDelivered.first?.response?.status).toBe(200)
    expect(seen.map((s) => JSON.parse(s.body) as unknown)).toEqual([{ name: 'bob' }, { name: 'bob', role: 'admin' }])
    expect(seen[1].headers['x-seen']).toBe('rule')
    expect(seen[0].headers['x-seen']).toBeUndefined()
    // as delivered, the replayed response is the recorded one: the server echoed what it got
    expect(asDelivered.first?.matched).toBe(true)
    // no rule changed it: as delivered is as sent
    await t.engine['replay.http']({ capture: 'live', connId: c.plain.id, exchange: 0, target, as: 'delivered', record: false })
    expect(seen.at(-1)?.url).toBe('/plain')
    await expect(t.engine['replay.http']({ capture: 'live', connId: c.mock.id, exchange: 0, target, as: 'delivered', record: false })).rejects.toThrow(
      /never reached the target.*replay it as the client sent it/
    )
  })
})
