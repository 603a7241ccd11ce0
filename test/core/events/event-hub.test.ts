// What front ends hear: data announced in coalesced ranges that tile each stream exactly
// (never the bytes themselves beyond a short preview), a connection's data always before
// its FIN or close, and a snapshot of the current state first for every new subscriber.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { once } from 'node:events'
import type { CaptureEvent, ConnectionSummary, Direction } from '../../../src/shared/capture-types'
import { DATA_FLUSH_BYTES, DATA_FLUSH_MS, DATA_PREVIEW_BYTES, type EngineEvent } from '../../../src/shared/events'
import { EventHub } from '../../../src/core/events/event-hub'
import { collect, connectTo, startServer, waitFor } from '../../helpers/net'
import { proxiedPair, portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents, closedConnections } from '../../helpers/capture-checks'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

type DataEvent = Extract<EngineEvent, { type: 'conn-data' }>
const isData = (e: EngineEvent): e is DataEvent => e.type === 'conn-data'

function summary(id: number): ConnectionSummary {
  return { id, kind: 'proxy', ownerId: 'p1', target: 'x:1', openedAt: 0, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open' }
}

/** A hub with one listener, fed the way a live capture feeds it. */
function hubWithListener() {
  const hub = new EventHub()
  const events: EngineEvent[] = []
  hub.subscribe((e) => events.push(e), () => ({ type: 'warning', message: 'snapshot stand-in' }))
  events.length = 0
  const conns = new Map<number, ConnectionSummary>()
  const send = (id: number, dir: Direction, chunk: Buffer): void => {
    const c = conns.get(id) ?? conns.set(id, summary(id)).get(id)!
    const offset = c.bytes[dir]
    c.bytes[dir] += chunk.length
    hub.data(id, dir, offset, chunk)
  }
  const event = (id: number, kind: CaptureEvent['kind'], dir?: Direction): void => {
    const c = conns.get(id) ?? conns.set(id, summary(id)).get(id)!
    if (kind === 'fin' && dir) c.fin[dir] = true
    // A live capture hands the hub a fresh summary per event.
    hub.connEvent({ ...c, bytes: { ...c.bytes }, fin: { ...c.fin } }, { seq: 0, kind, dir, time: 0, mono: 0 })
  }
  return { hub, events, send, event }
}

/** The ranges `events` announce for one stream must cover [0, total) in order, no gap, no overlap. */
function expectTiled(events: EngineEvent[], connId: number, dir: Direction, total: number): DataEvent[] {
  const ranges = events.filter((e): e is DataEvent => isData(e) && e.connId === connId && e.dir === dir)
  let next = 0
  for (const r of ranges) {
    expect(r.offset).toBe(next)
    expect(r.length).toBeGreaterThan(0)
    next += r.length
  }
  expect(next).toBe(total)
  return ranges
}

describe('event hub', () => {
  it('coalesces many small chunks of one direction into one event per flush interval', () => {
    vi.useFakeTimers()
    const { events, send } = hubWithListener()
    const stream = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251))
    for (let i = 0; i < stream.length; i += 10) send(1, 'client', stream.subarray(i, i + 10))
    expect(events).toEqual([])
    vi.advanceTimersByTime(DATA_FLUSH_MS)
    expect(events).toHaveLength(1)
    const [e] = events as DataEvent[]
    expect(e).toMatchObject({ type: 'conn-data', connId: 1, dir: 'client', offset: 0, length: 10_000 })
    expect(Buffer.from(e.preview)).toEqual(stream.subarray(0, DATA_PREVIEW_BYTES))
  })

  it('flushes a direction as soon as it holds DATA_FLUSH_BYTES, without waiting for the timer', () => {
    vi.useFakeTimers()
    const { events, send } = hubWithListener()
    const quarter = DATA_FLUSH_BYTES / 4
    for (let i = 0; i < 20; i++) send(1, 'server', Buffer.alloc(quarter, i))
    // Five times the limit in quarters: a flush at every limit, nothing left over.
    expect(events.map((e) => (e as DataEvent).length)).toEqual(Array(5).fill(DATA_FLUSH_BYTES))
    expectTiled(events, 1, 'server', 20 * quarter)
    vi.advanceTimersByTime(DATA_FLUSH_MS)
    expect(events).toHaveLength(5)
  })

  it("keeps a preview of at most DATA_PREVIEW_BYTES: the start of the event's own range", () => {
    vi.useFakeTimers()
    const { events, send } = hubWithListener()
    send(1, 'client', Buffer.from('abc'))
    vi.advanceTimersByTime(DATA_FLUSH_MS)
    send(1, 'client', Buffer.alloc(100, 'x'))
    send(1, 'client', Buffer.alloc(100, 'y'))
    vi.advanceTimersByTime(DATA_FLUSH_MS)
    const [small, big] = events as DataEvent[]
    expect(Buffer.from(small.preview).toString()).toBe('abc')
    expect(big).toMatchObject({ offset: 3, length: 200 })
    expect(Buffer.from(big.preview)).toEqual(Buffer.alloc(DATA_PREVIEW_BYTES, 'x'))
  })

  it("flushes a connection's pending data, both directions, before its next event, and no other connection's", () => {
    vi.useFakeTimers()
    const { events, send, event } = hubWithListener()
    send(1, 'client', Buffer.from('hello'))
    send(1, 'server', Buffer.from('hi'))
    send(2, 'client', Buffer.from('other'))
    event(1, 'fin', 'client')
    expect(events.map((e) => (isData(e) ? `data ${e.connId} ${e.dir} ${e.length}` : e.type))).toEqual(['data 1 client 5', 'data 1 server 2', 'conn-event'])
    vi.advanceTimersByTime(DATA_FLUSH_MS)
    expect(events.slice(3).map((e) => (isData(e) ? `data ${e.connId} ${e.dir}` : e.type))).toEqual(['data 2 client'])
  })

  it('gives a new subscriber a snapshot first, after flushing pending data to the others', () => {
    vi.useFakeTimers()
    const { hub, events, send } = hubWithListener()
    send(1, 'client', Buffer.from('pending'))
    const late: EngineEvent[] = []
    hub.subscribe((e) => late.push(e), () => ({ type: 'warning', message: 'the snapshot' }))
    expect(events.map((e) => e.type)).toEqual(['conn-data'])
    expect(late).toEqual([{ type: 'warning', message: 'the snapshot' }])
    send(1, 'client', Buffer.from('more'))
    vi.advanceTimersByTime(DATA_FLUSH_MS)
    expect(late[1]).toMatchObject({ type: 'conn-data', offset: 7, length: 4 })
  })

  it('keeps delivering to the others when one listener throws', () => {
    const hub = new EventHub()
    const got: EngineEvent[] = []
    hub.subscribe(
      (e) => {
        if (e.type !== 'snapshot') throw new Error('broken front end')
      },
      () => ({ type: 'snapshot', proxies: [], sessions: [], captures: [] })
    )
    hub.subscribe((e) => got.push(e), () => ({ type: 'warning', message: 's' }))
    hub.emit({ type: 'capture-error', message: 'disk full' })
    expect(got.map((e) => e.type)).toEqual(['warning', 'capture-error'])
  })

  it('through a real proxy: many tiny writes become few data events that tile each stream, each before its FIN', async () => {
    t = await testEngine()
    const { client, serverSide: s, close } = await proxiedPair(t.engine)
    cleanups.push(close)
    const serverGot = collect(s)
    // Each tiny write waits for the last to reach the server, so the proxy reads (and records) them one by one.
    let sent = Buffer.alloc(0)
    let arrived = 0
    let allArrived = (): void => {}
    s.on('data', (d: Buffer) => {
      arrived += d.length
      if (arrived === sent.length) allArrived()
    })
    for (let i = 0; i < 300; i++) {
      const piece = Buffer.from(`m${String(i).padStart(4, '0')}|`)
      sent = Buffer.concat([sent, piece])
      const delivered = new Promise<void>((resolve) => (allArrived = resolve))
      client.write(piece)
      await delivered
    }
    s.end('server done')
    client.end()
    expect((await serverGot).equals(sent)).toBe(true)
    const [conn] = await closedConnections(t.engine, 1)

    const records = (await allEvents(t.engine.capture, conn.id)).filter((e) => e.kind === 'data' && e.dir === 'client')
    expect(records.length).toBeGreaterThanOrEqual(300)
    const ranges = expectTiled(t.events, conn.id, 'client', sent.length)
    // Round trips take well under a millisecond and a range gathers for DATA_FLUSH_MS, so
    // "far fewer" has a wide margin here; the exact rule is pinned down with fake timers above.
    expect(ranges.length).toBeLessThan(records.length / 2)
    expectTiled(t.events, conn.id, 'server', 'server done'.length)
    for (const r of [...ranges]) {
      expect(r.preview.length).toBe(Math.min(DATA_PREVIEW_BYTES, r.length))
      expect(Buffer.from(r.preview)).toEqual(sent.subarray(r.offset, r.offset + r.preview.length))
    }
    // Whenever a FIN or close is announced, every byte before it has been announced already.
    const announced = { client: 0, server: 0 }
    for (const e of t.events) {
      if (isData(e) && e.connId === conn.id) announced[e.dir] += e.length
      if (e.type === 'conn-event' && e.conn.id === conn.id) expect(announced).toEqual(e.conn.bytes)
    }
    const kinds = t.events.filter((e) => e.type === 'conn-event').map((e) => (e as { event: CaptureEvent }).event.kind)
    expect(kinds).toContain('fin')
    expect(kinds.at(-1)).toBe('close')
  })

  it('gives a late subscriber a snapshot of proxies and captures (counts, not every connection), then live events', async () => {
    t = await testEngine()
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const first = await connectTo(portOf(proxy.listen))
    first.write('one')
    await once(first, 'data')

    const late: EngineEvent[] = []
    const unsubscribe = t.engine.subscribe((e) => late.push(e))
    cleanups.push(unsubscribe)
    expect(late).toHaveLength(1)
    const snap = late[0]
    if (snap.type !== 'snapshot') throw new Error(`first event is ${snap.type}, not a snapshot`)
    expect(snap.proxies).toEqual([expect.objectContaining({ id: proxy.id, state: 'listening', accepted: 1, active: 1 })])
    expect(snap).not.toHaveProperty('connections')
    expect(snap.captures).toEqual([expect.objectContaining({ id: 'live', path: t.capturePath, connections: 1, live: true })])
    // The snapshot is the state at that moment, not a live view.
    const second = await connectTo(portOf(proxy.listen))
    second.end('two')
    await collect(second)
    await waitFor(() => t!.engine.capture.connections()[1]?.end === 'closed', 'the second connection to close')
    expect(snap.captures[0].connections).toBe(1)
    expect(late.some((e) => e.type === 'conn-opened' && e.conn.id === 2)).toBe(true)
    const opened = late.find((e) => e.type === 'conn-opened') as Extract<EngineEvent, { type: 'conn-opened' }>
    expect(opened.conn.bytes).toEqual({ client: 0, server: 0 })
    first.destroy()
  })
})
