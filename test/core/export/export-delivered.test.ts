// HAR and curl exported as sent and as delivered, of real traffic through a proxy with
// traffic rules: a mock (alone, and between two real requests on one keep-alive
// connection), a rewritten request and a rewritten gzip response. As sent, each side's
// messages as captured, a mocked request with the answer tcpscope sent in the target's place
// (the target sent none) and a comment naming its rule; as delivered, what the receivers got,
// each changed entry naming its rule, and the log saying which. Both validate as HAR 1.2. The curl command of a rewritten
// request, run against the server, sends what the server saw through the proxy. A record
// over 1 MiB (its SHA-256 only) keeps what was sent, and says why. On HTTP/2 a mock's answer
// and a forward's read from their records; an edited header block that refers to the HPACK
// table does not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { har as validateHar } from 'har-validator'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { hasProgram, needProgram } from '../../helpers/peers'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'
import type { ConnectionSummary } from '../../../src/shared/capture-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')

interface Entry {
  request: { method: string; url: string; headers: Array<{ name: string; value: string }>; postData?: { text: string } }
  response: { status: number; headers: Array<{ name: string; value: string }>; content: { text?: string; size: number; comment?: string } }
  connection: string
  comment?: string
}
interface Har {
  log: { comment?: string; entries: Entry[] }
}

let t: TestEngine
let server: Server
let seen: Array<{ url: string; body: string; headers: Record<string, unknown> }>
let proxyPort: number

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
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end('x'.repeat(1536 * 1024))
      } else if (req.url === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(body)
      } else res.end(`backend ${req.method} ${req.url}`)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
  proxyPort = portOf(proxy.listen)
  const rules: RuleSpec[] = [
    { name: 'mock the user', match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"from-rule"}' } }] },
    { name: 'make admin', match: { http: { method: 'POST', path: '/echo' } }, steps: [{ rewrite: { request: { headers: { 'x-seen': 'rule' }, json: { '$.role': 'admin' } } } }] },
    { name: 'free things', match: { http: { path: '/api/price' } }, steps: [{ rewrite: { response: { headers: { 'x-rewritten': 'yes' }, json: { '$.price': 0 } } } }] },
    { name: 'tag big', match: { http: { path: '/big' } }, steps: [{ rewrite: { response: { headers: { 'x-big': 'yes' } } } }] }
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

async function exportHar(as: 'sent' | 'delivered' | undefined, name: string): Promise<Har> {
  const path = join(t.dir, name)
  await t.engine['capture.export']({ capture: 'live', format: 'har', path, ...(as ? { as } : {}) })
  const har = JSON.parse(await readFile(path, 'utf8')) as Har
  await expect(validateHar(har)).resolves.toBeDefined()
  return har
}

const header = (hs: Array<{ name: string; value: string }>, name: string): string | undefined => hs.find((h) => h.name.toLowerCase() === name)?.value
const byPath = (har: Har, path: string): Entry[] => har.log.entries.filter((e) => new URL(e.request.url).pathname === path)

/** The traffic: a mock, a rewritten request, a rewritten response, then a mock between two real requests on one connection. */
async function traffic(): Promise<ConnectionSummary[]> {
  expect((await curl(url('/api/user'))).stdout).toBe('{"name":"from-rule"}')
  expect((await curl('-H', 'content-type: application/json', '-d', '{"name":"bob"}', url('/echo'))).stdout).toBe('{"name":"bob","role":"admin"}')
  expect(JSON.parse((await curl('--compressed', url('/api/price'))).stdout)).toEqual({ item: 'tea', price: 0 })
  expect((await curl(url('/a'), url('/api/user'), url('/b'))).stdout).toBe('backend GET /a{"name":"from-rule"}backend GET /b')
  return closedConnections(t.engine, 4)
}

describe('HAR and curl as sent and as delivered', () => {
  it('HAR: a mock, a rewritten request and a rewritten response, as each side sent them and as the receivers got them', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await traffic()
    const sent = await exportHar(undefined, 'sent.har')
    const explicit = await exportHar('sent', 'sent2.har')
    const delivered = await exportHar('delivered', 'delivered.har')
    expect(sent.log.comment).toBe('what each side sent')
    expect(explicit.log.entries.length).toBe(sent.log.entries.length)
    expect(delivered.log.comment).toBe("what the receivers got, after tcpscope's rules")
    expect(delivered.log.entries.map((e) => new URL(e.request.url).pathname)).toEqual(sent.log.entries.map((e) => new URL(e.request.url).pathname))

    // the mock: the target never answered; as sent and as delivered, the answer tcpscope gave the client, its rule named
    const [mockSent] = byPath(sent, '/api/user')
    const [mockGot] = byPath(delivered, '/api/user')
    expect(mockSent.response).toMatchObject({ status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', content: { mimeType: 'application/json', text: '{"name":"from-rule"}', size: 20 } })
    expect(header(mockSent.response.headers, 'content-type')).toBe('application/json')
    expect(mockSent.request.headers).toEqual(mockGot.request.headers)
    expect(mockSent.comment).toMatch(/^the response tcpscope gave the client in the target's place \(the target never got the request\): rule "mock the user": answered GET \/api\/user with 200 \(not sent to the target\)$/)
    expect(mockGot.response.status).toBe(200)
    expect(header(mockGot.response.headers, 'content-type')).toBe('application/json')
    expect(mockGot.response.content.text).toBe('{"name":"from-rule"}')
    expect(mockGot.response.content.size).toBe(20)
    expect(mockGot.comment).toMatch(/^the response as the client got it \(the target never got the request\): rule "mock the user": answered GET \/api\/user with 200/)

    // the rewritten request: the client's body, or the target's
    const [echoSent] = byPath(sent, '/echo')
    const [echoGot] = byPath(delivered, '/echo')
    expect(echoSent.request.postData?.text).toBe('{"name":"bob"}')
    expect(header(echoSent.request.headers, 'x-seen')).toBeUndefined()
    expect(echoSent.comment).toBeUndefined()
    expect(echoGot.request.postData?.text).toBe('{"name":"bob","role":"admin"}')
    expect(header(echoGot.request.headers, 'x-seen')).toBe('rule')
    expect(header(echoGot.request.headers, 'content-length')).toBe('29')
    expect(echoGot.comment).toBe('the request as the target got it: rule "make admin": rewrote POST /echo')
    expect(echoGot.response.content.text).toBe('{"name":"bob","role":"admin"}')

    // the rewritten response (gzip): the server's price, or the client's
    const [priceSent] = byPath(sent, '/api/price')
    const [priceGot] = byPath(delivered, '/api/price')
    expect(JSON.parse(priceSent.response.content.text!)).toEqual({ item: 'tea', price: 42 })
    expect(header(priceSent.response.headers, 'x-rewritten')).toBeUndefined()
    expect(JSON.parse(priceGot.response.content.text!)).toEqual({ item: 'tea', price: 0 })
    expect(header(priceGot.response.headers, 'x-rewritten')).toBe('yes')
    expect(priceGot.response.content.comment).toBe('decoded from gzip')
    expect(priceGot.comment).toMatch(/^the response as the client got it: rule "free things": rewrote the response 200 OK to GET \/api\/price/)

    // keep-alive: the target's answers go to the requests that reached it, the mock's to its own
    const [conn] = byPath(delivered, '/a').map((e) => e.connection)
    const onConn = (har: Har): Entry[] => har.log.entries.filter((e) => e.connection === conn)
    expect(onConn(delivered).map((e) => [new URL(e.request.url).pathname, e.response.content.text])).toEqual([
      ['/a', 'backend GET /a'],
      ['/api/user', '{"name":"from-rule"}'],
      ['/b', 'backend GET /b']
    ])
    expect(onConn(delivered).map((e) => e.comment === undefined)).toEqual([true, false, true])
    expect(onConn(sent).map((e) => [new URL(e.request.url).pathname, e.response.status, e.response.content.text, e.comment === undefined])).toEqual([
      ['/a', 200, 'backend GET /a', true],
      ['/api/user', 200, '{"name":"from-rule"}', false],
      ['/b', 200, 'backend GET /b', true]
    ])
  })

  it('curl: the rewritten request as the target got it, which the server sees again when it runs', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    // One connection each, in order: the mock, the rewritten request, ...
    const conns = (await traffic()).sort((a, b) => a.id - b.id)
    const echo = conns[1]
    const command = async (as?: 'delivered'): Promise<string> => (await t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [echo.id], exchange: 0, ...(as ? { as } : {}) })).text!
    const sent = await command()
    const delivered = await command('delivered')
    expect(sent).toContain(`printf '{"name":"bob"}'`)
    expect(sent).not.toContain('x-seen')
    expect(delivered.split('\n')[0]).toBe('# the request as the target got it: rule "make admin": rewrote POST /echo.')
    expect(delivered).toContain(`printf '{"name":"bob","role":"admin"}'`)
    expect(delivered).toContain(`-H 'x-seen: rule'`)
    expect(delivered).toContain(`-H 'Content-Length: 29'`)

    seen.length = 0
    const out = await run('sh', ['-c', delivered])
    expect(out.stdout).toBe('{"name":"bob","role":"admin"}')
    expect(seen).toHaveLength(1)
    expect(seen[0].body).toBe('{"name":"bob","role":"admin"}')
    expect(seen[0].headers['x-seen']).toBe('rule')

    // a mocked request never reached the target: the client's request, said so
    const mock = await t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [conns[0].id], exchange: 0, as: 'delivered' })
    expect(mock.text).toMatch(/^# the response as the client got it \(the target never got the request\): rule "mock the user": .*\n# The target never got this request: this is the request as the client sent it\.\ncurl /)
  })

  it('keeps what was sent, and says why, where the record kept only the SHA-256 of what it delivered', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await run('curl', ['-sS', '-o', '/dev/null', url('/big')])
    await closedConnections(t.engine, 1)
    const [big] = (await exportHar('delivered', 'big.har')).log.entries
    expect(header(big.response.headers, 'x-big')).toBeUndefined()
    expect(big.response.content.size).toBe(1536 * 1024)
    expect(big.comment).toBe('rule "tag big": rewrote the response 200 OK to GET /big; the response it delivered (1.50 MiB) is not in the capture, only its SHA-256: this is what was sent')
  })

  it('refuses as delivered for the byte exports', async () => {
    await expect(t.engine['capture.export']({ capture: 'live', format: 'pcapng', as: 'delivered' })).rejects.toThrow(/"as delivered" is for har and curl/)
  })
})

describe('HTTP/2 as delivered', () => {
  it("a mock's answer, a rewritten request and response on one h2c session, or why what was sent stays", async () => {
    const h2 = await import('node:http2')
    const target = h2.createServer()
    target.on('stream', (stream, headers) => {
      const parts: Buffer[] = []
      stream.on('data', (c: Buffer) => parts.push(c))
      stream.on('end', () => {
        const path = String(headers[':path'])
        if (path === '/api/price') {
          stream.respond({ ':status': 200, 'content-type': 'application/json' })
          stream.end(JSON.stringify({ item: 'tea', price: 42 }))
        } else {
          stream.respond({ ':status': 200, 'content-type': 'application/json' })
          stream.end(Buffer.concat(parts))
        }
      })
    })
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(target.address() as { port: number }).port}` })
    await t.engine['rules.set']({
      proxyId: proxy.id,
      rules: [
        { name: 'mock the user', match: { http: { path: '/api/user' } }, steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"from-rule"}' } }] },
        { name: 'make admin', match: { http: { method: 'POST', path: '/echo' } }, steps: [{ rewrite: { request: { json: { '$.role': 'admin' } } } }] },
        { name: 'free things', match: { http: { path: '/api/price' } }, steps: [{ rewrite: { response: { json: { '$.price': 0 } } } }] },
        { name: 'move', match: { http: { path: '/moved' } }, steps: [{ forward: { to: `http://127.0.0.1:${(server.address() as { port: number }).port}` } }] }
      ]
    })
    const session = h2.connect(`http://${proxy.listen}`)
    const ask = (path: string, body?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':method': body === undefined ? 'GET' : 'POST', ':path': path, 'content-type': 'application/json' })
        const parts: Buffer[] = []
        req.on('data', (c: Buffer) => parts.push(c))
        req.on('end', () => resolve(Buffer.concat(parts).toString()))
        req.on('error', reject)
        req.end(body)
      })
    try {
      expect(await ask('/api/user')).toBe('{"name":"from-rule"}')
      expect(await ask('/echo', '{"name":"bob"}')).toBe('{"name":"bob","role":"admin"}')
      expect(JSON.parse(await ask('/api/price'))).toEqual({ item: 'tea', price: 0 })
      // Forwarded to the HTTP/1.1 backend (after an h2c attempt it refuses).
      expect(await ask('/moved')).toBe('backend GET /moved')
    } finally {
      session.close()
      await new Promise((r) => target.close(r))
    }
    await closedConnections(t.engine, 3)
    const sent = await exportHar('sent', 'h2-sent.har')
    const delivered = await exportHar('delivered', 'h2-delivered.har')
    const [mockSent] = byPath(sent, '/api/user')
    const [mockGot] = byPath(delivered, '/api/user')
    expect(mockSent.response).toMatchObject({ status: 200, content: { text: '{"name":"from-rule"}' } })
    expect(mockSent.comment).toMatch(/^the response tcpscope gave the client in the target's place \(the target never got the request\): rule "mock the user": answered GET \/api\/user with 200 on stream 1/)
    expect(mockGot.response.status).toBe(200)
    expect(mockGot.response.content.text).toBe('{"name":"from-rule"}')
    expect(mockGot.comment).toMatch(/^the response as the client got it \(the target never got the request\): rule "mock the user": answered GET \/api\/user with 200 on stream 1/)
    // An edited header block may refer to the connection's HPACK table: then the entry says so and keeps what was sent.
    const [echoGot] = byPath(delivered, '/echo')
    if (echoGot.comment?.startsWith('the request as the target got it')) expect(echoGot.request.postData?.text).toBe('{"name":"bob","role":"admin"}')
    else expect(echoGot.comment).toMatch(/rule "make admin": .*cannot be read on its own \(its header block refers to the connection's HPACK table/)
    // A forward on HTTP/2 keeps the answer the client got: the entry has it.
    const [movedGot] = byPath(delivered, '/moved').filter((e) => e.comment !== undefined)
    expect(movedGot.response.status).toBe(200)
    expect(movedGot.response.content.text).toBe('backend GET /moved')
    expect(movedGot.comment).toMatch(/^the response as the client got it \(the target never got the request\): rule "move": sent GET \/moved to http:\/\/127\.0\.0\.1:\d+ instead of the target \(HTTP\/1\.1\)/)
    const [priceGot] = byPath(delivered, '/api/price')
    if (priceGot.comment?.startsWith('the response as the client got it')) expect(JSON.parse(priceGot.response.content.text!)).toEqual({ item: 'tea', price: 0 })
    else expect(priceGot.comment).toMatch(/rule "free things": .*cannot be read on its own/)
  })
})
