// A recorded server answering message by message: each message a client sends, cut with
// the connection's framing whatever TCP did to it, gets the server messages recorded for
// the message in its place, even when it is not the recorded one (another length, another
// key, another query); the report tells each message apart by its summary. On hand-made
// length-prefixed traffic (a greeting first, messages split byte by byte and coalesced, one
// more than recorded), and on real peers: redis-cli against a recorded redis-server, psql
// against a recorded PostgreSQL, once the real servers are gone.
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Messages } from '../../../src/core/decode/messages/messages'
import { RecordedServer, type RecordedClientReport } from '../../../src/core/replay/recorded-server'
import { parseEndpoint } from '../../../src/shared/endpoint'
import { portOf as listenPort, testEngine, type TestEngine } from '../../helpers/engine'
import { userRefusal } from '../../helpers/errors'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { needPeer, needProgram } from '../../helpers/peers'
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres-server'
import type { Redis } from '../../helpers/redis'
import { captureRedisSession, redisCli, startReplayRedis } from './redis-capture'
import { runClient as run } from '../../helpers/run-client'

let t: TestEngine | undefined
let capture: FileCapture | undefined
let server: RecordedServer | undefined
let redis: Redis | undefined
let pg: Postgres | undefined
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await server?.stop()
  await capture?.close()
  redis?.stop()
  await pg?.stop()
  for (const c of closers.splice(0)) await c()
  await t?.dispose()
  t = server = capture = redis = pg = undefined
})

const LOOPBACK = parseEndpoint('127.0.0.1:0')
const portOf = (s: RecordedServer): number => Number(s.listen.split(':').at(-1))

/** Plays connection `connId` of the engine's capture (closed first, opened as a file) message by message. */
async function playByMessage(connId: number, reports: RecordedClientReport[], frame?: string): Promise<RecordedServer> {
  await t!.engine.close()
  capture = await FileCapture.open(t!.capturePath)
  server = await RecordedServer.start(capture, connId, { listen: LOOPBACK, byMessage: { messages: new Messages(), frame }, onClient: (r) => reports.push(r) })
  return server
}

/** A 2-byte big-endian length, then the text. */
const framed = (text: string): Buffer => {
  const body = Buffer.from(text)
  const head = Buffer.alloc(2)
  head.writeUInt16BE(body.length)
  return Buffer.concat([head, body])
}

/** The texts of the whole length-prefixed messages in `bytes`. */
function unframed(bytes: Buffer): string[] {
  const out: string[] = []
  for (let at = 0; at + 2 <= bytes.length; ) {
    const n = bytes.readUInt16BE(at)
    if (at + 2 + n > bytes.length) break
    out.push(bytes.subarray(at + 2, at + 2 + n).toString())
    at += 2 + n
  }
  return out
}

/** A server of the hand-made protocol: greets, then answers each message `ok:` and its text. */
async function lengthServer(): Promise<number> {
  const s = await startServer((socket: Socket) => {
    socket.write(framed('HELLO'))
    let buf = Buffer.alloc(0)
    socket.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b])
      for (;;) {
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return
        const n = buf.readUInt16BE(0)
        socket.write(framed(`ok:${buf.subarray(2, 2 + n).toString()}`))
        buf = buf.subarray(2 + n)
      }
    })
    socket.on('end', () => socket.end())
  })
  closers.push(s.close)
  return s.port
}

/** Sends the messages through a proxy framing `length:size=2`, each once its answer came; the connection's id once closed. */
async function captureLengthSession(texts: string[]): Promise<number> {
  const target = await lengthServer()
  const proxy = await t!.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target}`, frame: 'length:size=2' })
  const c = await connectTo(listenPort(proxy.listen))
  let got = Buffer.alloc(0)
  c.on('data', (b: Buffer) => (got = Buffer.concat([got, b])))
  await waitFor(() => unframed(got).length === 1, 'the greeting')
  for (const [i, text] of texts.entries()) {
    c.write(framed(text))
    await waitFor(() => unframed(got).length === i + 2, `the answer to ${text}`)
  }
  c.end()
  const conn = await waitFor(() => t!.engine.capture.connections().find((x) => x.end !== 'open'), 'the connection to close')
  await t!.engine['proxy.stop']({ proxyId: proxy.id })
  return conn.id
}

describe('a recorded server answering message by message', () => {
  it('greets, answers each message in its place whatever its length or segmentation, and tells the odd one and the extra one', async () => {
    t = await testEngine()
    const connId = await captureLengthSession(['a', 'bb', 'ccc'])
    const reports: RecordedClientReport[] = []
    const s = await playByMessage(connId, reports)
    expect(s.turns).toBe(3)
    expect(s.framing).toBe('length:size=2')

    const c = await connectTo(portOf(s))
    let got = Buffer.alloc(0)
    c.on('data', (b: Buffer) => (got = Buffer.concat([got, b])))
    await waitFor(() => unframed(got).length === 1, 'the recorded greeting')
    // The first message byte by byte; the second longer than recorded; the third and one more in one write.
    for (const byte of framed('a')) c.write(Buffer.of(byte))
    await waitFor(() => unframed(got).length === 2, 'the answer to the first message')
    c.write(framed('a much longer second message'))
    await waitFor(() => unframed(got).length === 3, 'the answer to the second message')
    c.write(Buffer.concat([framed('ccc'), framed('more')]))
    await waitFor(() => unframed(got).length === 4, 'the answer to the third message')
    c.end()
    await waitFor(() => reports.length === 1, 'the client report')
    expect(unframed(got)).toEqual(['HELLO', 'ok:a', 'ok:bb', 'ok:ccc'])
    const r = reports[0]
    expect(r).toMatchObject({ byMessage: true, played: 3, of: 3, extra: 1, matched: false })
    expect(r.turns.map((x) => [x.matched, x.expected, x.received])).toEqual([
      [true, 3, 3],
      [false, 4, 30],
      [true, 5, 5]
    ])
    // The messages as `show` numbers them: the greeting is message 1 (index 0), then a request and its answer each.
    expect(r.turns.map((x) => x.index)).toEqual([1, 3, 5])
    expect(r.turns[1].recorded).toContain('bb')
    expect(r.turns[1].got).toContain('a much longer second message')
    c.destroy()
  })

  it('answers a client that sends nothing after the timeout, and reports what is missing', async () => {
    t = await testEngine()
    const connId = await captureLengthSession(['a'])
    await t.engine.close()
    capture = await FileCapture.open(t.capturePath)
    const reports: RecordedClientReport[] = []
    server = await RecordedServer.start(capture, connId, { listen: LOOPBACK, timeoutMs: 50, byMessage: { messages: new Messages() }, onClient: (r) => reports.push(r) })
    const c = await connectTo(portOf(server))
    let got = Buffer.alloc(0)
    c.on('data', (b: Buffer) => (got = Buffer.concat([got, b])))
    await waitFor(() => unframed(got).length === 2, 'the greeting and the answer, unasked')
    c.end()
    await waitFor(() => reports.length === 1, 'the client report')
    expect(reports[0]).toMatchObject({ played: 1, of: 1, matched: false, turns: [{ received: 0, matched: false }] })
    expect(reports[0].turns[0].got).toBeUndefined()
    c.destroy()
  })

  it('refuses, in one line, a connection not cut into messages and a framing that does not parse', async () => {
    t = await testEngine()
    const target = await lengthServer()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target}` })
    const c = await connectTo(listenPort(proxy.listen))
    c.write('plain words with no framing\n')
    c.end()
    const conn = await waitFor(() => t!.engine.capture.connections().find((x) => x.end !== 'open'), 'the connection to close')
    await t.engine.close()
    capture = await FileCapture.open(t.capturePath)
    const none = await userRefusal(RecordedServer.start(capture, conn.id, { listen: LOOPBACK, byMessage: { messages: new Messages() } }))
    expect(none.message).toMatch(/is not cut into messages .*choose one with "Decode as…" or --frame/)
    const bad = await userRefusal(RecordedServer.start(capture, conn.id, { listen: LOOPBACK, byMessage: { messages: new Messages(), frame: 'length:size=3' } }))
    expect(bad.message).toContain('size')
  })

  it('answers redis-cli sending other keys and values with the recorded replies, once redis is gone', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    t = await testEngine()
    redis = await startReplayRedis(t.dir)
    const k = `tcpscope-by-message-${process.pid}`
    const connId = await captureRedisSession(t.engine, redis.port, [`SET ${k} hello`, `GET ${k}`, 'PING'])
    redis.stop()
    redis = undefined
    const reports: RecordedClientReport[] = []
    const s = await playByMessage(connId, reports)
    expect(s.framing).toBe('resp')

    // Longer key and value: turn by turn, the byte counts would no longer line up with the recording.
    const other = `${k}-and-a-longer-key`
    const out = await redisCli(portOf(s), [`SET ${other} a-longer-value`, `GET ${other}`, 'PING'])
    expect(out.trim().split('\n').slice(-3)).toEqual(['OK', 'hello', 'PONG'])
    await waitFor(() => reports.length === 1, 'the redis-cli report')
    const r = reports[0]
    expect(r.played).toBe(r.of)
    const set = r.turns.find((x) => x.recorded?.startsWith('SET'))!
    expect(set).toMatchObject({ matched: false, recorded: `SET ${k} hello`, got: `SET ${other} a-longer-value` })
    expect(r.turns.find((x) => x.recorded === 'PING')).toMatchObject({ matched: true, got: 'PING' })
  })

  it('answers psql with the recorded result of another query, once PostgreSQL is gone', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (initdb, postgres, psql)', hasPostgres())
    t = await testEngine()
    pg = await startPostgres()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${pg.port}` })
    const psql = (port: number, sql: string) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-A', '-t', '-c', sql], { PGSSLMODE: 'disable', PGAPPNAME: 'psql' })
    const real = await psql(listenPort(proxy.listen), 'select 41 + 1 as answer')
    expect(real.code, real.err).toBe(0)
    expect(real.out.trim()).toBe('42')
    const conn = await waitFor(() => t!.engine.capture.connections().find((x) => x.end !== 'open'), 'the psql connection to close')
    await t.engine['proxy.stop']({ proxyId: proxy.id })
    await pg.stop()
    pg = undefined

    const reports: RecordedClientReport[] = []
    const s = await playByMessage(conn.id, reports)
    expect(s.framing).toBe('postgres')
    const replayed = await psql(portOf(s), 'select 1000 * 1000 as not_what_was_recorded')
    expect(replayed.code, replayed.err).toBe(0)
    expect(replayed.out.trim()).toBe('42')
    await waitFor(() => reports.length === 1, 'the psql report')
    const r = reports[0]
    expect(r.played).toBe(r.of)
    const query = r.turns.find((x) => x.recorded?.startsWith('Query'))!
    expect(query.matched).toBe(false)
    expect(query.recorded).toContain('select 41 + 1 as answer')
    expect(query.got).toContain('select 1000 * 1000 as not_what_was_recorded')
    expect(r.turns.filter((x) => x !== query).every((x) => x.matched)).toBe(true)
  })
})
