// One direction as its receiver got it (conn.delivered, conn.delivered.read),
// from real traffic through a proxy with traffic rules, compared with what the real peers
// received: curl's requests on one kept-alive connection (one mocked, one rewritten, one
// whose response is rewritten, one untouched) against the bytes the target server read and
// the bytes curl read; a redis connection (a GET answered by a rule, a SET rewritten, a PING
// dropped) against what the socket read; a rewrite over 1 MiB, which the record keeps only
// the SHA-256 of, shown as sent and marked unknown; an HTTP/2 connection, whose messages
// interleave, has none and says why.
import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import http2 from 'node:http2'
import type { Socket } from 'node:net'
import { promisify } from 'node:util'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { collect, connectTo, startServer, waitFor } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { startRedis } from '../../helpers/redis'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'
import type { Direction } from '../../../src/shared/capture-types'

const run = promisify(execFile)
const BIG = 1536 * 1024

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A target that answers HTTP/1 requests (Content-Length bodies) and keeps every byte it read. */
async function httpTarget(): Promise<{ port: number; received: Buffer[] }> {
  const received: Buffer[] = []
  const server = await startServer((s: Socket) => {
    const at = received.push(Buffer.alloc(0)) - 1
    let buf = Buffer.alloc(0)
    s.on('data', (c: Buffer) => {
      received[at] = Buffer.concat([received[at], c])
      buf = Buffer.concat([buf, c])
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        if (buf.length < end + 4 + length) return
        const body = buf.subarray(end + 4, end + 4 + length)
        buf = buf.subarray(end + 4 + length)
        const [method, path] = head.split(' ')
        const out = path === '/echo' ? body : path === '/api/price' ? Buffer.from('{"item":"tea","price":42}') : path === '/big' ? Buffer.alloc(BIG, 'a') : Buffer.from(`backend ${method} ${path}`)
        s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${out.length}\r\n\r\n`)
        s.write(out)
      }
    })
    s.on('end', () => s.end())
  })
  cleanups.push(server.close)
  return { port: server.port, received }
}

async function engineWithRules(target: number, rules: RuleSpec[]): Promise<{ t: TestEngine; port: number }> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target}` })
  await t.engine['rules.set']({ proxyId: proxy.id, rules })
  return { t, port: portOf(proxy.listen) }
}

/** The whole delivered stream, read in odd-sized pieces (each piece finds its spans on its own), and read at once. */
async function delivered(t: TestEngine, connId: number, dir: Direction): Promise<Buffer> {
  const map = await t.engine['conn.delivered']({ capture: 'live', connId, dir })
  const read = (offset: number, length: number): Promise<Uint8Array> => t.engine['conn.delivered.read']({ capture: 'live', connId, dir, offset, length })
  const whole = Buffer.from(await read(0, map.size + 100))
  expect(whole.length).toBe(map.size)
  const pieces: Buffer[] = []
  const piece = Math.max(37, Math.ceil(map.size / 100))
  for (let at = 0; at < map.size; at += piece) pieces.push(Buffer.from(await read(at, piece)))
  expect(Buffer.concat(pieces).equals(whole)).toBe(true)
  return whole
}

describe('a direction as delivered', () => {
  it('is what the target read and what curl read, for a mocked, a rewritten and an untouched request and a rewritten response', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const target = await httpTarget()
    const { t, port } = await engineWithRules(target.port, [
      { name: 'mock the user', match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { status: 201, headers: { 'content-type': 'application/json' }, body: '{"name":"from-rule"}' } }] },
      { name: 'make admin', match: { http: { method: 'POST', path: '/echo' } }, steps: [{ rewrite: { request: { headers: { 'x-seen': 'rule' }, json: { '$.role': 'admin' } } } }] },
      { name: 'free things', match: { http: { path: '/api/price' } }, steps: [{ rewrite: { response: { json: { '$.price': 0 } } } }] }
    ])
    const url = (path: string): string => `http://127.0.0.1:${port}${path}`
    // One curl, one kept-alive connection: --next keeps it.
    const { stdout } = await run('curl', ['-sS', '-i', '--raw', '--max-time', '10', url('/api/user'), '--next', '-sS', '-i', '--raw', '-H', 'content-type: application/json', '-d', '{"name":"bob"}', url('/echo'), '--next', '-sS', '-i', '--raw', url('/api/price'), '--next', '-sS', '-i', '--raw', url('/plain')], { encoding: 'latin1' })
    expect(stdout).toContain('{"name":"from-rule"}')
    expect(stdout).toContain('{"name":"bob","role":"admin"}')
    expect(stdout).toContain('"price":0')
    const [conn] = await closedConnections(t.engine, 1)
    expect(target.received).toHaveLength(1)

    const toTarget = await delivered(t, conn.id, 'client')
    expect(toTarget.toString('latin1')).toBe(target.received[0].toString('latin1'))
    const toClient = await delivered(t, conn.id, 'server')
    expect(toClient.toString('latin1')).toBe(stdout)

    const client = await t.engine['conn.delivered']({ capture: 'live', connId: conn.id, dir: 'client' })
    expect(client.records).toBe(3)
    expect(client.sentSize).toBe(conn.bytes.client)
    expect(client.spans.map((s) => [s.action, s.label, s.size === 0, s.sentOffset])).toEqual([
      ['respond', 'mock the user', true, 0],
      ['rewrite', 'make admin', false, expect.any(Number)]
    ])
    const server = await t.engine['conn.delivered']({ capture: 'live', connId: conn.id, dir: 'server' })
    expect(server.spans.map((s) => [s.action, s.answer === true, s.sentSize === 0, s.at])).toEqual([
      ['respond', true, true, 0],
      ['rewrite', false, false, expect.any(Number)]
    ])
    const mock = server.spans[0]
    expect(toClient.subarray(mock.at, mock.at + mock.size).toString()).toMatch(/^HTTP\/1\.1 201 [^]*\{"name":"from-rule"\}$/)
    expect(mock.note).toContain('mock the user')
    // As sent is still what each side sent.
    const sent = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: conn.id, dir: 'client', offset: 0, length: 1 << 20 }))
    expect(sent.toString()).toContain('GET /api/user')
    expect(toTarget.toString()).not.toContain('GET /api/user')
  })

  it('keeps a rewrite over 1 MiB as sent, marked unknown', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const target = await httpTarget()
    const { t, port } = await engineWithRules(target.port, [{ name: 'tag big', match: { http: { path: '/big' } }, steps: [{ rewrite: { response: { headers: { 'x-big': 'yes' } } } }] }])
    const { stdout } = await run('curl', ['-sS', '-i', '--raw', '--max-time', '10', `http://127.0.0.1:${port}/big`], { encoding: 'latin1', maxBuffer: 4 << 20 })
    expect(stdout).toMatch(/x-big: yes/i)
    const [conn] = await closedConnections(t.engine, 1)
    const map = await t.engine['conn.delivered']({ capture: 'live', connId: conn.id, dir: 'server' })
    expect(map.spans).toEqual([expect.objectContaining({ action: 'rewrite', label: 'tag big', unknown: true, at: 0, sentOffset: 0, size: map.sentSize, sentSize: map.sentSize })])
    const sent = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: conn.id, dir: 'server', offset: 0, length: map.sentSize }))
    expect((await delivered(t, conn.id, 'server')).equals(sent)).toBe(true)
  })

  it('is what redis got and what the socket read, for a mocked, a rewritten and a dropped command', async (ctx) => {
    needProgram(ctx, 'redis-server', hasProgram('redis-server'))
    const t = await testEngine()
    cleanups.push(t.dispose)
    const redis = await startRedis(t.dir)
    cleanups.push(redis.stop)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
    await t.engine['rules.set']({
      proxyId: proxy.id,
      rules: [
        { name: 'flag on', match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] },
        { name: 'louder', match: { resp: { command: 'SET', key: 'greeting' } }, steps: [{ rewrite: { bytes: [{ find: 'hello', with: 'hello world' }] } }] },
        { name: 'no pings', match: { resp: { command: 'PING' } }, steps: [{ drop: true }] }
      ]
    })
    const cmd = (...words: string[]): string => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`
    const s = await connectTo(portOf(proxy.listen))
    let got = ''
    s.on('data', (c: Buffer) => (got += c.toString('latin1')))
    // While the connection is open: its records are read as far as they go, and read on as it grows.
    s.write(cmd('GET', 'feature-flag'))
    await waitFor(() => got === '$2\r\non\r\n', 'the rule\'s answer')
    const live = await waitFor(() => t.engine.capture.connections()[0], 'the connection')
    const map = (dir: Direction) => t.engine['conn.delivered']({ capture: 'live', connId: live.id, dir })
    await expect.poll(async () => (await map('client')).records).toBe(1)
    expect(await map('client')).toMatchObject({ size: 0, sentSize: cmd('GET', 'feature-flag').length })
    expect((await delivered(t, live.id, 'server')).toString()).toBe('$2\r\non\r\n')
    s.write(cmd('SET', 'greeting', 'hello') + cmd('PING') + cmd('GET', 'greeting'))
    // redis answers the GET with what the rewritten SET stored: it got the rewrite.
    await waitFor(() => got === '$2\r\non\r\n+OK\r\n$11\r\nhello world\r\n' && got, 'the replies')
    s.end()
    const [conn] = await closedConnections(t.engine, 1)
    expect((await delivered(t, conn.id, 'client')).toString()).toBe(cmd('SET', 'greeting', 'hello world') + cmd('GET', 'greeting'))
    expect((await delivered(t, conn.id, 'server')).toString('latin1')).toBe(got)
    const client = await t.engine['conn.delivered']({ capture: 'live', connId: conn.id, dir: 'client' })
    expect(client.spans.map((x) => `${x.action} ${x.label} ${x.size}`)).toEqual(['respond flag on 0', `rewrite louder ${cmd('SET', 'greeting', 'hello world').length}`, 'drop no pings 0'])
    const server = await t.engine['conn.delivered']({ capture: 'live', connId: conn.id, dir: 'server' })
    expect(server.spans).toEqual([expect.objectContaining({ action: 'respond', label: 'flag on', answer: true, at: 0, size: 8, sentSize: 0 })])
  })
  it("is as sent for a server session a rule answered: its answer is its own server bytes, counted once", async () => {
    const t = await testEngine()
    cleanups.push(t.dispose)
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    await t.engine['rules.set']({ proxyId: server.id, rules: [{ match: { http: { path: '/m' } }, steps: [{ respond: { status: 200, body: 'mocked' } }] }] })
    const s = await connectTo(portOf(server.listen))
    const got = collect(s)
    const request = 'GET /m HTTP/1.1\r\nhost: a.test\r\n\r\n'
    s.end(request)
    const answer = await got
    expect(answer.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nmocked$/)
    const [conn] = await closedConnections(t.engine, 1)
    // The rule record is there (the list marks it), and the answer is in the server's stream, once.
    expect(conn).toMatchObject({ kind: 'server', changed: { rule: true }, bytes: { client: request.length, server: answer.length } })
    expect(conn.answered).toBeUndefined()
    expect((await delivered(t, conn.id, 'server')).equals(answer)).toBe(true)
    expect((await delivered(t, conn.id, 'client')).toString()).toBe(request)
  })
  it('says why an HTTP/2 connection has no delivered stream', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const h2 = http2.createServer()
    h2.on('stream', (stream) => {
      stream.respond({ ':status': 200 })
      stream.end('from the target')
    })
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => h2.close(() => r())))
    const { t, port } = await engineWithRules((h2.address() as { port: number }).port, [
      { name: 'mock h2', match: { http: { path: '/mocked' } }, steps: [{ respond: { status: 201, body: 'from the rule' } }] }
    ])
    const { stdout } = await run('curl', ['-sS', '--http2-prior-knowledge', '--max-time', '10', `http://127.0.0.1:${port}/mocked`])
    expect(stdout).toBe('from the rule')
    const [conn] = await closedConnections(t.engine, 1)
    const map = await t.engine['conn.delivered']({ capture: 'live', connId: conn.id, dir: 'client' })
    expect(map).toMatchObject({ records: 1, size: 0, spans: [], unavailable: expect.stringMatching(/HTTP\/2 message's frames interleave/) })
    await expect(t.engine['conn.delivered.read']({ capture: 'live', connId: conn.id, dir: 'client', offset: 0, length: 10 })).rejects.toThrow(/HTTP tab shows its exchanges as delivered/)
  })
})
