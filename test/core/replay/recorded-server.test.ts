// A recorded server played to real clients: redis-cli gets the output the real redis-server
// gave it, once redis is gone; curl gets the recorded body; clients at once each get the
// whole conversation; a client that sends something else is told apart; a port in use is
// one line.
import { afterEach, describe, expect, it } from 'vitest'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { RecordedServer, type RecordedClientReport } from '../../../src/core/replay/recorded-server'
import { FdBudget } from '../../../src/core/net/fd-budget'
import { parseEndpoint } from '../../../src/shared/endpoint'
import { proxiedPair, testEngine, type TestEngine } from '../../helpers/engine'
import { userRefusal } from '../../helpers/errors'
import { connect, type Socket } from 'node:net'
import { collect, connectTo, outcomeOf, randomPayload, sha256, startServer, waitFor } from '../../helpers/net'
import { needPeer } from '../../helpers/peers'
import type { Redis } from '../../helpers/redis'
import { curl } from '../decode/decode-peers'
import { captureCurlExchange, RECORDED_BODY } from './recorded-server-captures'
import { captureRedisSession, redisCli, startReplayRedis } from './redis-capture'

let t: TestEngine | undefined
let redis: Redis | undefined
let capture: FileCapture | undefined
let server: RecordedServer | undefined
afterEach(async () => {
  await server?.stop()
  await capture?.close()
  redis?.stop()
  await t?.dispose()
  t = undefined
  redis = undefined
  capture = undefined
  server = undefined
})

const LOOPBACK = parseEndpoint('127.0.0.1:0')

/** Plays connection `connId` of the engine's capture (closed first, opened as a file). */
async function play(connId: number, reports: RecordedClientReport[], timeoutMs?: number): Promise<RecordedServer> {
  await t!.engine.close()
  capture = await FileCapture.open(t!.capturePath)
  server = await RecordedServer.start(capture, connId, { listen: LOOPBACK, timeoutMs, onClient: (r) => reports.push(r) })
  return server
}

const portOf = (s: RecordedServer): number => Number(s.listen.split(':').at(-1))

/** What `s` received so far, as text. */
function received(s: Socket): () => string {
  let text = ''
  s.on('data', (b: Buffer) => (text += b.toString()))
  return () => text
}

describe('a recorded server', () => {
  it('answers redis-cli as the real redis-server did, once redis is gone; two clients at once each get it all', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    t = await testEngine()
    redis = await startReplayRedis(t.dir)
    const k = `tcpscope-recorded-${process.pid}-${Date.now()}`
    const commands = [`SET ${k} hello`, `GET ${k}`, 'PING', `DEL ${k}`, `GET ${k}`]
    const real = await redisCli(redis.port, commands)
    const connId = await captureRedisSession(t.engine, redis.port, commands)
    redis.stop()
    const reports: RecordedClientReport[] = []
    const s = await play(connId, reports)
    expect(s.turns).toBeGreaterThanOrEqual(5)

    expect(await redisCli(portOf(s), commands)).toBe(real)
    await waitFor(() => reports.length === 1, 'the first client report')
    expect(reports[0]).toMatchObject({ played: s.turns, of: s.turns, matched: true })
    expect(reports[0].client).toMatch(/^127\.0\.0\.1:\d+$/)

    const both = await Promise.all([redisCli(portOf(s), commands), redisCli(portOf(s), commands)])
    expect(both).toEqual([real, real])
    await waitFor(() => reports.length === 3, 'both client reports')
    expect(reports.slice(1).map((r) => [r.played, r.matched])).toEqual([
      [s.turns, true],
      [s.turns, true]
    ])
  })

  it('serves curl the recorded HTTP response', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const connId = await captureCurlExchange(t.engine)
    const reports: RecordedClientReport[] = []
    const s = await play(connId, reports)
    expect(await curl([`http://127.0.0.1:${portOf(s)}/items`])).toBe(RECORDED_BODY)
    await waitFor(() => reports.length === 1, 'the curl client report')
    // The request differs only in its Host port: same length, other bytes.
    expect(reports[0]).toMatchObject({ played: 1, of: 1 })
    expect(reports[0].turns[0].received).toBe(reports[0].turns[0].expected)
  })

  it('resets a client it has no file descriptor for, and reports it, rather than letting it vanish', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const connId = await captureCurlExchange(t.engine)
    await t.engine.close()
    capture = await FileCapture.open(t.capturePath)
    const reports: RecordedClientReport[] = []
    // A budget whose count says every descriptor is taken.
    const full = new FdBudget(1000, () => 1000)
    server = await RecordedServer.start(capture, connId, { listen: LOOPBACK, budget: full, onClient: (r) => reports.push(r) })
    const outcome = await outcomeOf(connect({ host: '127.0.0.1', port: portOf(server) }))
    expect(outcome.error).toBe('ECONNRESET')
    await waitFor(() => reports.length === 1, 'the turned-away client report')
    expect(reports[0]).toMatchObject({ played: 0, matched: false, error: expect.stringMatching(/out of file descriptors \(limit 1000\)/) })
    expect(server.open).toBe(0)
  })

  it('answers a client that sends something else after the timeout, and says which turn differed', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const connId = await captureCurlExchange(t.engine)
    const reports: RecordedClientReport[] = []
    const s = await play(connId, reports, 50)
    const c = await connectTo(portOf(s))
    const got: Buffer[] = []
    c.on('data', (b: Buffer) => got.push(b))
    c.write('GET / HTTP/1.1\r\n\r\n')
    await waitFor(() => Buffer.concat(got).toString().endsWith(RECORDED_BODY), 'the recorded answer')
    c.end()
    await waitFor(() => reports.length === 1, 'the client report')
    expect(reports[0]).toMatchObject({ played: 1, of: 1, matched: false, turns: [{ index: 0, received: 18 }] })
    c.destroy()
  })

  it('refuses a port in use in one line', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const taken = await startServer(() => {})
    try {
      const connId = await captureCurlExchange(t.engine)
      await t.engine.close()
      capture = await FileCapture.open(t.capturePath)
      const err = await userRefusal(RecordedServer.start(capture, connId, { listen: parseEndpoint(`127.0.0.1:${taken.port}`) }))
      expect(err.message).toContain(`127.0.0.1:${taken.port}`)
    } finally {
      await taken.close()
    }
  })

  it('sends a greeting before the client speaks, answers turn by turn, and resets where the recorded server did', async () => {
    t = await testEngine()
    const pair = await proxiedPair(t.engine)
    try {
      const { client, serverSide } = pair
      const clientGot = received(client)
      const serverGot = received(serverSide)
      const clientEnd = outcomeOf(client)
      serverSide.write('220 ready\r\n')
      await waitFor(() => clientGot() === '220 ready\r\n', 'the greeting')
      client.write('HELO a\r\n')
      await waitFor(() => serverGot() === 'HELO a\r\n', 'the client turn')
      serverSide.write('250 hi\r\n')
      await waitFor(() => clientGot().endsWith('250 hi\r\n'), 'the answer')
      client.write('QUIT\r\n')
      await waitFor(() => serverGot().endsWith('QUIT\r\n'), 'the last client turn')
      // Reset with nothing in flight: a reset right behind data may reach the client as a plain EOF.
      serverSide.resetAndDestroy()
      expect((await clientEnd).error).toBe('ECONNRESET')
    } finally {
      await pair.close()
    }
    const conn = await waitFor(() => t!.engine.capture.connections().find((c) => c.end !== 'open'), 'the connection to end')
    expect(conn.end).toBe('server-reset')
    const reports: RecordedClientReport[] = []
    const s = await play(conn.id, reports)
    expect(s.turns).toBe(3)

    const c = await connectTo(portOf(s))
    const got = received(c)
    const end = outcomeOf(c)
    await waitFor(() => got() === '220 ready\r\n', 'the played greeting')
    c.write('HELO a\r\n')
    await waitFor(() => got() === '220 ready\r\n250 hi\r\n', 'the played answer')
    c.write('QUIT\r\n')
    expect(await end).toEqual({ ended: false, error: 'ECONNRESET' })
    await waitFor(() => reports.length === 1, 'the client report')
    expect(reports[0]).toMatchObject({ played: 3, of: 3, matched: true })
  })

  it('runs in the engine: replay.serve plays the live capture, replay.stop says what each client did, close() stops the rest', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const connId = await captureCurlExchange(t.engine)
    const served = await t.engine['replay.serve']({ capture: 'live', connId, listen: '127.0.0.1:0' })
    expect(served).toMatchObject({ id: 'r1', connId, turns: 1 })
    const port = Number(served.listen.split(':').at(-1))
    expect(await curl([`http://127.0.0.1:${port}/items`])).toBe(RECORDED_BODY)
    const stopped = await t.engine['replay.stop']({ id: served.id })
    expect(stopped.map((r) => [r.played, r.of])).toEqual([[1, 1]])
    expect((await userRefusal(t.engine['replay.stop']({ id: served.id }))).message).toBe('no recorded server "r1"')
    const again = await t.engine['replay.serve']({ capture: 'live', connId, listen: '127.0.0.1:0' })
    const open = await connectTo(Number(again.listen.split(':').at(-1)))
    const end = outcomeOf(open, { endOnFin: true })
    await t.engine.close()
    await end
  })

  it('plays an answer of many pieces whole, as the client takes it', async () => {
    t = await testEngine()
    const big = randomPayload(5 * 1024 * 1024 + 17)
    const pair = await proxiedPair(t.engine)
    try {
      const { client, serverSide } = pair
      const whole = collect(client)
      serverSide.once('data', () => serverSide.end(big))
      client.end('send it\n')
      expect(sha256(await whole)).toBe(sha256(big))
    } finally {
      await pair.close()
    }
    const conn = await waitFor(() => t!.engine.capture.connections().find((c) => c.end !== 'open'), 'the connection to end')
    const reports: RecordedClientReport[] = []
    const s = await play(conn.id, reports)
    const c = await connectTo(portOf(s))
    const whole = collect(c)
    c.end('send it\n')
    expect(sha256(await whole)).toBe(sha256(big))
    await waitFor(() => reports.length === 1, 'the client report')
    expect(reports[0]).toMatchObject({ played: 1, of: 1, matched: true })
  })
})
