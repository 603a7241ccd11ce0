// What a session does when its peer does not take what it is sent: automatic answers wait
// (and reading stops) without losing or reordering a byte or the peer's FIN; sends by hand
// wait their turn; broadcast and interval sends skip the stuck peer and say so.
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { connectTo, randomPayload, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { captured, closedSummary, connIdOf, summaryOf } from '../../helpers/sessions'
import { flushPromises } from '../../helpers/flush-promises'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

const MIB = 1024 * 1024
/** Reads everything from `s` once told to, until it ends. */
function lateReader(s: Socket): { start: () => Promise<Buffer> } {
  s.pause()
  return {
    start: () =>
      new Promise((resolve) => {
        const parts: Buffer[] = []
        s.on('data', (c: Buffer) => parts.push(c))
        s.once('end', () => resolve(Buffer.concat(parts)))
        s.resume()
      })
  }
}

describe('writes that wait for the peer', () => {
  it('echo to a client that reads only after sending all and its FIN: every byte back in order, recorded exactly, FIN last', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true } })
    const client = await connectTo(portOf(server.listen))
    cleanups.push(() => client.destroy())
    const connId = await connIdOf(t.engine, client)
    const reader = lateReader(client)
    const sent = randomPayload(32 * MIB)
    client.end(sent)
    await waitFor(() => summaryOf(t.engine, connId).bytes.server > 0, 'the first echo')
    const echoed = await reader.start()
    expect(echoed.equals(sent)).toBe(true)
    const summary = await closedSummary(t.engine, connId)
    expect(summary.bytes).toEqual({ client: sent.length, server: sent.length })
    expect(summary.fin).toEqual({ client: true, server: true })
    expect((await captured(t.engine, connId, 'client')).equals(sent)).toBe(true)
    expect((await captured(t.engine, connId, 'server')).equals(sent)).toBe(true)
    const events = (await t.engine['conn.events']({ capture: 'live', connId, from: 0, limit: 10_000 })).events
    const clientFin = events.findIndex((e) => e.kind === 'fin' && e.dir === 'client')
    expect(events.slice(clientFin).some((e) => e.kind === 'data' && e.dir === 'client')).toBe(false)
  }, 60_000)

  it('conn.send to a server that does not read waits until it reads, in order, and never piles up', async () => {
    t = await testEngine()
    let remote!: Socket
    const peer = await startServer((s) => {
      s.on('error', () => {})
      remote = s
    })
    cleanups.push(peer.close)
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${peer.port}` })
    const connId = session.connId!
    await waitFor(() => remote, 'the server to accept')
    const reader = lateReader(remote)
    const first = randomPayload(32 * MIB)
    const second = randomPayload(1024)
    const payload = (b: Buffer) => ({ kind: 'text' as const, encoding: 'base64' as const, data: b.toString('base64') })
    expect(await t.engine['conn.send']({ connId, payload: payload(first) })).toEqual({ bytes: first.length })
    let secondDone = false
    const sending = t.engine['conn.send']({ connId, payload: payload(second) }).then((r) => ((secondDone = true), r))
    await flushPromises({ turns: 20 })
    expect(secondDone).toBe(false)
    expect(summaryOf(t.engine, connId).bytes.client).toBe(first.length)

    const received = reader.start()
    expect(await sending).toEqual({ bytes: second.length })
    await t.engine['conn.end']({ connId })
    expect((await received).equals(Buffer.concat([first, second]))).toBe(true)
  }, 60_000)

  it('broadcast skips a client that does not read, names it in a warning, and still reaches the others', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const stuck = await connectTo(portOf(server.listen))
    stuck.pause()
    const reading = await connectTo(portOf(server.listen))
    cleanups.push(() => stuck.destroy(), () => reading.destroy())
    const stuckId = await connIdOf(t.engine, stuck)
    let got = 0
    reading.on('data', (c: Buffer) => (got += c.length))
    const big = { kind: 'text' as const, encoding: 'base64' as const, data: randomPayload(32 * MIB).toString('base64') }
    expect(await t.engine['server.broadcast']({ serverId: server.id, payload: big })).toMatchObject({ clients: 2 })
    await waitFor(() => got === 32 * MIB, 'the reading client to take it all')
    expect(await t.engine['server.broadcast']({ serverId: server.id, payload: { kind: 'text', data: 'tick' } })).toEqual({ clients: 1, bytes: 4 })
    await waitFor(() => got === 32 * MIB + 4, 'the tick')
    expect(t.events).toContainEqual({ type: 'warning', message: `${server.id}: broadcast skipped #${stuckId}: not reading what was sent` })
  }, 60_000)
})
