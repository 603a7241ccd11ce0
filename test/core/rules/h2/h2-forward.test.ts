// The forward step on HTTP/2, with curl (h2c with prior knowledge) and Node's http2 client
// through a target proxy whose target is one node:http2 server: a forwarded request is
// answered by a second server (node:http2 behind a recording relay, so the bytes that
// connection carried are known), the target never sees it, and the capture holds the rules'
// own connection to that server with exactly those bytes, and the `rule` record; bodies past
// the first flow-control windows go both ways. A destination that speaks HTTP/1.1 only gets
// the request as HTTP/1.1 (after one h2c attempt per client connection); a closed port
// answers 502 naming the destination.
import { execFile } from 'node:child_process'
import http from 'node:http'
import http2 from 'node:http2'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { listen, waitFor } from '../../../helpers/net'
import { captured, closedSummary, eventsOf } from '../../../helpers/sessions'
import { startRecordingRelay, type RecordingRelay } from '../../../helpers/recording-relay'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')

let t: TestEngine
let proxyId: string
let proxyPort: number
let targetSeen: string[]
const closers: Array<() => Promise<void>> = []

/** A node:http2 server answering `name saw METHOD PATH at AUTHORITY (N bytes)`. */
async function h2Server(name: string, seen: string[]): Promise<number> {
  const s = http2.createServer()
  s.on('stream', (stream, headers) => {
    const parts: Buffer[] = []
    stream.on('data', (c: Buffer) => parts.push(c))
    stream.on('error', () => {})
    stream.on('end', () => {
      seen.push(String(headers[':path']))
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-server': name })
      // Larger than the client's first windows: the answer waits for its WINDOW_UPDATEs.
      if (String(headers[':path']).endsWith('/big')) return void stream.end('b'.repeat(300_000))
      stream.end(`${name} saw ${headers[':method']} ${headers[':path']} at ${headers[':authority']} (${Buffer.concat(parts).length} bytes)`)
    })
  })
  const port = await listen(s as unknown as import('node:net').Server)
  closers.push(() => new Promise((r) => s.close(() => r())))
  return port
}

beforeEach(async () => {
  t = await testEngine()
  targetSeen = []
  const port = await h2Server('target', targetSeen)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
})
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
  await t.dispose()
})

const setRules = (rules: RuleSpec[]): Promise<unknown> => t.engine['rules.set']({ proxyId, rules })
const url = (path: string): string => `http://127.0.0.1:${proxyPort}${path}`
const h2c = async (...args: string[]): Promise<string> => (await run('curl', ['-sS', '--max-time', '10', '-i', '--http2-prior-knowledge', ...args])).stdout
const forwardTo = (path: string, to: string, host?: 'rewrite'): RuleSpec => ({ match: { http: { path } }, steps: [{ forward: { to, ...(host !== undefined ? { host } : {}) } }] })

async function relayTo(port: number): Promise<RecordingRelay> {
  const relay = await startRecordingRelay(port)
  closers.push(() => relay.close())
  return relay
}

/** The `rule` records of the proxied connections, their info. */
async function ruleInfos(): Promise<Array<Record<string, unknown>>> {
  const conns = t.engine.capture.connections().filter((c) => c.kind === 'proxy')
  const events = await Promise.all(conns.map((c) => eventsOf(t.engine, c.id)))
  return events.flat().filter((e) => e.kind === 'rule').map((e) => e.info as Record<string, unknown>)
}

/** The rules' own connections, once closed. */
async function rulesConnections(count: number): Promise<number[]> {
  const ids = await waitFor(() => {
    const c = t.engine.capture.connections().filter((x) => x.ownerId === 'rules')
    return c.length >= count && c.map((x) => x.id)
  }, `${count} rules connections`)
  for (const id of ids) await closedSummary(t.engine, id)
  return ids
}

const joined = (relay: RecordingRelay, i: number, dir: 'client' | 'server'): Buffer =>
  Buffer.concat(relay.connections[i].pieces.flatMap((p) => (p.dir === dir && 'bytes' in p ? [Buffer.from(p.bytes)] : [])))

describe('forward on HTTP/2', () => {
  it('send a request to another HTTP/2 server instead of the target, recording that connection byte for byte', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const otherSeen: string[] = []
    const relay = await relayTo(await h2Server('other', otherSeen))
    await setRules([forwardTo('/fwd*', `http://127.0.0.1:${relay.port}`), forwardTo('/moved', `127.0.0.1:${relay.port}`, 'rewrite')])

    const out = await h2c('--data', 'hello there', url('/fwd?x=1'))
    expect(out).toMatch(/^HTTP\/2 200/)
    expect(out).toMatch(/x-server: other/)
    expect(out).toMatch(new RegExp(`other saw POST /fwd\\?x=1 at 127\\.0\\.0\\.1:${proxyPort} \\(11 bytes\\)$`))
    // Host kept by default; `host: rewrite` sets :authority to the destination.
    expect(await h2c(url('/moved'))).toMatch(new RegExp(`other saw GET /moved at 127\\.0\\.0\\.1:${relay.port} \\(0 bytes\\)$`))
    expect(await h2c(url('/plain'))).toMatch(/target saw GET \/plain/)
    const big = await h2c(url('/fwd/big'))
    expect(big.slice(big.indexOf('\r\n\r\n') + 4)).toBe('b'.repeat(300_000))
    expect(targetSeen).toEqual(['/plain'])
    expect(otherSeen).toEqual(['/fwd?x=1', '/moved', '/fwd/big'])

    // The rules' connections carry exactly what the other server was sent and answered.
    const ids = await rulesConnections(3)
    await relay.settled(3)
    for (const [i, id] of ids.entries()) {
      const sent = await captured(t.engine, id, 'client')
      expect(sent.subarray(0, 24).toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
      expect(sent.equals(joined(relay, i, 'client'))).toBe(true)
      expect((await captured(t.engine, id, 'server')).equals(joined(relay, i, 'server'))).toBe(true)
      expect(t.engine.capture.connections().find((c) => c.id === id)?.target).toBe(`127.0.0.1:${relay.port}`)
    }

    const infos = await ruleInfos()
    const forwards = infos.filter((i) => i.action === 'forward')
    expect(forwards.map((i) => i.message)).toEqual([
      `sent POST /fwd?x=1 to http://127.0.0.1:${relay.port} instead of the target (HTTP/2): answered 200 on stream 1`,
      `sent GET /moved to 127.0.0.1:${relay.port} instead of the target (HTTP/2): answered 200 on stream 1`,
      `sent GET /fwd/big to http://127.0.0.1:${relay.port} instead of the target (HTTP/2): answered 200 on stream 1`
    ])
    // What the client got is kept: the answer's frames.
    expect(Buffer.from(String(forwards[0].delivered), 'base64').toString('latin1')).toContain('other saw POST /fwd?x=1')
  })

  it('fall back to HTTP/1.1 for a destination that does not speak h2c, once per client connection', async () => {
    const seen: Array<{ line: string; host: string | undefined; body: string }> = []
    const h1 = http.createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => {
        seen.push({ line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, host: req.headers.host, body: Buffer.concat(parts).toString() })
        res.setHeader('x-server', 'h1')
        res.setHeader('set-cookie', ['a=1', 'b=2'])
        // Chunked: its framing is undone for the HTTP/2 client.
        res.write('from ')
        res.end(`h1 ${req.url}`)
      })
    })
    const port = await listen(h1)
    closers.push(() => new Promise((r) => h1.close(() => r())))
    await setRules([forwardTo('/old/*', `http://127.0.0.1:${port}`)])

    const client = http2.connect(`http://127.0.0.1:${proxyPort}`)
    closers.push(() => new Promise((r) => client.close(() => r())))
    const get = (path: string, body?: string): Promise<{ headers: http2.IncomingHttpHeaders; body: string }> =>
      new Promise((resolve, reject) => {
        const s = client.request({ ':method': body !== undefined ? 'POST' : 'GET', ':path': path, ':authority': 'api.test' }, { endStream: body === undefined })
        const parts: Buffer[] = []
        let headers: http2.IncomingHttpHeaders = {}
        s.on('response', (h) => (headers = h))
        s.on('data', (c: Buffer) => parts.push(c))
        s.on('end', () => resolve({ headers, body: Buffer.concat(parts).toString() }))
        s.on('error', reject)
        if (body !== undefined) s.end(body)
      })
    const a = await get('/old/a', 'payload')
    expect(a.headers[':status']).toBe(200)
    expect(a.headers['x-server']).toBe('h1')
    expect(a.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(a.headers['transfer-encoding']).toBeUndefined()
    expect(a.body).toBe('from h1 /old/a')
    expect((await get('/old/b')).body).toBe('from h1 /old/b')
    // A request body past the first windows is held whole (its window given back as it comes), then sent.
    const large = 'q'.repeat(200_000)
    expect((await get('/old/c', large)).body).toBe('from h1 /old/c')
    expect(seen).toEqual([
      { line: 'POST /old/a HTTP/1.1', host: 'api.test', body: 'payload' },
      { line: 'GET /old/b HTTP/1.1', host: 'api.test', body: '' },
      { line: 'POST /old/c HTTP/1.1', host: 'api.test', body: large }
    ])
    expect(targetSeen).toEqual([])
    // One h2c attempt (refused), then HTTP/1.1 for each request.
    const ids = await rulesConnections(4)
    const first = await captured(t.engine, ids[0], 'client')
    expect(first.subarray(0, 24).toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
    // The h2c attempt sent the preface and SETTINGS only: no request.
    expect(first.toString('latin1')).not.toContain('/old/a')
    expect((await captured(t.engine, ids[1], 'client')).toString('latin1')).toMatch(/^POST \/old\/a HTTP\/1\.1\r\nhost: api\.test\r\n[\s\S]*\r\n\r\npayload$/)
    expect((await captured(t.engine, ids[2], 'client')).toString('latin1')).toMatch(/^GET \/old\/b HTTP\/1\.1\r\n/)
    const messages = (await ruleInfos()).filter((i) => i.action === 'forward').map((i) => i.message)
    expect(messages).toEqual([
      `sent POST /old/a to http://127.0.0.1:${port} instead of the target (HTTP/1.1): answered 200 on stream 1`,
      `sent GET /old/b to http://127.0.0.1:${port} instead of the target (HTTP/1.1): answered 200 on stream 3`,
      `sent POST /old/c to http://127.0.0.1:${port} instead of the target (HTTP/1.1): answered 200 on stream 5`
    ])
  })

  it('answer 502 naming the destination when it cannot be reached', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    // A port nothing listens on: a server that is started and closed again.
    const gone = http.createServer()
    const port = await listen(gone)
    await new Promise((r) => gone.close(r))
    await setRules([forwardTo('/fwd', `http://127.0.0.1:${port}`)])
    const out = await h2c(url('/fwd'))
    expect(out).toMatch(/^HTTP\/2 502/)
    expect(out).toContain(`tcpscope could not forward the request: http://127.0.0.1:${port}: connection refused by 127.0.0.1:${port}`)
    expect(targetSeen).toEqual([])
    const messages = (await ruleInfos()).map((i) => i.message)
    expect(messages).toEqual([expect.stringMatching(new RegExp(`^could not forward GET /fwd to http://127\\.0\\.0\\.1:${port}: .*connection refused.*; answered 502 on stream 1$`))])
  })
})
