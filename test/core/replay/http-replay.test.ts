// HTTP replay of requests real clients (curl, Node's http) sent through the proxy, to a
// server that keeps the raw bytes it gets: byte-exact replay sends exactly the captured
// request again (a chunked body with its chunks), fixLength fits Host and Content-Length,
// repeats stay within their concurrency, and bad input is refused in one line.
import { describe, expect, it } from 'vitest'
import { proxiedPair, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { needPeer } from '../../helpers/peers'
import { REFUSED_PORT, startServer, waitFor } from '../../helpers/net'
import { expectOneLine, userRefusal } from '../../helpers/errors'
import { curl } from '../export/export-traffic'
import { capturedRequestBytes, nodeRequest, recorderBehindProxy, type RawRecorder } from './http-replay-peers'

const setup = recorderBehindProxy()

/** What the recorder got on the connection after the first `before`. */
const receivedAfter = async (r: RawRecorder, before: number): Promise<Buffer> => Buffer.concat(await waitFor(() => r.received[before], 'the replayed connection'))

describe('HTTP replay', () => {
  it('sends the captured request byte for byte and gets the recorded response', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { t, recorder, listen } = await setup()
    await curl(['-H', 'X-Mixed-Case: Value  with  spaces', '-H', 'x-dup: 1', '-H', 'x-dup: 2', `http://${listen}/get?q=1`])
    await nodeRequest(listen, '/node', { method: 'POST', headers: { 'X-First': '1', 'content-length': '5' }, body: 'hello' })
    const conns = await closedConnections(t.engine, 2)
    for (const c of conns) {
      const before = recorder.received.length
      const { first } = await t.engine['replay.http']({ capture: 'live', connId: c.id, exchange: 0 })
      expect((await receivedAfter(recorder, before)).toString('latin1')).toBe((await capturedRequestBytes(t.engine, c.id)).toString('latin1'))
      expect(first).toMatchObject({ matched: true, differences: [], fixed: [], target: `127.0.0.1:${recorder.port}` })
      expect(first!.response).toMatchObject({ status: 200, bodySize: 2, complete: true })
      expect(Buffer.from(first!.response!.body).toString()).toBe('ok')
      expect(first!.ms).toBeGreaterThanOrEqual(0)
    }
  })

  it('keeps a chunked body as it was on the wire', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { t, recorder, listen } = await setup()
    await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', 'a chunked body', `http://${listen}/chunked`])
    const [conn] = await closedConnections(t.engine, 1)
    const captured = await capturedRequestBytes(t.engine, conn.id)
    expect(captured.toString('latin1')).toMatch(/\r\n\r\ne\r\na chunked body\r\n0\r\n\r\n$/)
    let before = recorder.received.length
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0 })
    expect((await receivedAfter(recorder, before)).equals(captured)).toBe(true)
    expect(first!.matched).toBe(true)
    // fixLength leaves a chunked body alone (no Content-Length to set): only Host changes.
    before = recorder.received.length
    const fixed = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, fixLength: true })
    const got = await receivedAfter(recorder, before)
    const bodyOf = (b: Buffer): Buffer => b.subarray(b.indexOf('\r\n\r\n') + 4)
    expect(bodyOf(got).equals(bodyOf(captured))).toBe(true)
    expect(got.toString('latin1')).toContain(`\r\nHost: 127.0.0.1:${recorder.port}\r\n`)
    expect(fixed.first!.fixed).toEqual(['host'])
  })

  it('with fixLength sets Host to the target and Content-Length to the body', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/fix', { method: 'PUT', headers: { Host: 'example.invalid', 'Content-Length': '7' }, body: 'payload' })
    const [conn] = await closedConnections(t.engine, 1)
    const before = recorder.received.length
    const target = `localhost:${recorder.port}`
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, fixLength: true, target })
    const got = (await receivedAfter(recorder, before)).toString('latin1')
    expect(got).toMatch(new RegExp(`\\r\\nHost: ${target}\\r\\n`))
    expect(got).toMatch(/\r\nContent-Length: 7\r\n/)
    expect(got).not.toContain('example.invalid')
    expect(got.endsWith('\r\n\r\npayload')).toBe(true)
    expect(first!.fixed).toEqual(['host'])
  })

  it('repeats count times with at most concurrency connections at once', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/many')
    const [conn] = await closedConnections(t.engine, 1)
    const before = recorder.received.length
    const r = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, count: 20, concurrency: 4 })
    expect(r.summary).toMatchObject({ count: 20, concurrency: 4, statuses: { 200: 20 }, matched: 20, errors: 0 })
    expect(r.summary!.p50Ms).toBeLessThanOrEqual(r.summary!.p99Ms!)
    expect(r.summary!.perSecond).toBeGreaterThan(0)
    expect(recorder.received.length - before).toBe(20)
    expect(recorder.maxOpen).toBeLessThanOrEqual(4)
  })

  it('names what differs from the recorded response', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/changes')
    const [conn] = await closedConnections(t.engine, 1)
    recorder.status = 404
    recorder.body = 'gone'
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0 })
    expect(first!.matched).toBe(false)
    expect(first!.differences).toEqual(['status 404 (recorded 200)', 'body 4 bytes (recorded 2)'])
  })

  it('refuses in one line: unknown connection, no such exchange, not HTTP, incomplete request, unreachable target', async () => {
    const { t, listen } = await setup()
    await nodeRequest(listen, '/one')
    const [http] = await closedConnections(t.engine, 1)
    const refusal = async (args: Partial<Parameters<TestEngine['engine']['replay.http']>[0]>): Promise<string> => {
      const err = await userRefusal(t.engine['replay.http']({ capture: 'live', connId: http.id, exchange: 0, ...args }))
      expectOneLine(err.message)
      return err.message
    }
    expect(await refusal({ connId: 999 })).toBe('no connection #999 in this capture')
    expect(await refusal({ exchange: 3 })).toBe(`connection #${http.id} has no HTTP exchange 4 (it has 1)`)
    const closed = { port: REFUSED_PORT }
    expect(await refusal({ target: `127.0.0.1:${closed.port}` })).toBe(`connection refused by 127.0.0.1:${closed.port}: nothing is listening there; is the server running?`)
    const raw = await proxiedPair(t.engine)
    raw.client.end('PING hello\r\n')
    raw.serverSide.end()
    // Replays are recorded too (the refused one as well): the newest connection is this one.
    const rawId = (await closedConnections(t.engine, 3)).at(-1)!.id
    await raw.close()
    expect(await refusal({ connId: rawId })).toBe(`connection #${rawId} carries no HTTP request (it reads as raw); HTTP replay is for HTTP connections`)
    const cut = await proxiedPair(t.engine)
    cut.client.end('POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
    cut.serverSide.end()
    const cutId = (await closedConnections(t.engine, 4)).at(-1)!.id
    await cut.close()
    expect(await refusal({ connId: cutId })).toBe(`the request of exchange 1 of connection #${cutId} is incomplete in the capture: it cannot be sent again as it was`)
  })

  it('says when no response came: the server closed, or the timeout passed', async () => {
    const { t, listen } = await setup()
    await nodeRequest(listen, '/quiet')
    const [conn] = await closedConnections(t.engine, 1)
    const closing = await startServer((s) => s.once('data', () => s.end()))
    const silent = await startServer(() => {})
    const closed = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${closing.port}` })
    expect(closed.first).toMatchObject({ matched: false, differences: [`127.0.0.1:${closing.port} closed the connection without a response`] })
    const quiet = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${silent.port}`, timeoutMs: 50 })
    expect(quiet.first).toMatchObject({ matched: false, differences: [`no response from 127.0.0.1:${silent.port} within 50 ms`] })
    const many = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${closing.port}`, count: 3, concurrency: 2 })
    expect(many.summary).toMatchObject({ count: 3, errors: 3, unreachable: 0, statuses: {}, errorSamples: [`127.0.0.1:${closing.port} closed the connection without a response`] })
    await closing.close()
    await silent.close()
  })

  it('stops when cancelled', async () => {
    const { t, listen } = await setup()
    await nodeRequest(listen, '/stuck')
    const [conn] = await closedConnections(t.engine, 1)
    const silent = await startServer(() => {})
    const stop = new AbortController()
    const replaying = t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${silent.port}`, timeoutMs: 60_000 }, { signal: stop.signal })
    await waitFor(() => t.engine.capture.connections().some((c) => c.id > conn.id && c.end === 'open'), 'the replay to connect')
    stop.abort()
    await expect(replaying).rejects.toThrow(/cancel/)
    await silent.close()
  })
})
