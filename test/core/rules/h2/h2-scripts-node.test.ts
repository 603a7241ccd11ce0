// A user's script on HTTP/2 streams, with Node's http2 client and server (h2c) through the
// proxy: onRequest answers on its stream, changes method, path, headers and body (the header
// tables staying right on both sides for the streams after), drops, resets one stream while
// the session goes on, closes the connection with GOAWAY, delays, fails with a 502 and lets a
// request that threw through; onResponse changes a status and a body larger than the client's
// window, and resets or drops one stream's response; with onResponse alone, requests are not held and the hook still sees the request's
// body. The pseudo-headers are not among the hook's headers. Each is recorded.
import { createHash, randomBytes } from 'node:crypto'
import http2 from 'node:http2'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { eventsOf } from '../../../helpers/sessions'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'

interface Seen {
  method: string
  path: string
  headers: http2.IncomingHttpHeaders
  body: Buffer
}

let t: TestEngine
let server: http2.Http2Server
let proxyId: string
let proxyPort: number
let seen: Seen[]
let session: http2.ClientHttp2Session | undefined

const sha16 = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16)

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
      seen.push({ method: String(headers[':method']), path, headers, body })
      if (stream.closed) return
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': path })
      stream.end(`${headers[':method']} ${path} ${body.length} ${sha16(body)} ${headers['x-n'] ?? ''}`)
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

async function loadScript(code: string): Promise<void> {
  const path = join(t.dir, 'hooks.js')
  await writeFile(path, code)
  await t.engine['script.load']({ proxyId, path })
}

function connect(settings: http2.Settings = {}): http2.ClientHttp2Session {
  session = http2.connect(`http://127.0.0.1:${proxyPort}`, { settings })
  session.on('error', () => {})
  return session
}

interface Answer {
  status: number
  headers: http2.IncomingHttpHeaders
  body: Buffer
  rstCode?: number
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
    req.on('close', () => (status === 0 ? reject(Object.assign(new Error(`no answer on ${path} (stream closed with ${req.rstCode})`), { rstCode: req.rstCode })) : resolve({ status, headers, body: Buffer.concat(parts), rstCode: req.rstCode })))
    req.on('error', () => {})
  })
}

/** Every `rule` record of the proxy's connections. */
async function ruleRecords(): Promise<Array<{ dir: string; rule: string; action: string; message: string; delivered?: string }>> {
  const conns = t.engine.capture.connections().filter((c) => c.kind === 'proxy')
  const all = await Promise.all(conns.map((c) => eventsOf(t.engine, c.id)))
  return all.flat().flatMap((e) => (e.kind === 'rule' ? [{ dir: e.dir ?? '', ...(e.info as { rule: string; action: string; message: string; delivered?: string }) }] : []))
}

const ON_REQUEST = `
export async function onRequest(req, ctx) {
  const names = [...req.headers.keys()]
  if (req.path === '/answer') return { status: 201, headers: { 'x-by': 'script', 'x-names': names.join(',') }, body: 'answered ' + req.method + ' ' + req.url + ' ' + req.body.length + ' ' + req.headers.get('x-n') }
  if (req.path === '/change') {
    req.method = 'PUT'
    req.url = '/changed?q=1'
    req.headers.set('x-n', 'changed-' + req.headers.get('x-n'))
    req.headers.set('x-added', 'by-script')
    req.body = req.body.toUpperCase() + '!'
    return
  }
  if (req.path === '/drop') return ctx.drop()
  if (req.path === '/reset') return ctx.reset()
  if (req.path === '/close') return ctx.close()
  if (req.path === '/slow') ctx.delay(200)
  if (req.path === '/boom') throw new Error('boom')
  if (req.path === '/fail') { ctx.fail(); throw new Error('not today') }
}
`

describe('a script on HTTP/2 streams', () => {
  it('onRequest answers, changes, drops and resets streams of one session, both header tables staying right', async () => {
    await loadScript(ON_REQUEST)
    const s = connect()
    const h = { 'x-session': 'same-value-each-time', cookie: 'c=1' }
    const answered = await request(s, '/answer?x=1', { method: 'POST', body: 'hello', headers: { ...h, 'x-n': '1' } })
    expect(answered.status).toBe(201)
    expect(answered.headers['x-by']).toBe('script')
    expect(answered.body.toString()).toBe('answered POST /answer?x=1 5 1')
    // The hook's headers are the regular ones, no pseudo-headers and no host made from :authority.
    expect(answered.headers['x-names']).toBe('x-session,cookie,x-n')

    const body = randomBytes(100_000).toString('hex')
    const changed = await request(s, '/change', { body, headers: { ...h, 'x-n': '2' } })
    const upper = Buffer.from(body.toUpperCase() + '!')
    expect(changed.body.toString()).toBe(`PUT /changed?q=1 ${upper.length} ${sha16(upper)} changed-2`)
    expect(seen.at(-1)!.headers['x-added']).toBe('by-script')
    expect(seen.at(-1)!.headers['content-length']).toBe(String(upper.length))

    const dropped = request(s, '/drop', { timeoutMs: 300, headers: h })
    const reset = request(s, '/reset', { headers: h })
    await expect(reset).rejects.toMatchObject({ rstCode: http2.constants.NGHTTP2_INTERNAL_ERROR })
    // Passing requests after each of them, concurrently: the target's table is right.
    const passing = await Promise.all(Array.from({ length: 10 }, (_, i) => request(s, `/pass/${i}`, { headers: { ...h, 'x-n': `p${i}` } })))
    for (const [i, a] of passing.entries()) expect(a.body.toString()).toMatch(new RegExp(`^GET /pass/${i} 0 \\w+ p${i}$`))
    await expect(dropped).rejects.toThrow(/no answer on \/drop/)
    expect(seen.map((x) => x.path).filter((p) => !p.startsWith('/pass'))).toEqual(['/changed?q=1'])
    for (const x of seen) expect(x.headers['x-session']).toBe('same-value-each-time')

    const records = await ruleRecords()
    expect(records.map((r) => [r.dir, r.rule, r.action, r.message])).toEqual([
      ['client', 'script', 'script', 'the script answered POST /answer?x=1 with 201 on stream 1 (not sent to the target)'],
      ['client', 'script', 'script', 'the script changed POST /change'],
      ['client', 'script', 'script', 'the script dropped GET /drop (stream 5; not sent to the target)'],
      ['client', 'script', 'script', 'the script reset stream 7 of GET /reset (RST_STREAM INTERNAL_ERROR; not sent to the target)']
    ])
    expect(records[0].delivered).toBeDefined()
  })

  it('onRequest delays one stream, fails another with a 502, lets one that threw through, and closes the connection with GOAWAY', async () => {
    await loadScript(ON_REQUEST)
    const s = connect()
    const start = Date.now()
    const slow = request(s, '/slow')
    const fail = await request(s, '/fail')
    expect(fail.status).toBe(502)
    expect(fail.body.toString()).toMatch(/the script failed the request: onRequest threw: not today/)
    const boom = await request(s, '/boom', { headers: { 'x-n': 'b' } })
    expect(boom.body.toString()).toMatch(/^GET \/boom 0 \w+ b$/)
    expect((await slow).headers['x-path']).toBe('/slow')
    expect(Date.now() - start).toBeGreaterThanOrEqual(190)

    const goaway = new Promise<number>((r) => s.once('goaway', (code) => r(code)))
    const closed = request(s, '/close').catch((err: Error) => err)
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR)
    expect(await closed).toBeInstanceOf(Error)
    expect(seen.map((x) => x.path).sort()).toEqual(['/boom', '/slow'])
    // (A `renumber` record too when /boom went before /slow: h2-rules-overtake.test.ts.)
    const records = (await ruleRecords()).filter((r) => r.action !== 'renumber')
    expect(records.map((r) => r.action)).toEqual(['delay', 'error', 'script', 'error', 'script'])
    expect(records.find((r) => r.message.includes('boom'))?.message).toMatch(/^the script's onRequest failed on GET \/boom: onRequest threw: boom \(hooks\.js:\d+\); the request went on unchanged$/)
    expect(records.at(-1)?.message).toBe('the script closed the connection at GET /close (GOAWAY to both sides)')
  })

  it('onResponse changes a status and a body past a small client window, seeing the request it answers', async () => {
    await loadScript(`
export function onResponse(res, req, ctx) {
  if (req.path === '/res-reset') return ctx.reset()
  if (req.path === '/res-drop') return ctx.drop()
  if (req.path === '/teapot') res.status = 418
  if (req.path === '/long') res.body = res.body + ' ' + req.bytes.length + ' ' + req.headers.get('x-n') + ' ' + 'y'.repeat(200000)
}
`)
    const s = connect({ initialWindowSize: 16_384 })
    const teapot = await request(s, '/teapot')
    expect(teapot.status).toBe(418)
    expect(teapot.headers['x-path']).toBe('/teapot')
    const upload = randomBytes(150_000)
    const [long, plain] = await Promise.all([request(s, '/long', { body: upload, headers: { 'x-n': 'L' } }), request(s, '/plain')])
    const text = long.body.toString()
    expect(text.startsWith(`POST /long 150000 ${sha16(upload)} L 150000 L yyy`)).toBe(true)
    expect(text.length).toBe(`POST /long 150000 ${sha16(upload)} L 150000 L `.length + 200000)
    expect(plain.body.toString()).toMatch(/^GET \/plain 0 /)
    // The server got the upload whole and unchanged: with onResponse alone, requests are not held.
    expect(seen.find((x) => x.path === '/long')!.body.equals(upload)).toBe(true)
    // A response reset or dropped: that stream alone.
    await expect(request(s, '/res-reset')).rejects.toMatchObject({ rstCode: http2.constants.NGHTTP2_INTERNAL_ERROR })
    await expect(request(s, '/res-drop', { timeoutMs: 300 })).rejects.toThrow(/no answer on \/res-drop/)
    expect((await request(s, '/after')).body.toString()).toMatch(/^GET \/after 0 /)
    const records = await ruleRecords()
    expect(records.filter((r) => r.action === 'script').map((r) => [r.dir, r.message])).toEqual([
      ['server', 'the script changed the response 200 to GET /teapot'],
      ['server', 'the script changed the response 200 to POST /long'],
      ['server', 'the script reset stream 7 at the response 200 to GET /res-reset (RST_STREAM INTERNAL_ERROR)'],
      ['server', 'the script dropped the response 200 to GET /res-drop (stream 9 never answered)']
    ])
  })

  it('runs after the rules: a rule answers first, a rule’s header rewrite goes on to the script', async () => {
    const rules: RuleSpec[] = [
      { match: { http: { path: '/mock' } }, steps: [{ respond: { status: 200, body: 'from the rule' } }] },
      { match: { http: { path: '/answer' } }, steps: [{ rewrite: { request: { headers: { 'x-n': 'by-rule' } } } }] }
    ]
    await t.engine['rules.set']({ proxyId, rules })
    await loadScript(ON_REQUEST)
    const s = connect()
    expect((await request(s, '/mock')).body.toString()).toBe('from the rule')
    const a = await request(s, '/answer', { method: 'POST', body: 'abc', headers: { 'x-n': 'client' } })
    expect(a.body.toString()).toBe('answered POST /answer 3 by-rule')
    expect(seen).toEqual([])
    const records = await ruleRecords()
    expect(records.map((r) => [r.rule, r.action])).toEqual([
      ['r1', 'respond'],
      ['script', 'script']
    ])
  })
})
