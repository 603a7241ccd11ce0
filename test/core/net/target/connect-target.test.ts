// Every connect to a target goes through connect-target.ts: what it records (connecting,
// lookup, connected with both addresses; timeout, connect-failed with one line), how it
// ends (a connected socket, or the one-line reason with the record closed), and that the
// proxy, a client session and a replay word the same failure the same way.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import type { RecordedConnection } from '../../../../src/core/capture/write/recorded-connection'
import { ConnectError, Target, type ConnectFailure } from '../../../../src/core/net/target/connect-target'
import { connectTo, freePort, outcomeOf, REFUSED_PORT, startServer, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { allEvents, closedConnections } from '../../../helpers/capture-checks'
import { expectOneLine, oneLineRejection } from '../../../helpers/errors'
import { startHangingListener } from '../../../helpers/hanging-listener'
import { closedSummary, summaryOf } from '../../../helpers/sessions'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

const tcp = (port: number, host = '127.0.0.1') => ({ kind: 'tcp' as const, host, port })

/** A record in the engine's live capture, as a proxy, session or replay opens one. */
function record(where: string): RecordedConnection {
  return t.engine.capture.openConnection({ kind: 'client', ownerId: 'test', target: where })
}

const kinds = async (rec: RecordedConnection): Promise<string[]> => (await allEvents(t.engine.capture, rec.id)).map((e) => e.kind)
const eventOf = async (rec: RecordedConnection, kind: CaptureEvent['kind']): Promise<CaptureEvent | undefined> =>
  (await allEvents(t.engine.capture, rec.id)).find((e) => e.kind === kind)

/** A server that hands over the sockets it accepts; closed after the test. */
async function server(): Promise<{ port: number; accepted: Socket[] }> {
  const accepted: Socket[] = []
  const s = await startServer((socket) => accepted.push(socket))
  cleanups.push(s.close)
  return { port: s.port, accepted }
}

describe('connect-target: connect()', () => {
  it('records connecting, then connected with both addresses, and hands over the connected socket', async () => {
    t = await testEngine()
    const peer = await server()
    const target = new Target({ target: tcp(peer.port) })
    const rec = record(target.where)
    const socket = await target.connect({ record: rec })
    cleanups.push(() => socket.destroy())
    expect(socket.connecting).toBe(false)
    await waitFor(() => peer.accepted.length === 1, 'the server to accept')
    expect(await kinds(rec)).toEqual(['open', 'connecting', 'connected'])
    expect((await eventOf(rec, 'connecting'))?.info).toEqual({ target: `127.0.0.1:${peer.port}` })
    const connected = (await eventOf(rec, 'connected'))?.info as { local: { port: number }; remote: { address: string; port: number } }
    expect(connected.remote).toEqual({ address: '127.0.0.1', port: peer.port, family: 'IPv4' })
    expect(connected.local).toMatchObject({ address: '127.0.0.1', port: peer.accepted[0].remotePort })
    expect(summaryOf(t.engine, rec.id).end).toBe('open')
    socket.end('hi')
    expect((await outcomeOf(peer.accepted[0], { endOnFin: true })).ended).toBe(true)
  })

  it('records the name lookup when the target is a host name', async () => {
    t = await testEngine()
    const peer = await server()
    const target = new Target({ target: tcp(peer.port, 'localhost'), family: 4 })
    const rec = record(target.where)
    const socket = await target.connect({ record: rec })
    cleanups.push(() => socket.destroy())
    expect(await kinds(rec)).toEqual(['open', 'connecting', 'lookup', 'connected'])
    expect((await eventOf(rec, 'lookup'))?.info).toMatchObject({ host: 'localhost', address: '127.0.0.1', family: 4 })
  })

  it('rejects a refused connect with one line, records connect-failed and closes the record', async () => {
    t = await testEngine()
    const target = new Target({ target: tcp(REFUSED_PORT) })
    const rec = record(target.where)
    const failed = target.connect({ record: rec })
    await expect(failed).rejects.toBeInstanceOf(ConnectError)
    const message = await oneLineRejection(failed)
    expect(message).toBe(`connection refused by 127.0.0.1:${REFUSED_PORT}: nothing is listening there; is the server running?`)
    await expect(failed).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    expect(await kinds(rec)).toEqual(['open', 'connecting', 'connect-failed', 'close'])
    expect((await eventOf(rec, 'connect-failed'))?.info).toEqual({ code: 'ECONNREFUSED', message })
    expect(summaryOf(t.engine, rec.id)).toMatchObject({ end: 'connect-failed', error: { code: 'ECONNREFUSED', message } })
  })

  it('gives up after the connect timeout: records timeout, then connect-failed ETIMEDOUT', async () => {
    t = await testEngine()
    const hanging = await startHangingListener()
    cleanups.push(hanging.close)
    const target = new Target({ target: tcp(hanging.port), connectTimeoutMs: 200 })
    const rec = record(target.where)
    const message = await oneLineRejection(target.connect({ record: rec }))
    expect(message).toBe(`timed out connecting to 127.0.0.1:${hanging.port}: the host did not answer`)
    expect(await kinds(rec)).toEqual(['open', 'connecting', 'timeout', 'connect-failed', 'close'])
    expect((await eventOf(rec, 'timeout'))?.info).toEqual({ ms: 200, what: 'connect' })
    expect(summaryOf(t.engine, rec.id)).toMatchObject({ end: 'connect-failed', error: { code: 'ETIMEDOUT' } })
  })

  it('stops when its signal fires while connecting: rejects as cancelled, recorded as such', async () => {
    t = await testEngine()
    const hanging = await startHangingListener()
    cleanups.push(hanging.close)
    const target = new Target({ target: tcp(hanging.port) })
    const rec = record(target.where)
    const stop = new AbortController()
    // The hanging listener holds the connect pending: the abort comes while it is under way.
    const connecting = target.connect({ record: rec, signal: stop.signal })
    stop.abort()
    await expect(connecting).rejects.toMatchObject({ code: 'ECANCELED', message: 'cancelled' })
    expect(await kinds(rec)).toEqual(['open', 'connecting', 'connect-failed', 'close'])
    expect((await eventOf(rec, 'connect-failed'))?.info).toEqual({ code: 'ECANCELED', message: 'cancelled' })
  })

  it('does not connect at all for a signal that fired already (a repeat between two sends)', async () => {
    t = await testEngine()
    let accepted = 0
    const s = await startServer(() => accepted++)
    cleanups.push(s.close)
    const target = new Target({ target: tcp(s.port) })
    const rec = record(target.where)
    await expect(target.connect({ record: rec, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ECANCELED' })
    expect(await kinds(rec)).toEqual(['open', 'close'])
    expect(summaryOf(t.engine, rec.id).end).toBe('stopped')
    // A connection made anyway would have been accepted by now: a fresh one is, after it.
    await connectTo(s.port).then((c) => c.destroy())
    await waitFor(() => accepted >= 1, 'the check connection')
    expect(accepted).toBe(1)
  })

  it('connects to a Unix socket path, its path both ends of the record', async () => {
    t = await testEngine()
    const path = join(t.dir, 'target.sock')
    const accepted: Socket[] = []
    const s = createServer((c) => accepted.push(c)).listen(path)
    await once(s, 'listening')
    cleanups.push(() => new Promise<void>((r) => s.close(() => r())), () => accepted.forEach((a) => a.destroy()))
    const target = new Target({ target: { kind: 'unix', path } })
    const rec = record(target.where)
    const socket = await target.connect({ record: rec })
    socket.end('over the socket file')
    await waitFor(() => accepted.length === 1, 'the server to accept')
    const got: Buffer[] = []
    accepted[0].on('data', (c: Buffer) => got.push(c))
    await once(accepted[0], 'end')
    expect(Buffer.concat(got).toString()).toBe('over the socket file')
    expect((await eventOf(rec, 'connected'))?.info).toEqual({ local: { path }, remote: { path } })
  })

  it('says a missing socket file is missing, and refuses a path the OS would cut short before connecting', async () => {
    t = await testEngine()
    const path = join(t.dir, 'nobody.sock')
    const target = new Target({ target: { kind: 'unix', path } })
    expect(await oneLineRejection(target.connect({ record: record(path) }))).toBe(`cannot connect to ${path}: no such socket file; is the server running?`)
    const long = join(t.dir, 'x'.repeat(120) + '.sock')
    expect(() => new Target({ target: { kind: 'unix', path: long } })).toThrow(`socket path ${long} is too long; use a shorter path (about 100 characters at most)`)
  })

  it('leaves from the local address and port it is given, and names a pinned port in use as the problem', async () => {
    t = await testEngine()
    const peer = await server()
    const local = await freePort()
    const target = new Target({ target: tcp(peer.port), localAddress: '127.0.0.1', localPort: local })
    const rec = record(target.where)
    const socket = await target.connect({ record: rec })
    cleanups.push(() => socket.destroy())
    await waitFor(() => peer.accepted.length === 1, 'the server to accept')
    expect(peer.accepted[0].remotePort).toBe(local)
    expect((await eventOf(rec, 'connected'))?.info).toMatchObject({ local: { address: '127.0.0.1', port: local } })

    const busy = await server()
    const pinned = new Target({ target: tcp(peer.port), localAddress: '127.0.0.1', localPort: busy.port })
    const message = await oneLineRejection(pinned.connect({ record: record(pinned.where) }))
    expect(message).toBe(
      `cannot connect to 127.0.0.1:${peer.port} from 127.0.0.1 port ${busy.port}: that local port is in use; pick another local address or port, or leave them out`
    )
  })
})

describe('connect-target: dial(), the proxy hot path', () => {
  /** What a dial told its handler. */
  function handler(): { connected: boolean; failed: ConnectFailure | undefined; targetConnected(): void; targetFailed(f: ConnectFailure): void } {
    return {
      connected: false,
      failed: undefined,
      targetConnected() {
        this.connected = true
      },
      targetFailed(f) {
        this.failed = f
      }
    }
  }

  it('returns the socket at once, takes bytes before it connects, and records only the outcome (the open record marks the attempt)', async () => {
    t = await testEngine()
    const peer = await server()
    const target = new Target({ target: tcp(peer.port) })
    const rec = record(target.where)
    const h = handler()
    const socket = target.dial(rec, h)
    cleanups.push(() => socket.destroy())
    expect(socket.connecting).toBe(true)
    socket.end('early')
    await waitFor(() => h.connected && peer.accepted.length === 1, 'the dial to connect')
    const got: Buffer[] = []
    peer.accepted[0].on('data', (c: Buffer) => got.push(c))
    await once(peer.accepted[0], 'end')
    expect(Buffer.concat(got).toString()).toBe('early')
    expect(await kinds(rec)).toEqual(['open', 'connected'])
    expect(h.failed).toBeUndefined()
  })

  it('tells a failure to its handler, recorded with the same line connect() gives', async () => {
    t = await testEngine()
    const target = new Target({ target: tcp(REFUSED_PORT) })
    const rec = record(target.where)
    const h = handler()
    const socket = target.dial(rec, h)
    await new Promise((closed) => socket.once('close', closed))
    const message = `connection refused by 127.0.0.1:${REFUSED_PORT}: nothing is listening there; is the server running?`
    expect(h.failed).toEqual({ code: 'ECONNREFUSED', message, end: 'connect-failed' })
    expect(h.connected).toBe(false)
    expect(await kinds(rec)).toEqual(['open', 'connect-failed'])
  })
})

describe('connect-target: one wording, whoever connects', () => {
  /** The one line each front of the engine gives for a connect to `target` that fails. */
  async function failures(target: string): Promise<{ proxy: string; session: string; replay: string }> {
    // Something to replay: a client session's conversation with a real server.
    const peer = await startServer((s) => s.on('data', () => s.end('ok')))
    cleanups.push(peer.close)
    const talk = await t.engine['client.connect']({ target: `127.0.0.1:${peer.port}` })
    await t.engine['conn.send']({ connId: talk.connId!, payload: { kind: 'text', data: 'hello' } })
    await waitFor(() => summaryOf(t.engine, talk.connId!).fin.server, 'the server to answer and close')
    await t.engine['conn.end']({ connId: talk.connId! })
    await closedSummary(t.engine, talk.connId!)

    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target })
    await outcomeOf(await connectTo(portOf(proxy.listen)))
    const [proxied] = (await closedConnections(t.engine, 2)).filter((c) => c.kind === 'proxy')
    const session = await oneLineRejection(t.engine['client.connect']({ target }))
    const replay = await oneLineRejection(t.engine['replay.raw']({ capture: 'live', connId: talk.connId!, target, strategy: 'turns' }))
    return { proxy: proxied.error!.message, session, replay }
  }

  it('words a refused connect the same for the proxy, a client session and a replay', async () => {
    t = await testEngine()
    const said = await failures(`127.0.0.1:${REFUSED_PORT}`)
    const line = `connection refused by 127.0.0.1:${REFUSED_PORT}: nothing is listening there; is the server running?`
    expect(said).toEqual({ proxy: line, session: line, replay: line })
    expectOneLine(line)
  })

  it('words a missing socket file the same for the proxy, a client session and a replay', async () => {
    t = await testEngine()
    const path = join(t.dir, 'gone.sock')
    const said = await failures(path)
    const line = `cannot connect to ${path}: no such socket file; is the server running?`
    expect(said).toEqual({ proxy: line, session: line, replay: line })
  })
})
