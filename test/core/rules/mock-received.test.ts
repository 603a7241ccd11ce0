// A request a rule's mock answered: the target never got it, so its stream holds no response,
// and the answer the client got is kept in the `rule` record (the client's direction). The
// lists read that answer: the exchange list's status, type, received size and duration, the
// connection list's Info, and the HTTP view's exchange (answeredBy.got) say what the client
// received, not 0 B; the connection list's row says a rule changed what was delivered (a
// drop is no change of it). A real client and a real target on loopback.
import type { Socket } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, waitFor } from '../../helpers/net'
import { eventsOf } from '../../helpers/sessions'
import type { ExchangeRow } from '../../../src/shared/protocol-types'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'
import { proxyTo, type ToxicProxy } from '../fault/toxic-helpers'

let t: TestEngine
let target: ToxicProxy
let targetGot: string
let proxyId: string
let proxyPort: number

beforeEach(async () => {
  t = await testEngine()
  targetGot = ''
  target = await proxyTo(t.engine, (s) =>
    s.on('data', (d: Buffer) => {
      targetGot += d.toString('latin1')
      if (d.toString('latin1') === 'ping') s.end('pong')
    })
  )
  proxyId = target.proxyId
  proxyPort = target.port
})
afterEach(async () => {
  await target.close()
  await t.dispose()
})

const BODY = '{"name":"from-rule"}'

/** Sends `requests` on one connection and waits until what came back passes `until`. */
async function exchange(requests: string, until: (got: string) => boolean): Promise<{ socket: Socket; got: string }> {
  const socket = await connectTo(proxyPort)
  let got = ''
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
  socket.write(requests)
  await waitFor(() => until(got), 'the mocked answers')
  return { socket, got }
}

async function rows(n: number, settled: (r: ExchangeRow) => boolean = (r) => r.state === 'complete'): Promise<ExchangeRow[]> {
  const start = Date.now()
  for (;;) {
    const page = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })
    if (page.scan === undefined && page.rows.length >= n && page.rows.every(settled)) return page.rows
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${n} exchanges: ${JSON.stringify(page)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * A server session answering by `rules` (and `script`, a module's text): GETs of `paths` sent
 * on one connection with the client's FIN right after them; what came back by the session's FIN.
 */
async function servedToFin(paths: string[], rules: RuleSpec[], script?: string): Promise<{ conn: number; got: string }> {
  const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
  await t.engine['rules.set']({ proxyId: server.id, rules })
  if (script !== undefined) {
    const path = join(t.dir, 'hooks.js')
    await writeFile(path, script)
    await t.engine['script.load']({ proxyId: server.id, path })
  }
  const socket = await connectTo(portOf(server.listen))
  let got = ''
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
  const ended = new Promise((resolve) => socket.once('end', resolve))
  socket.end(paths.map((p) => `GET ${p} HTTP/1.1\r\nhost: a.test\r\n\r\n`).join(''))
  await ended
  const [conn] = t.engine.capture.connections().filter((c) => c.kind === 'server')
  return { conn: conn.id, got }
}

describe('a request a mock answered', () => {
  it('is listed with the answer the client received: status, type, body size and duration', async () => {
    await t.engine['rules.set']({
      proxyId,
      rules: [{ name: 'mock the user', match: { http: { path: '/api/user' } }, steps: [{ respond: { status: 201, headers: { 'content-type': 'application/json' }, body: BODY } }] }]
    })
    const { socket, got } = await exchange('GET /api/user HTTP/1.1\r\nhost: api.test\r\n\r\nHEAD /api/user HTTP/1.1\r\nhost: api.test\r\n\r\n', (g) => g.split('HTTP/1.1 201').length === 3)
    // The client got the whole answer to the GET (head and body), and the HEAD's head alone.
    expect(got.endsWith(`\r\n\r\n${BODY}HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 20\r\nconnection: keep-alive\r\n\r\n`)).toBe(true)
    socket.end()
    expect(targetGot).toBe('')

    const [get, head] = await rows(2)
    expect(get).toMatchObject({ method: 'GET', path: '/api/user', status: 201, contentType: 'application/json', responseSize: BODY.length, state: 'complete' })
    expect(get.duration).toBeGreaterThanOrEqual(0)
    expect(head).toMatchObject({ method: 'HEAD', status: 201, responseSize: 0 })
    // Filters and orders read the same columns.
    const byStatus = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10, filter: 'status:2xx type:json' })
    expect(byStatus.rows.map((r) => r.method)).toEqual(['GET', 'HEAD'])

    const connId = get.connId
    const [summary] = await t.engine['conn.get']({ capture: 'live', ids: [connId] })
    expect(summary.protocol?.first).toMatchObject({ method: 'GET', target: '/api/user', status: 201, contentType: 'application/json', size: BODY.length })
    expect(summary.changed).toEqual({ rule: true })
    // The target sent nothing; the connection list counts the answers as received.
    expect(summary.bytes.server).toBe(0)
    expect(summary.answered).toBe(got.length)
    const changed = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter: 'changed:rule -changed:breakpoint' })
    expect(changed.rows.map((r) => r.id)).toEqual([connId])
    // Sorted by what the clients received, it comes before a connection whose target sent
    // 4 bytes (first, counting the target's bytes alone).
    const other = await connectTo(proxyPort)
    other.on('data', () => undefined)
    other.end('ping')
    await expect.poll(async () => (await t.engine['conn.get']({ capture: 'live', ids: [connId + 1] }))[0]?.bytes.server).toBe(4)
    const byReceived = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, sort: 'received', descending: true })
    expect(byReceived.rows.map((r) => r.id)).toEqual([connId, connId + 1])
    // Saved, the file's stored index keeps the answers' bytes; reopened, the list reads them from it.
    const saved = join(t.dir, 'answered.tcap')
    await t.engine['capture.save']({ path: saved })
    const opened = await t.engine['capture.open']({ path: saved })
    expect(opened.indexProblem).toBeUndefined()
    const [reopened] = await t.engine['conn.get']({ capture: opened.id, ids: [connId] })
    expect(reopened).toMatchObject({ bytes: { server: 0 }, answered: got.length })
    const [plain] = await t.engine['conn.get']({ capture: opened.id, ids: [connId + 1] })
    expect(plain.answered).toBeUndefined()

    const page = await t.engine['http.exchanges']({ capture: 'live', connId, from: 0, limit: 10 })
    const [x] = page.exchanges
    // No response from the target is made up: the exchange says who answered and what the client got.
    expect(x.response).toBeUndefined()
    expect(x.answeredBy).toMatchObject({ rule: 'r1', label: 'mock the user', action: 'respond', got: { status: 201, contentType: 'application/json', size: BODY.length } })
    expect(x.answeredBy!.got!.at).toBeGreaterThanOrEqual(x.request!.startedAt)
  })

  it("pairs a server session's answers with their requests: they are in its server stream, not in a target's place", async () => {
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    await t.engine['rules.set']({ proxyId: server.id, rules: [{ match: { http: { path: '/m' } }, steps: [{ respond: { status: 201, body: 'mocked' } }] }] })
    const socket = await connectTo(portOf(server.listen))
    let got = ''
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
    // The rule answers the first; the session's own 404 the second (no rule answers it).
    socket.end('GET /m HTTP/1.1\r\nhost: a.test\r\n\r\nGET /n HTTP/1.1\r\nhost: a.test\r\n\r\n')
    await waitFor(() => got.includes('HTTP/1.1 404'), 'both answers')
    const all = await rows(2)
    expect(all.map((r) => [r.path, r.status, r.responseSize])).toEqual([
      ['/m', 201, 6],
      ['/n', 404, 'no rule answers this request.\r\n'.length]
    ])
    const page = await t.engine['http.exchanges']({ capture: 'live', connId: all[0].connId, from: 0, limit: 10 })
    expect(page.exchanges.map((x) => [x.request?.startLine, x.response?.startLine])).toEqual([
      ['GET /m HTTP/1.1', 'HTTP/1.1 201 Created'],
      ['GET /n HTTP/1.1', 'HTTP/1.1 404 Not Found']
    ])
  })

  it("answers a client that half-closes right after its requests, then ends; a server session's rules and script answer for it, and their records name no target", async () => {
    // Its FIN right after them: the script's answer, which takes a round trip to its thread,
    // still comes, and the session's FIN after it (Node's own end on the client's FIN came first).
    const { conn, got } = await servedToFin(['/m', '/s'], [{ match: { http: { path: '/m' } }, steps: [{ respond: { status: 201, body: 'mocked' } }] }], `export function onRequest(req) { if (req.path === '/s') return { status: 202, body: 'scripted' } }\n`)
    expect(got.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 201', 'HTTP/1.1 202'])
    expect(got.endsWith('scripted')).toBe(true)
    const rules = async (): Promise<unknown[]> => (await eventsOf(t.engine, conn)).filter((e) => e.kind === 'rule').map((e) => e.info?.message)
    await expect.poll(rules).toEqual(['answered GET /m with 201', 'the script answered GET /s with 202'])
  })

  it('ends a server session that half-closed behind a request a rule never answers, as a proxy ends it', async () => {
    // The first is answered (the session's 404); nothing comes after the one never answered.
    const { got } = await servedToFin(['/a', '/never', '/b'], [{ match: { http: { path: '/never' } }, steps: [{ timeout: true }] }])
    expect(got.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 404'])
  })

  it('makes up no answer for a request a rule dropped', async () => {
    await t.engine['rules.set']({ proxyId, rules: [{ name: 'drop it', match: { http: { path: '/gone' } }, steps: [{ drop: true }] }] })
    const socket = await connectTo(proxyPort)
    socket.write('GET /gone HTTP/1.1\r\nhost: api.test\r\n\r\n')
    const [row] = await rows(1, (r) => r.state !== 'pending')
    socket.destroy()
    expect(row.status).toBeUndefined()
    expect(row.responseSize).toBe(0)
    const page = await t.engine['http.exchanges']({ capture: 'live', connId: row.connId, from: 0, limit: 10 })
    expect(page.exchanges[0].answeredBy?.action).toBe('drop')
    expect(page.exchanges[0].answeredBy?.got).toBeUndefined()
    const [summary] = await t.engine['conn.get']({ capture: 'live', ids: [row.connId] })
    expect(summary.changed).toBeUndefined()
  })
})
