// An interval send started by hand and a session's own interval are two things: each stops
// only itself, and the session info says which are running as they start and stop. The
// composer's Close is recorded as what it does (our FIN, then a close), not as "stopped".
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { clientInfo, closedSummary, connIdOf, eventsOf, serverInfo, SocketReader, summaryOf } from '../../helpers/sessions'
import type { ServerSessionInfo, SessionInfo } from '../../../src/shared/session-types'

let t: TestEngine
afterEach(async () => t?.dispose())

const text = (data: string) => ({ kind: 'text' as const, data })

/** The session infos the engine announced for `id`, in order. */
const announced = (id: string): SessionInfo[] =>
  t.events.flatMap((e) => (e.type === 'session-updated' && e.session.id === id ? [e.session] : []))

describe('interval sends: who started them', () => {
  it('stopping the all-clients interval leaves the behaviour interval running, and the reverse', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { interval: { everyMs: 5, payload: text('b') } } })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    await client.contains('b')

    const started = await t.engine['server.interval']({ serverId: server.id, everyMs: 5, payload: text('A') })
    expect(started.intervalAll).toEqual({ everyMs: 5 })
    expect(started.behaviour.interval).toBeDefined()
    await client.contains('A')

    const stopped = await t.engine['server.interval']({ serverId: server.id })
    expect(stopped.intervalAll).toBeUndefined()
    expect(stopped.behaviour.interval).toEqual({ everyMs: 5, payload: text('b') })
    // The behaviour's interval goes on: more of its bytes arrive after the stop.
    const seen = client.text.length
    await waitFor(() => client.text.slice(seen).includes('bb'), 'the behaviour interval to keep sending')
    // An A written just before the stop may still have been on its way at `seen` (a loaded
    // machine fires several ticks at once); by now every byte written before the stop has
    // been read (loopback), so whatever comes after this point is the behaviour's alone.
    const settled = client.text.length
    await waitFor(() => client.text.slice(settled).includes('bb'), 'the behaviour interval to keep sending')
    expect(client.text.slice(settled)).not.toContain('A')

    // And a behaviour change leaves a running all-clients interval alone.
    await t.engine['server.interval']({ serverId: server.id, everyMs: 5, payload: text('C') })
    await t.engine['server.behaviour']({ serverId: server.id, behaviour: {} })
    const after = client.text.length
    await waitFor(() => client.text.slice(after).includes('CC'), 'the all-clients interval to keep sending')
    expect((await serverInfo(t.engine, server.id)).intervalAll).toEqual({ everyMs: 5 })
    await t.engine['server.interval']({ serverId: server.id })
  })

  it("a behaviour change does not stop a connection's own interval, and the info follows it to its count", async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    // 40 sends over a second: the two reads below must come before the last, and a loaded
    // machine can stall them for a good part of that.
    await t.engine['conn.interval']({ connId, everyMs: 25, count: 40, payload: text('x') })
    expect((await serverInfo(t.engine, server.id)).intervals).toEqual([connId])

    await t.engine['server.behaviour']({ serverId: server.id, behaviour: { echo: true } })
    expect((await serverInfo(t.engine, server.id)).intervals).toEqual([connId])
    await client.atLeast(40)
    // Its count ran out: the info said so on its own, without anyone asking.
    const last = await waitFor(() => {
      const infos = announced(server.id) as ServerSessionInfo[]
      const l = infos[infos.length - 1]
      return l.intervals.length === 0 && l
    }, 'an update saying the interval ended')
    expect(last.intervals).toEqual([])
    expect(client.text).toBe('x'.repeat(40))
  })

  it("a client session reports its hand interval, not the one it was connected with, and stops only that", async () => {
    t = await testEngine()
    let accepted!: (s: Socket) => void
    const remoteSide = new Promise<Socket>((r) => (accepted = r))
    const server = await startServer((s) => accepted(s))
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, interval: { everyMs: 5, payload: text('s') } })
    const remote = new SocketReader(await remoteSide)
    const connId = session.connId!
    expect(session.intervals).toEqual([])
    await t.engine['conn.interval']({ connId, everyMs: 5, payload: text('H') })
    expect((await clientInfo(t.engine, session.id)).intervals).toEqual([connId])
    await remote.contains('H')
    await t.engine['conn.interval']({ connId })
    expect((await clientInfo(t.engine, session.id)).intervals).toEqual([])
    const seen = remote.text.length
    await waitFor(() => remote.text.slice(seen).includes('ss'), "the session's own interval to keep sending")
    remote.socket.destroy()
    await server.close()
  })
})

describe('closing by hand', () => {
  it('records our FIN and a plain close, not "stopped"', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    await t.engine['conn.destroy']({ connId })
    const closed = await closedSummary(t.engine, connId)
    expect(closed.end).toBe('closed')
    expect(closed.fin.server).toBe(true)
    const kinds = (await eventsOf(t.engine, connId)).map((e) => `${e.kind}${e.dir ? `:${e.dir}` : ''}`)
    expect(kinds.slice(-2)).toEqual(['fin:server', 'close'])
    await waitFor(() => client.ended, 'the client to see our FIN')
    client.socket.destroy()
  })

  it('after our FIN, records only the close', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', allowHalfOpen: true })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    await t.engine['conn.end']({ connId })
    await waitFor(() => summaryOf(t.engine, connId).fin.server, 'our FIN to be recorded')
    await t.engine['conn.destroy']({ connId })
    expect((await closedSummary(t.engine, connId)).end).toBe('closed')
    const fins = (await eventsOf(t.engine, connId)).filter((e) => e.kind === 'fin')
    expect(fins).toHaveLength(1)
    client.socket.destroy()
  })
})
