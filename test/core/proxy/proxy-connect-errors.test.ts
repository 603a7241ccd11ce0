// When the upstream connect fails (refused, unknown host, no answer in time, no socket
// file), the client is reset and the capture records why: the error code, a one-line
// message, and `end = connect-failed`.
import { failInvalidNamesLocally } from '../../helpers/local-dns'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { EngineEvent } from '../../../src/shared/events'
import { connectTo, listen, outcomeOf, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents, closedConnections, expectSeqInOrder } from '../../helpers/capture-checks'
import { expectOneLine } from '../../helpers/errors'
import { startHangingListener, type HangingListener } from '../../helpers/hanging-listener'

let t: TestEngine
let hanging: HangingListener | undefined
afterEach(async () => {
  await hanging?.close()
  hanging = undefined
  await t?.dispose()
})

/** A loopback port that nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const s = createServer()
  const port = await listen(s)
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

/** Connects a client through a proxy to `target` and returns what the client saw and what was recorded. */
async function connectThrough(target: string, connectTimeoutMs?: number) {
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target, connectTimeoutMs })
  const client = await connectTo(portOf(proxy.listen))
  const clientSaw = await outcomeOf(client)
  const [conn] = await closedConnections(t.engine, 1)
  const events = await allEvents(t.engine.capture, conn.id)
  return { clientSaw, conn, events }
}

describe('proxy: upstream connect errors', () => {
  it('resets the client and records ECONNREFUSED when nothing listens at the target', async () => {
    t = await testEngine()
    const port = await closedPort()
    const { clientSaw, conn, events } = await connectThrough(`127.0.0.1:${port}`)
    expect(clientSaw).toEqual({ ended: false, error: 'ECONNRESET' })
    expect(conn.end).toBe('connect-failed')
    expect(conn.error?.code).toBe('ECONNREFUSED')
    expect(conn.error?.message).toMatch(/connection refused by 127\.0\.0\.1:\d+: nothing is listening there/)
    expectOneLine(conn.error!.message)
    expectSeqInOrder(events)
    expect(events.map((e) => e.kind)).toEqual(['open', 'connect-failed', 'close'])
    expect(events[1]).toMatchObject({ dir: 'server', info: { code: 'ECONNREFUSED' } })
    expect(events[2].info).toMatchObject({ end: 'connect-failed' })
    // The failure reaches front ends as it happens.
    const failed = t.events.find((e): e is Extract<EngineEvent, { type: 'conn-event' }> => e.type === 'conn-event' && e.event.kind === 'connect-failed')
    expect(failed?.conn.error?.code).toBe('ECONNREFUSED')
  })

  it('resets the client and records ENOTFOUND (or EAI_AGAIN) for a host that does not resolve', async () => {
    const restoreDns = failInvalidNamesLocally()
    onTestFinished(restoreDns)
    t = await testEngine()
    const { clientSaw, conn } = await connectThrough('nonexistent.invalid:80')
    expect(clientSaw.ended).toBe(false)
    expect(clientSaw.error).toBe('ECONNRESET')
    expect(conn.end).toBe('connect-failed')
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(conn.error?.code)
    expect(conn.error?.message).toMatch(/^unknown host in nonexistent\.invalid:80: /)
    expectOneLine(conn.error!.message)
  })

  it('gives up after connectTimeoutMs on a target that never answers, and records ETIMEDOUT', async () => {
    t = await testEngine()
    hanging = await startHangingListener()
    const { clientSaw, conn, events } = await connectThrough(`127.0.0.1:${hanging.port}`, 300)
    expect(clientSaw).toEqual({ ended: false, error: 'ECONNRESET' })
    expect(conn.end).toBe('connect-failed')
    expect(conn.error?.code).toBe('ETIMEDOUT')
    expect(conn.error?.message).toBe(`timed out connecting to 127.0.0.1:${hanging.port}: the host did not answer`)
    // Recorded as every connect to a target records a timeout (connect-target.ts): how long it waited, then why it failed.
    expect(events.map((e) => e.kind)).toEqual(['open', 'timeout', 'connect-failed', 'close'])
    expect(events[1].info).toEqual({ ms: 300, what: 'connect' })
  })

  it('closes the client and records ENOENT when the target socket file does not exist', async () => {
    t = await testEngine()
    const path = join(t.dir, 'nobody-here.sock')
    const { clientSaw, conn } = await connectThrough(path)
    expect(clientSaw.ended).toBe(false)
    expect(conn.end).toBe('connect-failed')
    expect(conn.error).toEqual({ code: 'ENOENT', message: `cannot connect to ${path}: no such socket file; is the server running?` })
  })

  it('records what the client sent while the connect was pending, and the failure after it', async () => {
    t = await testEngine()
    hanging = await startHangingListener()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${hanging.port}`, connectTimeoutMs: 2000 })
    const client = await connectTo(portOf(proxy.listen))
    const clientSaw = outcomeOf(client)
    client.write('early bird')
    await waitFor(() => t.engine.capture.connections()[0]?.bytes.client === 10, 'the early bytes to be recorded')
    expect(await clientSaw).toEqual({ ended: false, error: 'ECONNRESET' })
    const [conn] = await closedConnections(t.engine, 1)
    expect(conn).toMatchObject({ end: 'connect-failed', bytes: { client: 10, server: 0 }, error: { code: 'ETIMEDOUT' } })
    expect(conn.upstream).toBeUndefined()
    const events = await allEvents(t.engine.capture, conn.id)
    expect(events.map((e) => e.kind)).toEqual(['open', 'data', 'timeout', 'connect-failed', 'close'])
    expect(Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: conn.id, dir: 'client', offset: 0, length: 100 })).toString()).toBe('early bird')
  })
})
