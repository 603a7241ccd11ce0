// Interval sends stop after their count, and a server session's behaviour (interval, echo,
// rules) can be switched while clients are connected.
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { captured, connIdOf, serverInfo, settle, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

const TICK = { kind: 'text' as const, data: 'tick\\n' }

describe('interval sends', () => {
  it('sends a server session interval payload exactly `count` times to a client', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { interval: { everyMs: 20, count: 5, payload: TICK } } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    await client.atLeast(25)
    // Ten more periods without a sixth tick: the count is what stopped it.
    await settle(200)
    expect(client.text).toBe('tick\n'.repeat(5))
    const sends = (await t.engine['conn.events']({ capture: 'live', connId })).events.filter((e) => e.kind === 'data' && e.dir === 'server')
    expect(sends.map((e) => [e.offset, e.length])).toEqual([0, 5, 10, 15, 20].map((o) => [o, 5]))
    expect(summaryOf(t.engine, connId).end).toBe('open')
  })

  it('sends on a client session with conn.interval, `count` times, and stops by hand', async () => {
    t = await testEngine()
    let accepted!: (s: Socket) => void
    const remoteSide = new Promise<Socket>((r) => (accepted = r))
    const server = await startServer((s) => accepted(s))
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}` })
    const remote = new SocketReader(await remoteSide)
    const connId = session.connId!
    await t.engine['conn.interval']({ connId, everyMs: 20, count: 3, payload: { kind: 'hex', data: 'aa 55' } })
    await remote.atLeast(6)
    await settle(150)
    expect(remote.bytes).toEqual(Buffer.from('aa55aa55aa55', 'hex'))

    // Without a count it runs until stopped (everyMs omitted).
    await t.engine['conn.interval']({ connId, everyMs: 10, payload: { kind: 'text', data: '.' } })
    await remote.atLeast(6 + 3)
    await t.engine['conn.interval']({ connId })
    const sent = summaryOf(t.engine, connId).bytes.client
    await settle(100)
    expect(summaryOf(t.engine, connId).bytes.client).toBe(sent)
    await waitFor(() => remote.bytes.length === sent, 'the remote to receive every recorded byte')
    expect(remote.bytes.subarray(6).toString()).toBe('.'.repeat(sent - 6))

    expect(await oneLineRejection(t.engine['conn.interval']({ connId, everyMs: 10 }))).toBe('conn.interval: give a payload to send every interval')
    await server.close()
  })

  it('starts an interval on a client session given at connect time', async () => {
    t = await testEngine()
    let accepted!: (s: Socket) => void
    const remoteSide = new Promise<Socket>((r) => (accepted = r))
    const server = await startServer((s) => accepted(s))
    await t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, interval: { everyMs: 15, count: 2, payload: TICK } })
    const remote = new SocketReader(await remoteSide)
    await remote.atLeast(10)
    await settle(100)
    expect(remote.text).toBe('tick\ntick\n')
    await server.close()
  })

  it('switches a running server between interval, echo and rules with server.behaviour', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    const sentByUs = (): number => summaryOf(t.engine, connId).bytes.server

    client.socket.write('one')
    await client.contains('one')

    // Interval on: the connected client starts getting ticks; echo is off now.
    const info = await t.engine['server.behaviour']({ serverId: server.id, behaviour: { interval: { everyMs: 10, payload: TICK } } })
    expect(info.behaviour).toEqual({ interval: { everyMs: 10, payload: TICK } })
    expect((await serverInfo(t.engine, server.id)).behaviour).toEqual(info.behaviour)
    await client.contains('tick\ntick\n')
    client.socket.write('not echoed')
    await waitFor(() => summaryOf(t.engine, connId).bytes.client === 13, 'the session to read it')

    // Echo on, interval off: ticks stop at once (counted in what we recorded as sent).
    await t.engine['server.behaviour']({ serverId: server.id, behaviour: { echo: true } })
    const ticked = sentByUs()
    await settle(100)
    expect(sentByUs()).toBe(ticked)
    client.socket.write('two')
    await client.contains('two')
    const afterEcho = (await captured(t.engine, connId, 'server')).toString()
    expect(afterEcho).toMatch(/^one(tick\n)+two$/)
    expect(afterEcho).not.toContain('not echoed')

    // Rules replace echo for what they match, and echo still answers the rest.
    await t.engine['server.behaviour']({
      serverId: server.id,
      behaviour: { echo: true, rules: [{ match: 'exact', pattern: 'ping', reply: { kind: 'text', data: 'pong' } }] }
    })
    client.socket.write('ping')
    await client.contains('twopong')
    client.socket.write('three')
    await client.contains('pongthree')

    // A bad behaviour is refused and the running one stays.
    const message = await oneLineRejection(
      t.engine['server.behaviour']({ serverId: server.id, behaviour: { rules: [{ match: 'regex', pattern: '(', reply: { kind: 'text', data: 'x' } }] } })
    )
    expect(message).toBe('reply rule 1: bad regular expression /(/: missing closing ): (')
    client.socket.write('ping')
    await client.contains('threepong')
  })

  it('gives clients that connect later the interval of the current behaviour', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    await t.engine['server.behaviour']({ serverId: server.id, behaviour: { interval: { everyMs: 10, count: 2, payload: TICK } } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    await client.atLeast(10)
    await settle(100)
    expect(client.text).toBe('tick\ntick\n')
  })
})
