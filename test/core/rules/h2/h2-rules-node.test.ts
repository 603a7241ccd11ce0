// Traffic rules on HTTP/2 with Node's http2 client and server (h2c) through the proxy, many
// streams on one session: the header tables stay right on both sides while requests are
// answered here, passed, rewritten; bodies past the default flow-control window held whole
// and then answered or let through; a response rewritten larger than a small client window;
// a dropped stream never answered while the session goes on. (A delayed request and the
// streams after it: h2-rules-overtake.test.ts.)
import { createHash, randomBytes } from 'node:crypto'
import http2 from 'node:http2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'

interface Seen {
  path: string
  headers: http2.IncomingHttpHeaders
  body: Buffer
  at: number
}

let t: TestEngine
let server: http2.Http2Server
let proxyId: string
let proxyPort: number
let seen: Seen[]
let session: http2.ClientHttp2Session | undefined

beforeEach(async () => {
  t = await testEngine()
  seen = []
  server = http2.createServer()
  server.on('stream', (stream, headers) => {
    const parts: Buffer[] = []
    stream.on('data', (c: Buffer) => parts.push(c))
    stream.on('error', () => {})
    stream.on('end', () => {
      const path = String(headers[':path'])
      const body = Buffer.concat(parts)
      seen.push({ path, headers, body, at: Date.now() })
      if (path.startsWith('/big-json')) {
        const doc = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item ${i}` })), owner: 'server' })
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-length': Buffer.byteLength(doc) })
        stream.end(doc)
        return
      }
      const answer = `${path} ${body.length} ${createHash('sha256').update(body).digest('hex').slice(0, 16)} ${headers['x-n'] ?? ''}`
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': path })
      stream.end(answer)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
  session = undefined
})
afterEach(async () => {
  session?.destroy()
  await new Promise((r) => server.close(r))
  await t.dispose()
})

const setRules = (rules: RuleSpec[]): Promise<unknown> => t.engine['rules.set']({ proxyId, rules })

function connect(settings: http2.Settings = {}): http2.ClientHttp2Session {
  session = http2.connect(`http://127.0.0.1:${proxyPort}`, { settings })
  session.on('error', () => {})
  return session
}

interface Answer {
  status: number
  headers: http2.IncomingHttpHeaders
  body: Buffer
}

function request(s: http2.ClientHttp2Session, path: string, opts: { method?: string; body?: Buffer | string; headers?: http2.OutgoingHttpHeaders; timeoutMs?: number } = {}): Promise<Answer> {
  const req = s.request({ ':method': opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), ':path': path, ...opts.headers })
  req.end(opts.body)
  return new Promise((resolve, reject) => {
    let status = 0
    let headers: http2.IncomingHttpHeaders = {}
    const parts: Buffer[] = []
    if (opts.timeoutMs !== undefined) req.setTimeout(opts.timeoutMs, () => req.close(http2.constants.NGHTTP2_CANCEL))
    req.on('response', (h) => {
      headers = h
      status = Number(h[':status'])
    })
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('close', () => (status === 0 ? reject(new Error(`no answer on ${path} (stream closed with ${req.rstCode})`)) : resolve({ status, headers, body: Buffer.concat(parts) })))
    req.on('error', () => {})
  })
}

const sha16 = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16)

describe('traffic rules on HTTP/2 with Node http2 peers', () => {
  it('keep both header tables right over many streams of one session, sequential and concurrent', async () => {
    await setRules([
      { match: { http: { path: { prefix: '/mock' } } }, steps: [{ respond: { status: 200, headers: { 'x-mock': 'yes' }, body: 'mocked' } }] },
      { match: { http: { path: '/edit', headers: { 'x-n': true } } }, steps: [{ rewrite: { request: { headers: { 'x-n': 'edited', 'x-extra': 'added' } } } }] }
    ])
    const s = connect()
    const got: Array<[string, Answer]> = []
    for (let i = 0; i < 12; i++) {
      const path = ['/a', '/mock/1', '/edit', '/b', '/mock/2'][i % 5]
      got.push([path, await request(s, path, { headers: { 'x-n': String(i), 'x-session': 'same-value-each-time', cookie: `c=${i % 3}` } })])
    }
    // Then a burst, all at once.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => ['/c', '/mock/3', '/edit'][i % 3]).map(async (path, i) => [path, await request(s, path, { headers: { 'x-n': `b${i}`, 'x-session': 'same-value-each-time' } })] as [string, Answer]))
    for (const [path, a] of [...got, ...burst]) {
      expect(a.status).toBe(200)
      if (path.startsWith('/mock')) {
        expect(a.body.toString()).toBe('mocked')
        expect(a.headers['x-mock']).toBe('yes')
      } else expect(a.headers['x-path']).toBe(path)
    }
    const forServer = [...got, ...burst].filter(([p]) => !p.startsWith('/mock')).length
    expect(seen).toHaveLength(forServer)
    for (const x of seen) {
      expect(x.headers['x-session']).toBe('same-value-each-time')
      if (x.path === '/edit') {
        expect(x.headers['x-n']).toBe('edited')
        expect(x.headers['x-extra']).toBe('added')
      } else expect(x.headers['x-n']).toMatch(/^b?\d+$/)
    }
    expect(seen.filter((x) => x.path !== '/edit').every((x) => x.headers['x-extra'] === undefined)).toBe(true)
  })

  it('hold request bodies past the flow-control window whole: answer one here, let another through intact', async () => {
    await setRules([{ match: { http: { method: 'POST', body: { contains: 'MOCK-ME' } } }, steps: [{ respond: { status: 202, body: 'taken' } }] }])
    const s = connect()
    const mocked = Buffer.concat([randomBytes(150_000), Buffer.from('MOCK-ME'), randomBytes(150_000)])
    const passing = Buffer.from(randomBytes(300_000).toString('base64'))
    const [a, b] = await Promise.all([request(s, '/upload/1', { body: mocked }), request(s, '/upload/2', { body: passing })])
    expect([a.status, a.body.toString()]).toEqual([202, 'taken'])
    expect(b.body.toString()).toBe(`/upload/2 ${passing.length} ${sha16(passing)} `)
    expect(seen.map((x) => x.path)).toEqual(['/upload/2'])
    // The session's windows are still right: more goes through.
    const c = await request(s, '/after', { body: randomBytes(100_000) })
    expect(c.body.toString()).toMatch(/^\/after 100000 /)
  })

  it('rewrite a response larger than a small client window, cut to its windows and frame size', async () => {
    await setRules([{ match: { http: { path: { prefix: '/big-json' } } }, steps: [{ rewrite: { response: { json: { '$.owner': 'a rule that writes a much longer owner than the server did' }, headers: { 'x-rewritten': 'yes' } } } }] }])
    const s = connect({ initialWindowSize: 16_384 })
    const answers = await Promise.all([request(s, '/big-json/1'), request(s, '/big-json/2'), request(s, '/plain')])
    for (const a of answers.slice(0, 2)) {
      expect(a.headers['x-rewritten']).toBe('yes')
      expect(Number(a.headers['content-length'])).toBe(a.body.length)
      const doc = JSON.parse(a.body.toString()) as { items: unknown[]; owner: string }
      expect(doc.items).toHaveLength(2000)
      expect(doc.owner).toBe('a rule that writes a much longer owner than the server did')
    }
    expect(answers[2].headers['x-path']).toBe('/plain')
    expect((await request(s, '/big-json/3')).headers['x-rewritten']).toBe('yes')
  })

  it('never answer a dropped stream while the session goes on', async () => {
    await setRules([
      { match: { http: { path: '/drop' } }, steps: [{ drop: true }] },
      { match: { http: { path: '/timeout' } }, steps: [{ timeout: true }] }
    ])
    const s = connect()
    const dropped = request(s, '/drop', { timeoutMs: 300 })
    const timedOut = request(s, '/timeout', { timeoutMs: 300 })
    expect((await request(s, '/ok')).headers['x-path']).toBe('/ok')
    await expect(dropped).rejects.toThrow(/no answer on \/drop/)
    await expect(timedOut).rejects.toThrow(/no answer on \/timeout/)
    expect((await request(s, '/ok2')).headers['x-path']).toBe('/ok2')
    expect(seen.map((x) => x.path)).toEqual(['/ok', '/ok2'])
  })
})
