// A server session with a canned HTTP response answers each complete request exactly once,
// however TCP chunked it: keep-alive, pipelining, bodies by length or chunked, HEAD,
// `Connection: close`, and a 400 for garbage.
import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Socket } from 'node:net'
import { buildCannedResponse } from '../../../src/core/session/http-responder'
import type { HttpResponseSpec } from '../../../src/shared/session-types'
import { connectTo, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { needPeer } from '../../helpers/peers'
import { captured, closedSummary, connIdOf, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

const BODY = '你好 world'
const RESPONSE: HttpResponseSpec = {
  status: 200,
  headers: ['Content-Type: text/plain; charset=utf-8', 'X-Test: 1'],
  body: { kind: 'text', data: BODY }
}
/** What the session sends for one keep-alive request, written out by hand. */
const KEEP_ALIVE_RESPONSE = Buffer.concat([
  Buffer.from(
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Test: 1\r\n' +
      `Content-Length: ${Buffer.byteLength(BODY)}\r\nConnection: keep-alive\r\n\r\n`
  ),
  Buffer.from(BODY)
])
const HEAD_ONLY = KEEP_ALIVE_RESPONSE.subarray(0, KEEP_ALIVE_RESPONSE.length - Buffer.byteLength(BODY))

async function httpServer(): Promise<{ port: number; serverId: string }> {
  const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { http: RESPONSE } })
  return { port: portOf(s.listen), serverId: s.id }
}

/** Counts the responses in what a client received (each starts with a status line). */
const responsesIn = (text: string): number => text.split('HTTP/1.1 ').length - 1

/** Writes `bytes` and waits until the session has recorded them, so each write is its own chunk. */
async function writeRecorded(socket: Socket, connId: number, bytes: Buffer): Promise<void> {
  const before = summaryOf(t.engine, connId).bytes.client
  socket.write(bytes)
  await waitFor(() => summaryOf(t.engine, connId).bytes.client === before + bytes.length, 'the session to record the write')
}

describe('server session: canned HTTP response', () => {
  it('builds the response with a byte-exact Content-Length for UTF-8 text', async () => {
    expect(Buffer.byteLength(BODY)).toBe(12) // 2 CJK characters of 3 bytes + 6 ASCII
    const canned = await buildCannedResponse(RESPONSE)
    expect(canned.keepAlive).toEqual(KEEP_ALIVE_RESPONSE)
    expect(canned.headOnly.keepAlive).toEqual(HEAD_ONLY)
  })

  it('answers curl twice on one keep-alive connection', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const { port, serverId } = await httpServer()
    const { stdout, stderr } = await promisify(execFile)('curl', ['-sS', '-v', `http://127.0.0.1:${port}/a`, `http://127.0.0.1:${port}/b`], {
      encoding: 'utf8',
      timeout: 15_000
    })
    expect(stdout).toBe(BODY + BODY)
    expect(stderr).toMatch(/Re-using existing connection/)
    expect(stderr.match(/^< Content-Length: (\d+)\r?$/gm)).toEqual(['< Content-Length: 12\r', '< Content-Length: 12\r'])
    expect(stderr).toMatch(/^< X-Test: 1\r?$/m)

    const conns = (t.engine.capture.connections()).filter((c) => c.kind === 'server')
    expect(conns).toHaveLength(1)
    expect((await t.engine['session.list']())[0]).toMatchObject({ id: serverId, accepted: 1 })
    const conn = await closedSummary(t.engine, conns[0].id)
    expect(conn.bytes.server).toBe(2 * KEEP_ALIVE_RESPONSE.length)
    expect(await captured(t.engine, conn.id, 'server')).toEqual(Buffer.concat([KEEP_ALIVE_RESPONSE, KEEP_ALIVE_RESPONSE]))
    const requests = (await captured(t.engine, conn.id, 'client')).toString()
    expect(requests).toMatch(/^GET \/a HTTP\/1\.1\r\n[^]*\r\n\r\nGET \/b HTTP\/1\.1\r\n[^]*\r\n\r\n$/)
  })

  it('answers two pipelined requests written in one chunk with two responses', async () => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    client.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await client.atLeast(2 * KEEP_ALIVE_RESPONSE.length)).toEqual(Buffer.concat([KEEP_ALIVE_RESPONSE, KEEP_ALIVE_RESPONSE]))
    const connId = await connIdOf(t.engine, client.socket)
    client.socket.end()
    expect((await closedSummary(t.engine, connId)).bytes.server).toBe(2 * KEEP_ALIVE_RESPONSE.length)
  })

  it('answers a request that arrives one byte at a time exactly once, after its last byte', async () => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    const connId = await connIdOf(t.engine, client.socket)
    const request = Buffer.from('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
    for (let i = 0; i < request.length - 1; i++) await writeRecorded(client.socket, connId, request.subarray(i, i + 1))
    expect(summaryOf(t.engine, connId).bytes.server).toBe(0)
    await writeRecorded(client.socket, connId, request.subarray(-1))
    expect(await client.atLeast(KEEP_ALIVE_RESPONSE.length)).toEqual(KEEP_ALIVE_RESPONSE)
    client.socket.end()
    const conn = await closedSummary(t.engine, connId)
    expect(conn.bytes).toEqual({ client: request.length, server: KEEP_ALIVE_RESPONSE.length })
  })

  it.each([
    ['a Content-Length body', 'POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n', ['hello', ' world']],
    [
      'a chunked body',
      'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      ['5\r\nhello\r\n', '6;ext=1\r\n world\r\n', '0\r\n', 'X-Trailer: 1\r\n', '\r\n']
    ]
  ])('answers a POST with %s exactly once, when the body is complete', async (_, head, bodyParts) => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    const connId = await connIdOf(t.engine, client.socket)
    await writeRecorded(client.socket, connId, Buffer.from(head))
    for (const part of bodyParts.slice(0, -1)) await writeRecorded(client.socket, connId, Buffer.from(part))
    expect(summaryOf(t.engine, connId).bytes.server).toBe(0)
    await writeRecorded(client.socket, connId, Buffer.from(bodyParts.at(-1)!))
    // A GET after the body proves the body was consumed exactly: it gets its own response.
    client.socket.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await client.atLeast(2 * KEEP_ALIVE_RESPONSE.length)).toEqual(Buffer.concat([KEEP_ALIVE_RESPONSE, KEEP_ALIVE_RESPONSE]))
    client.socket.end()
    expect((await closedSummary(t.engine, connId)).bytes.server).toBe(2 * KEEP_ALIVE_RESPONSE.length)
  })

  it('answers HEAD with the headers only, and the next request with the whole response', async () => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    client.socket.write('HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await client.atLeast(HEAD_ONLY.length + KEEP_ALIVE_RESPONSE.length)).toEqual(Buffer.concat([HEAD_ONLY, KEEP_ALIVE_RESPONSE]))
    expect(HEAD_ONLY.toString()).toContain('Content-Length: 12\r\n')
  })

  it('sends Connection: close and then FIN when the request asks to close', async () => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    const connId = await connIdOf(t.engine, client.socket)
    // The second request comes after the one that closes, so it must go unanswered.
    client.socket.write('GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: x\r\n\r\n')
    await waitFor(() => client.ended, 'the server FIN')
    expect(responsesIn(client.text)).toBe(1)
    expect(client.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n\r\n你好 world$/)
    expect(client.text).not.toContain('keep-alive')
    client.socket.end()
    expect(await closedSummary(t.engine, connId)).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
  })

  it('closes an HTTP/1.0 request without keep-alive after one response', async () => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    client.socket.write('GET / HTTP/1.0\r\n\r\n')
    await waitFor(() => client.ended, 'the server FIN')
    expect(responsesIn(client.text)).toBe(1)
    expect(client.text).toContain('Connection: close\r\n')
  })

  it('answers garbage with 400 Bad Request, closes, and warns', async () => {
    t = await testEngine()
    const { port, serverId } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    const connId = await connIdOf(t.engine, client.socket)
    client.socket.write('HELLO THERE\r\n\r\n')
    await waitFor(() => client.ended, 'the server FIN')
    expect(client.text).toBe('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    client.socket.end()
    expect(await closedSummary(t.engine, connId)).toMatchObject({ end: 'closed' })
    const warnings = t.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(new RegExp(`^${serverId}: #${connId} sent garbage HTTP \\(not an HTTP/1\\.x request line: "HELLO THERE"\\); answered 400 and closed$`))
  })

  it('answers requests that follow a 400 with nothing', async () => {
    t = await testEngine()
    const { port } = await httpServer()
    const client = new SocketReader(await connectTo(port))
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await waitFor(() => client.ended, 'the server FIN')
    expect(responsesIn(client.text)).toBe(1)
    expect(client.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
  })
})
