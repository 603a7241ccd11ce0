// An RST from either side is forwarded as an RST and recorded as a reset, never as a
// normal close: the other peer sees ECONNRESET, not a clean end of data.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { Direction } from '../../../src/shared/capture-types'
import type { EngineEvent } from '../../../src/shared/events'
import { connectTo, outcomeOf, startServer } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents, closedConnections, expectSeqInOrder } from '../../helpers/capture-checks'

let t: TestEngine
afterEach(async () => t?.dispose())

/** A proxied connection that has carried one ping each way, so both legs are up. */
async function establishedPair(): Promise<{ client: Socket; server: Socket; close: () => Promise<void> }> {
  let accepted!: (s: Socket) => void
  const serverSide = new Promise<Socket>((r) => (accepted = r))
  const server = await startServer(accepted)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const client = await connectTo(portOf(proxy.listen))
  const s = await serverSide
  client.write('ping')
  await once(s, 'data')
  s.write('pong')
  await once(client, 'data')
  return { client, server: s, close: server.close }
}

describe('proxy: reset', () => {
  it.each<[Direction, Direction]>([
    ['client', 'server'],
    ['server', 'client']
  ])('forwards an RST from the %s to the %s and records it as a reset', async (resetter, victim) => {
    t = await testEngine()
    const pair = await establishedPair()
    const victimOutcome = outcomeOf(pair[victim])
    const resetterClosed = once(pair[resetter], 'close')
    pair[resetter].resetAndDestroy()
    await resetterClosed

    // The other peer sees a reset, not a FIN.
    expect(await victimOutcome).toEqual({ ended: false, error: 'ECONNRESET' })

    const [conn] = await closedConnections(t.engine, 1)
    expect(conn.end).toBe(`${resetter}-reset`)
    expect(conn.fin).toEqual({ client: false, server: false })
    const events = await allEvents(t.engine.capture, conn.id)
    expectSeqInOrder(events)
    const resets = events.filter((e) => e.kind === 'reset')
    expect(resets).toHaveLength(1)
    expect(resets[0]).toMatchObject({ dir: resetter, info: { code: 'ECONNRESET' } })
    expect(events.some((e) => e.kind === 'fin')).toBe(false)
    expect(events.at(-1)).toMatchObject({ kind: 'close', info: { end: `${resetter}-reset` } })

    // Front ends hear it as it happens, with the connection's end state.
    const resetEvent = t.events.find((e): e is Extract<EngineEvent, { type: 'conn-event' }> => e.type === 'conn-event' && e.event.kind === 'reset')
    expect(resetEvent?.event.dir).toBe(resetter)
    await pair.close()
  })

  it('forwards an RST that follows a half-close as an RST, not a second FIN', async () => {
    t = await testEngine()
    const pair = await establishedPair()
    const serverOutcome = outcomeOf(pair.server)
    pair.client.end()
    await once(pair.server, 'end')
    pair.client.resetAndDestroy()
    // Once a side has sent its FIN, nothing reads from it any more, so its later RST
    // surfaces when the proxy next writes to it: the server's next reply.
    pair.server.write('late reply')
    const [conn] = await closedConnections(t.engine, 1)
    expect(conn.end).toBe('client-reset')
    expect(conn.fin).toEqual({ client: true, server: false })
    expect((await allEvents(t.engine.capture, conn.id)).find((e) => e.kind === 'reset')?.dir).toBe('client')
    // The server's read side has ended too, so it meets the forwarded RST on its next write.
    pair.server.write('one more')
    const outcome = await serverOutcome
    expect(outcome.ended).toBe(true)
    expect(['ECONNRESET', 'EPIPE']).toContain(outcome.error)
    await pair.close()
  })
})
