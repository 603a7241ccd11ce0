// Traffic rules on HTTP/2: a request a rule delays, or holds whole for a body rewrite, holds
// back none of the streams the client opens after it on the same connection (Node's http2
// client and server through the proxy). The held request reaches the target under a later
// stream id of the target's own (a client's new ids must increase), so the streams that
// overtook it keep their places; the capture's decoder still pairs every request with its
// response (`renumber` records); a push from the target on a renumbered stream reaches the
// client on the right stream; and the target's GOAWAY is told the client in its own ids,
// the held request it never got refused (REFUSED_STREAM) rather than left hanging.
import { createHash, randomBytes } from 'node:crypto'
import http2 from 'node:http2'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { eventsOf } from '../../../helpers/sessions'
import { waitFor } from '../../../helpers/net'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { Decoding } from '../../../../src/core/decode/decoding'

const WORKER = resolve(__dirname, '../../../../out/cli/decode-worker.cjs')

interface Seen {
  path: string
  body: Buffer
  /** The target's stream id. */
  id: number
}

let t: TestEngine
let server: http2.Http2Server
let proxyId: string
let proxyPort: number
let seen: Seen[]
let session: http2.ClientHttp2Session | undefined
const targetSessions: http2.ServerHttp2Session[] = []
/** What the target does with a request once it has come whole (by default: answers with its path, body size and hash). */
let onRequest: ((stream: http2.ServerHttp2Stream, path: string, body: Buffer) => boolean) | undefined

const sha16 = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16)

beforeEach(async () => {
  t = await testEngine()
  seen = []
  onRequest = undefined
  server = http2.createServer()
  // A session the target said GOAWAY on stays open: closed with the test.
  server.on('session', (ss) => targetSessions.push(ss))
  server.on('stream', (stream, headers) => {
    const parts: Buffer[] = []
    stream.on('data', (c: Buffer) => parts.push(c))
    stream.on('error', () => {})
    stream.on('end', () => {
      const path = String(headers[':path'])
      const body = Buffer.concat(parts)
      seen.push({ path, body, id: stream.id! })
      if (onRequest?.(stream, path, body) === true) return
      stream.respond({ ':status': 200, 'x-path': path })
      stream.end(`${path} ${body.length} ${sha16(body)}`)
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
  for (const ss of targetSessions.splice(0)) ss.destroy()
  await new Promise((r) => server.close(r))
  await t.dispose()
})

const setRules = (rules: RuleSpec[]): Promise<unknown> => t.engine['rules.set']({ proxyId, rules })

function connect(): http2.ClientHttp2Session {
  session = http2.connect(`http://127.0.0.1:${proxyPort}`)
  session.on('error', () => {})
  return session
}

interface Answer {
  status: number
  headers: http2.IncomingHttpHeaders
  body: string
  rstCode?: number
}

/** The answer on `req` (rejected with its RST_STREAM code when it closes unanswered). */
function answerOf(req: http2.ClientHttp2Stream, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0
    let headers: http2.IncomingHttpHeaders = {}
    const parts: Buffer[] = []
    req.on('response', (h) => {
      headers = h
      status = Number(h[':status'])
    })
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('close', () => (status === 0 ? reject(Object.assign(new Error(`no answer on ${path}`), { rstCode: req.rstCode })) : resolve({ status, headers, body: Buffer.concat(parts).toString() })))
    req.on('error', () => {})
  })
}

/** GET `path`; `done` gets its path once it has its whole answer. */
function get(s: http2.ClientHttp2Session, path: string, done: string[]): Promise<Answer> {
  const req = s.request({ ':path': path })
  req.end()
  return answerOf(req, path).then((a) => {
    done.push(path)
    return a
  })
}

async function proxyConnection(): Promise<number> {
  const conns = t.engine.capture.connections().filter((c) => c.kind === 'proxy')
  expect(conns).toHaveLength(1)
  return conns[0].id
}

async function renumberRecords(connId: number): Promise<Array<Record<string, unknown>>> {
  return (await eventsOf(t.engine, connId)).flatMap((e) => (e.kind === 'rule' && (e.info as { action?: string }).action === 'renumber' ? [e.info as Record<string, unknown>] : []))
}

/** The connection as its decoder reads it from the capture: each request's path and the path its response names. */
async function decodedPairs(connId: number): Promise<Array<[string | undefined, string | undefined]>> {
  const page = await t.engine['http.exchanges']({ capture: 'live', connId })
  return page.exchanges.map((e) => [e.request?.target, e.response?.headers.find((h) => h.name === 'x-path')?.value])
}

describe('a held HTTP/2 request holds back no later stream', () => {
  it('a request delayed 800 ms: three requests opened after it complete first, and the target sees all four', async () => {
    await setRules([{ match: { http: { path: '/slow' } }, steps: [{ delay: 800 }] }])
    const s = connect()
    const done: string[] = []
    const slow = get(s, '/slow', done)
    const fast = ['/fast/1', '/fast/2', '/fast/3'].map((p) => get(s, p, done))
    const answers = await Promise.all([slow, ...fast])
    expect(done.slice(0, 3).sort()).toEqual(['/fast/1', '/fast/2', '/fast/3'])
    expect(done[3]).toBe('/slow')
    for (const [i, p] of ['/slow', '/fast/1', '/fast/2', '/fast/3'].entries()) {
      expect(answers[i].status).toBe(200)
      expect(answers[i].headers['x-path']).toBe(p)
      expect(answers[i].body).toBe(`${p} 0 ${sha16(Buffer.alloc(0))}`)
    }
    // The target got each once, in the order they went, its stream ids increasing.
    expect(seen.map((x) => x.path)).toEqual(['/fast/1', '/fast/2', '/fast/3', '/slow'])
    expect(seen.map((x) => x.id)).toEqual([3, 5, 7, 9])

    // The session goes on: a stream after the held one, its id past the held one's.
    expect((await get(s, '/after', done)).headers['x-path']).toBe('/after')
    expect(seen.at(-1)).toMatchObject({ path: '/after', id: 11 })

    session!.close()
    const connId = await proxyConnection()
    await waitFor(() => t.engine.capture.connections().every((c) => c.closedAt !== undefined), 'the connection to close')
    const marks = (await renumberRecords(connId)).filter((m) => m.targetStream !== undefined)
    expect(marks.map((m) => [m.stream, m.targetStream])).toEqual([
      [1, 9],
      [9, 11]
    ])
    // The decoder pairs each request with its own response, though the target's ids are not the client's.
    expect(await decodedPairs(connId)).toEqual([
      ['/slow', '/slow'],
      ['/fast/1', '/fast/1'],
      ['/fast/2', '/fast/2'],
      ['/fast/3', '/fast/3'],
      ['/after', '/after']
    ])
    // So does the decode worker, the records crossing to it with the bytes.
    await t.engine.close()
    const file = await FileCapture.open(t.capturePath)
    const there = new Decoding({ workerFile: WORKER })
    try {
      expect(there.mode).toBe('worker')
      const page = await there.exchanges(file, connId, 0, 100)
      expect(page.exchanges.map((e) => [e.request?.target, e.response?.headers.find((h) => h.name === 'x-path')?.value])).toEqual(['/slow', '/fast/1', '/fast/2', '/fast/3', '/after'].map((p) => [p, p]))
    } finally {
      await there.close()
      await file.close()
    }
  })

  it('a 200 KB POST held whole for a body rewrite: GETs opened after it complete while its body is still coming', async () => {
    await setRules([{ match: { http: { path: '/upload' } }, steps: [{ rewrite: { request: { replace: [{ find: 'x', with: 'yz' }] } } }] }])
    const s = connect()
    const done: string[] = []
    const body = Buffer.concat([randomBytes(100_000).map((b) => 97 + (b % 20)), Buffer.from('x'.repeat(100_000))])
    const post = s.request({ ':method': 'POST', ':path': '/upload', 'content-type': 'text/plain' })
    const posted = answerOf(post, '/upload').then((a) => {
      done.push('/upload')
      return a
    })
    post.write(body.subarray(0, 150_000))
    // The POST is held, its body not whole: the GETs go on meanwhile.
    const gets = await Promise.all(['/g/1', '/g/2', '/g/3'].map((p) => get(s, p, done)))
    for (const [i, a] of gets.entries()) expect(a.headers['x-path']).toBe(`/g/${i + 1}`)
    expect(done).toEqual(expect.arrayContaining(['/g/1', '/g/2', '/g/3']))
    expect(done).not.toContain('/upload')
    post.end(body.subarray(150_000))
    const answer = await posted
    const rewritten = Buffer.from(body.toString().replaceAll('x', 'yz'))
    expect(answer.body).toBe(`/upload ${rewritten.length} ${sha16(rewritten)}`)
    expect(seen.find((x) => x.path === '/upload')!.body.equals(rewritten)).toBe(true)
    expect(seen.map((x) => x.path)).toEqual(['/g/1', '/g/2', '/g/3', '/upload'])
  })

  it("a push from the target on a renumbered stream reaches the client on that stream", async () => {
    await setRules([{ match: { http: { path: '/page' } }, steps: [{ delay: 300 }] }])
    onRequest = (stream, path) => {
      if (path !== '/page') return false
      stream.pushStream({ ':path': '/page.css' }, (err, pushed) => {
        if (err) return
        pushed.respond({ ':status': 200, 'content-type': 'text/css' })
        pushed.end('body { color: red }')
      })
      stream.respond({ ':status': 200, 'x-path': path })
      stream.end('the page')
      return true
    }
    const s = connect()
    const pushed = new Promise<{ path: string; body: string }>((resolve) => {
      s.on('stream', (stream, headers) => {
        const parts: Buffer[] = []
        stream.on('data', (c: Buffer) => parts.push(c))
        stream.on('end', () => resolve({ path: String(headers[':path']), body: Buffer.concat(parts).toString() }))
      })
    })
    const done: string[] = []
    const page = get(s, '/page', done)
    expect((await get(s, '/other', done)).headers['x-path']).toBe('/other')
    expect((await page).body).toBe('the page')
    expect(await pushed).toEqual({ path: '/page.css', body: 'body { color: red }' })
    expect(done).toEqual(['/other', '/page'])
    expect(seen.map((x) => [x.path, x.id])).toEqual([
      ['/other', 3],
      ['/page', 5]
    ])
  })

  it("the target's GOAWAY in its own ids: the client is told its own, and the held request the target never got is refused", async () => {
    await setRules([{ match: { http: { path: '/slow' } }, steps: [{ delay: 800 }] }])
    onRequest = (stream, path) => {
      // The last of three: the target goes away, naming it its last stream.
      if (path === '/fast/3') stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id!)
      return false
    }
    const s = connect()
    const goaway = new Promise<number>((r) => s.once('goaway', (_code, last) => r(last)))
    const done: string[] = []
    const slow = get(s, '/slow', done).catch((err: { rstCode?: number }) => err)
    const fast = await Promise.all(['/fast/1', '/fast/2', '/fast/3'].map((p) => get(s, p, done)))
    for (const [i, a] of fast.entries()) expect(a.headers['x-path']).toBe(`/fast/${i + 1}`)
    // The target's last stream, 7, is the client's 7 (its /fast/3); the client's /slow (stream 1) never went.
    expect(await goaway).toBe(7)
    expect(await slow).toMatchObject({ rstCode: http2.constants.NGHTTP2_REFUSED_STREAM })
    expect(seen.map((x) => x.path)).toEqual(['/fast/1', '/fast/2', '/fast/3'])
    const connId = await proxyConnection()
    const records = await renumberRecords(connId)
    expect(records.at(-1)).toMatchObject({ goaway: 7, refused: [1] })
    // The decoder ends the refused request with the target's GOAWAY.
    const page = await t.engine['http.exchanges']({ capture: 'live', connId })
    expect(page.exchanges.map((e) => [e.request?.target, e.response?.status, e.ended?.kind])).toEqual([
      ['/slow', undefined, 'goaway'],
      ['/fast/1', 200, undefined],
      ['/fast/2', 200, undefined],
      ['/fast/3', 200, undefined]
    ])
  })

  it("a GOAWAY naming a renumbered stream is told the client as the highest of its own streams the target got", async () => {
    await setRules([{ match: { http: { path: '/held' } }, steps: [{ delay: 300 }] }])
    onRequest = (stream, path) => {
      // /held reached the target after /a: its id there is 5, the client's 1.
      if (path === '/held') stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id!)
      return false
    }
    const s = connect()
    const goaway = new Promise<number>((r) => s.once('goaway', (_code, last) => r(last)))
    const done: string[] = []
    const held = get(s, '/held', done)
    expect((await get(s, '/a', done)).headers['x-path']).toBe('/a')
    expect((await held).headers['x-path']).toBe('/held')
    expect(seen.map((x) => [x.path, x.id])).toEqual([
      ['/a', 3],
      ['/held', 5]
    ])
    // The target's 5 is the client's 1; the highest of the client's streams it got up to 5 is /a's 3.
    expect(await goaway).toBe(3)
    const connId = await proxyConnection()
    expect((await renumberRecords(connId)).map((r) => r.message)).toEqual([
      'stream 1 went to the target as its stream 5 (a request held here went after streams opened later)',
      "the target's GOAWAY named its stream 5: the client was told its stream 3"
    ])
    expect(await decodedPairs(connId)).toEqual([
      ['/held', '/held'],
      ['/a', '/a']
    ])
  })
})
