// HTTP breakpoints with curl as the client and a real HTTP server behind the proxy: a
// request held whole, its body edited and its Content-Length fixed, as the server then reads
// it; a response held by its status and edited as curl then shows it; a message over the
// hold limit let through; a request or response dropped, which ends curl's wait at once.
import { execFile } from 'node:child_process'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { hasProgram, needProgram } from '../../helpers/peers'
import { waitFor } from '../../helpers/net'
import { closedSummary } from '../../helpers/sessions'
import { connected, lastConnId, proxyTo } from '../fault/toxic-helpers'
import { addBreak, breakRecords, heldQueue } from './break-helpers'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')

let t: TestEngine
let server: Server
let proxyId: string
let proxyPort: number
/** Each request the server read: method, url, Content-Length and body. */
let seen: Array<{ method: string; url: string; length: string | undefined; body: string }>

beforeEach(async () => {
  t = await testEngine()
  seen = []
  server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const body = Buffer.concat(parts).toString()
      seen.push({ method: req.method!, url: req.url!, length: req.headers['content-length'], body })
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain', 'content-length': '13' })
        res.end('no such thing')
      } else res.end(`got ${body.length} bytes`)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await t.dispose()
})

const curl = (...args: string[]): Promise<{ stdout: string }> => run('curl', ['-sS', '--max-time', '10', ...args])

describe('an HTTP breakpoint', () => {
  it('holds a whole request; an edited body arrives with its Content-Length fixed', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const rule = await addBreak(t.engine, proxyId, { match: 'http-request', method: 'post', path: '/login' })
    // A GET first: not the rule's, it goes through without stopping.
    expect((await curl(`http://127.0.0.1:${proxyPort}/other`)).stdout).toBe('got 0 bytes')
    const answer = curl('-d', 'user=bob&pass=PASS', `http://127.0.0.1:${proxyPort}/login`)
    const [held] = await heldQueue(t.engine)
    expect(held).toMatchObject({ kind: 'http-request', dir: 'client', ruleId: rule, summary: 'POST /login' })
    const original = Buffer.from(await t.engine['held.read']({ heldId: held.id })).toString()
    expect(original).toMatch(/^POST \/login HTTP\/1\.1\r\n[\s\S]*Content-Length: 18\r\n[\s\S]*\r\n\r\nuser=bob&pass=PASS$/)
    expect(seen.map((s) => s.url)).toEqual(['/other'])

    const edited = original.replace('pass=PASS', 'pass=LONGER-PASSWORD')
    expect(await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(edited) })).toMatchObject({ action: 'edited' })
    expect((await answer).stdout).toBe('got 29 bytes')
    expect(seen[1]).toEqual({ method: 'POST', url: '/login', length: '29', body: 'user=bob&pass=LONGER-PASSWORD' })
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'edited'])
    expect(String(records[0].info?.message)).toMatch(/^held \d+ B \(POST \/login\) by b1$/)
    expect(records[0].info).toMatchObject({ summary: 'POST /login' })
  })

  it('holds a response by its status, and curl shows the edit', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await addBreak(t.engine, proxyId, { match: 'http-response', status: '4xx' })
    expect((await curl(`http://127.0.0.1:${proxyPort}/fine`)).stdout).toBe('got 0 bytes')
    const answer = curl('-i', `http://127.0.0.1:${proxyPort}/missing`)
    const [held] = await heldQueue(t.engine)
    expect(held).toMatchObject({ kind: 'http-response', dir: 'server', summary: '404 Not Found' })
    const original = Buffer.from(await t.engine['held.read']({ heldId: held.id })).toString()
    const edited = original.replace('404 Not Found', '200 OK').replace('no such thing', 'here it is after all')
    await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(edited) })
    const out = (await answer).stdout
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(out).toMatch(/Content-Length: 20\r\n/i)
    expect(out.endsWith('\r\n\r\nhere it is after all')).toBe(true)
  })

  it('drops a held request: it never reaches the server, and curl is not left waiting (the connection is reset)', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await addBreak(t.engine, proxyId, { match: 'http-request', method: 'POST' })
    const answer = curl('-d', 'v=1', `http://127.0.0.1:${proxyPort}/login`).then(
      () => 'answered',
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr })
    )
    const [held] = await heldQueue(t.engine)
    const asked = Date.now()
    expect(await t.engine['held.drop']({ heldId: held.id })).toEqual({ action: 'dropped', sent: 0 })
    // curl's exit 56: "Recv failure: Connection reset by peer", long before its 10 s.
    expect(await answer).toMatchObject({ code: 56 })
    expect(Date.now() - asked).toBeLessThan(5000)
    expect(seen).toEqual([])
    const connId = await lastConnId(t.engine)
    const records = await breakRecords(t.engine, connId)
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'dropped'])
    expect(String(records[1].info?.message)).toMatch(/^dropped after \d+\.\d s, connection closed with RST: HTTP\/1 cannot end one request and keep its connection$/)
    expect(records[1].info).toMatchObject({ closedWith: 'rst' })
    const closed = await closedSummary(t.engine, connId)
    expect(closed.end).toBe('tcpscope-reset')
    expect(closed.changed?.reset).toEqual({ by: 'breakpoint', rst: { client: true, server: true } })
  })

  it('drops a held response: curl is not left waiting for it', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await addBreak(t.engine, proxyId, { match: 'http-response', status: '404' })
    const answer = curl(`http://127.0.0.1:${proxyPort}/missing`).then(
      () => 'answered',
      (err: { code?: number }) => ({ code: err.code })
    )
    const [held] = await heldQueue(t.engine)
    const asked = Date.now()
    await t.engine['held.drop']({ heldId: held.id })
    expect(await answer).toMatchObject({ code: 56 })
    expect(Date.now() - asked).toBeLessThan(3000)
    expect(seen.map((s) => s.url)).toEqual(['/missing'])
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(String(records[1].info?.message)).toMatch(/^dropped after \d+\.\d s, connection closed with RST: HTTP\/1 cannot end one response and keep its connection$/)
  })

  it('lets a message over the hold limit through as it comes, and says so', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await addBreak(t.engine, proxyId, { match: 'http-request', path: '/big' })
    const big = 'x'.repeat(17 * 1024 * 1024)
    const answer = run('curl', ['-sS', '--max-time', '20', '--data-binary', '@-', `http://127.0.0.1:${proxyPort}/big`], { maxBuffer: 1 << 20 })
    answer.child.stdin!.end(big)
    expect((await answer).stdout).toBe(`got ${big.length} bytes`)
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records.map((r) => r.info?.action)).toEqual(['too-big'])
    expect(String(records[0].info?.message)).toMatch(/^not held: POST \/big is over the 16\.0 MiB hold limit, let through as it came$/)
    expect(records[0].info).toMatchObject({ summary: 'POST /big' })
  })
})

describe('an edit sent as written', () => {
  it('keeps the Content-Length the person left when asked to', async () => {
    const got: Buffer[] = []
    const p = await proxyTo(t.engine, (s) => s.on('data', (c: Buffer) => got.push(c)))
    await addBreak(t.engine, p.proxyId, { match: 'http-request' })
    const c = await connected(p.port)
    c.write('POST /raw HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc')
    const [held] = await heldQueue(t.engine)
    const edited = 'POST /raw HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef'
    await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(edited), fixLength: false })
    await waitFor(() => Buffer.concat(got).toString() === edited, 'the edit as written')
    c.destroy()
    await p.close()
  })
})
