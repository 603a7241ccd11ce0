// A proxy with stages installed (forward-stage.ts): what a stage sends is what the other
// side gets, and the connection's rules keep their meaning through it: bytes in order and
// exact, a FIN after the bytes before it (the other direction flowing on), a reset passed on
// as a reset, backpressure from a slow reader reaching the sender. The capture records
// what each side sent, before its stage.
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { HoldState } from '../../../src/core/capture/write/hold-state'
import { FdBudget } from '../../../src/core/net/fd-budget'
import type { ForwardStage, ForwardStages, StagePort } from '../../../src/core/proxy/forward-stage'
import { Proxy } from '../../../src/core/proxy/proxy'
import { connectTo, outcomeOf, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { captured, closedSummary, eventsOf, SocketReader } from '../../helpers/sessions'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** Client -> target: every ASCII letter upper-cased; one chunk out for each chunk in. */
const upperCase: ForwardStage = {
  data: (chunk, port) => void port.send(Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1')),
  fin: (port) => port.end()
}

/** Target -> client: each chunk sent a moment later, the sender held meanwhile, the FIN after the last. */
function delaying(): ForwardStage & { closed: boolean } {
  const queue: Buffer[] = []
  let fin = false
  let timer: NodeJS.Timeout | undefined
  const flushSoon = (port: StagePort): void => {
    timer ??= setTimeout(() => {
      timer = undefined
      for (const c of queue.splice(0)) port.send(c)
      port.hold(false)
      if (fin) port.end()
    }, 5)
  }
  const stage = {
    closed: false,
    data(chunk: Buffer, port: StagePort) {
      queue.push(chunk)
      port.hold(true)
      flushSoon(port)
    },
    fin(port: StagePort) {
      fin = true
      flushSoon(port)
    },
    close() {
      stage.closed = true
      clearTimeout(timer)
    }
  }
  return stage
}

/** A proxy of the test engine's capture with `stages` between its legs. */
async function stagedProxy(targetPort: number, stages: ForwardStages): Promise<number> {
  const proxy = await Proxy.start(
    { id: 'staged', listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, target: { kind: 'tcp', host: '127.0.0.1', port: targetPort }, connectTimeoutMs: 5000, noDelay: true, stages },
    { capture: t.engine.capture, budget: FdBudget.forProcess(), fdExhausted: () => {}, hold: new HoldState() }
  )
  cleanups.push(() => proxy.stop(true))
  return portOf(proxy.info().listen)
}

/** A target that hands over what it accepts, each read by a SocketReader. */
async function target(): Promise<{ port: number; next: () => Promise<SocketReader> }> {
  const accepted: Socket[] = []
  const s = await startServer((socket) => accepted.push(socket))
  cleanups.push(s.close)
  return { port: s.port, next: async () => new SocketReader(await waitFor(() => accepted[0], 'the target to accept')) }
}

/** The one proxied connection's capture id. */
function proxiedId(): number {
  const c = t.engine.capture.connections().find((x) => x.kind === 'proxy')
  if (!c) throw new Error('no proxied connection recorded')
  return c.id
}

describe('proxy: forward stages', () => {
  it('sends the other side what the stage sends, and records what each side sent', async () => {
    t = await testEngine()
    const far = await target()
    const back = delaying()
    const port = await stagedProxy(far.port, () => ({ client: upperCase, server: back }))
    const client = await connectTo(port)
    const near = new SocketReader(client)
    client.write('hello, stage')
    const peer = await far.next()
    await waitFor(() => peer.text === 'HELLO, STAGE', 'the upper-cased bytes at the target')
    peer.socket.write('answer in lower case')
    await waitFor(() => near.text === 'answer in lower case', 'the answer, delayed, at the client')
    client.end()
    await waitFor(() => peer.ended, 'the FIN at the target')
    peer.socket.end()
    const conn = await closedSummary(t.engine, proxiedId())
    expect(conn).toMatchObject({ end: 'closed', bytes: { client: 12, server: 20 }, fin: { client: true, server: true } })
    expect((await captured(t.engine, conn.id, 'client')).toString()).toBe('hello, stage')
    expect((await captured(t.engine, conn.id, 'server')).toString()).toBe('answer in lower case')
    expect(back.closed).toBe(true)
  })

  it('passes a FIN on after the bytes before it, and the other direction flows on (half-close)', async () => {
    t = await testEngine()
    const far = await target()
    // Only the target's direction is staged: the client's passes as it came.
    const port = await stagedProxy(far.port, () => ({ server: delaying() }))
    const client = await connectTo(port)
    const near = new SocketReader(client)
    client.end('last words')
    const peer = await far.next()
    await waitFor(() => peer.ended, "the client's FIN at the target")
    expect(peer.text).toBe('last words')
    // The target goes on after the client's FIN; its FIN reaches the client after its bytes.
    peer.socket.write('still ')
    peer.socket.end('talking')
    await waitFor(() => near.ended, "the target's FIN at the client")
    expect(near.text).toBe('still talking')
    const conn = await closedSummary(t.engine, proxiedId())
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
    const kinds = (await eventsOf(t.engine, conn.id)).map((e) => [e.kind, e.dir])
    expect(kinds.filter(([k]) => k === 'fin')).toEqual([
      ['fin', 'client'],
      ['fin', 'server']
    ])
  })

  it('passes a reset on as a reset, and tells the stages the connection is over', async () => {
    t = await testEngine()
    const far = await target()
    const back = delaying()
    const port = await stagedProxy(far.port, () => ({ client: upperCase, server: back }))
    const client = await connectTo(port)
    client.write('abc')
    const peer = await far.next()
    await waitFor(() => peer.text === 'ABC', 'the bytes before the reset')
    client.resetAndDestroy()
    await waitFor(() => peer.closed, 'the target to be reset')
    expect(peer.error).toBe('ECONNRESET')
    expect(peer.ended).toBe(false)
    const conn = await closedSummary(t.engine, proxiedId())
    expect(conn.end).toBe('client-reset')
    expect(back.closed).toBe(true)
  })

  it('resets both sides, and records why, when a stage throws', async () => {
    t = await testEngine()
    const fragile: ForwardStage = {
      data: (chunk, port) => {
        if (chunk.includes('boom')) throw new Error('cannot parse "boom"')
        port.send(chunk)
      },
      fin: (port) => port.end()
    }
    const far = await target()
    const port = await stagedProxy(far.port, () => ({ client: fragile }))
    const client = await connectTo(port)
    const clientSaw = outcomeOf(client)
    client.write('fine')
    const peer = await far.next()
    await waitFor(() => peer.text === 'fine', 'the bytes before the failure')
    client.write('boom')
    await waitFor(() => peer.closed, 'the target to be reset')
    expect(peer.error).toBe('ECONNRESET')
    expect(await clientSaw).toEqual({ ended: false, error: 'ECONNRESET' })
    const conn = await closedSummary(t.engine, proxiedId())
    expect(conn.end).toBe('error')
    const failure = (await eventsOf(t.engine, conn.id)).find((e) => e.kind === 'error')
    expect(failure).toMatchObject({ dir: 'client', info: { code: 'ESTAGE', message: 'the client-to-target stage failed: cannot parse "boom"' } })
    // What the client sent is recorded, the bytes the stage could not pass included.
    expect((await captured(t.engine, conn.id, 'client')).toString()).toBe('fineboom')
  })

  it('holds the sender while the receiver is full, and every byte arrives exact and in order', async () => {
    t = await testEngine()
    let refused = 0
    const counting: ForwardStage = {
      data: (chunk, port) => {
        if (!port.send(Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'))) refused++
      },
      fin: (port) => port.end()
    }
    const far = await target()
    const port = await stagedProxy(far.port, () => ({ client: counting }))
    const client = await connectTo(port)
    const clientSaw = outcomeOf(client, { endOnFin: true })
    const peer = await far.next()
    // The target reads nothing until the proxy has had to hold the client.
    peer.socket.pause()
    const line = 'the quick brown fox jumps over the lazy dog\n'
    const sent = Buffer.from(line.repeat(Math.ceil((8 * 1024 * 1024) / line.length)))
    client.end(sent)
    await waitFor(() => refused > 0, 'the target side to fill up')
    peer.socket.resume()
    await waitFor(() => peer.ended, 'every byte and the FIN at the target')
    expect(peer.bytes.equals(Buffer.from(sent.toString('latin1').toUpperCase(), 'latin1'))).toBe(true)
    peer.socket.end()
    expect(await clientSaw).toEqual({ ended: true })
    const conn = await closedSummary(t.engine, proxiedId())
    expect(conn.bytes.client).toBe(sent.length)
    expect((await captured(t.engine, conn.id, 'client')).equals(sent)).toBe(true)
  })
})
