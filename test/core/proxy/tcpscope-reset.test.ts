// A reset tcpscope made on purpose, on real loopback sockets: a traffic rule's reset step, a
// reset_peer toxic, a held message's Reset at a breakpoint and a person's RST to one side each
// end the connection as `tcpscope-reset`, not `stopped` (a proxy stopping), with what made it
// and the sides that got the RST, in the summary, the close record and the list's filter.
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConnectionSummary } from '../../../src/shared/capture-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { outcomeOf, REFUSED_PORT, waitFor } from '../../helpers/net'
import { closedSummary, eventsOf, recordedEvent } from '../../helpers/sessions'
import { AFTER_RST_GRACE_MS } from '../../../src/core/proxy/person-actions'
import { addToxic, connected, lastConnId, proxyTo, type ToxicProxy } from '../fault/toxic-helpers'
import { addBreak, heldQueue } from '../breakpoint/break-helpers'

let t: TestEngine
let p: ToxicProxy
beforeEach(async () => {
  t = await testEngine()
  p = await proxyTo(t.engine)
})
afterEach(async () => {
  await p.close()
  await t.dispose()
})

/** The connection once closed, and its close record's payload. */
async function ended(id: number): Promise<{ summary: ConnectionSummary; close: Record<string, unknown> | undefined }> {
  const summary = await closedSummary(t.engine, id)
  const close = (await eventsOf(t.engine, id)).find((e) => e.kind === 'close')?.info
  return { summary, close }
}

const both = { client: true, server: true }

/** A proxy to a port that refuses connections, with these traffic rules. */
async function downProxy(rules: unknown[]): Promise<{ port: number }> {
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${REFUSED_PORT}` })
  await t.engine['rules.set']({ proxyId: proxy.id, rules: rules as never })
  return { port: portOf(proxy.listen) }
}

describe('a reset tcpscope made', () => {
  it('by a traffic rule: ends as tcpscope-reset by the rule, both sides reset, and the filter finds it', async () => {
    await t.engine['rules.set']({ proxyId: p.proxyId, rules: [{ match: { http: { path: '/boom' } }, steps: [{ reset: true }] }] })
    const c = await connected(p.port)
    const outcome = outcomeOf(c)
    c.write('GET /boom HTTP/1.1\r\nhost: a.test\r\n\r\n')
    expect((await outcome).error).toBe('ECONNRESET')
    const { summary, close } = await ended(await lastConnId(t.engine))
    expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'rule', rst: both } } })
    expect(close).toMatchObject({ end: 'tcpscope-reset', reset: { by: 'rule', rst: both } })
    const page = (filter: string) => t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter })
    for (const filter of ['state:tcpscope-reset', 'state:reset', 'changed:reset', 'changed:reset:rule', 'changed:yes']) expect((await page(filter)).total, filter).toBe(1)
    for (const filter of ['state:stopped', 'changed:reset:toxic', 'changed:rule', 'changed:no']) expect((await page(filter)).total, filter).toBe(0)
  })

  it('by a reset_peer toxic: ends as tcpscope-reset by the toxic, both sides reset', async () => {
    await addToxic(t.engine, p.proxyId, { type: 'reset_peer', attributes: { timeout: 0 } })
    const c = await connected(p.port)
    const outcome = outcomeOf(c)
    c.write('hi')
    expect((await outcome).error).toBe('ECONNRESET')
    const { summary, close } = await ended(await lastConnId(t.engine))
    expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'toxic', rst: both } } })
    expect(close).toMatchObject({ reset: { by: 'toxic', rst: both } })
  })

  it("by a breakpoint's Reset: ends as tcpscope-reset by the breakpoint, not as an edit", async () => {
    await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream' })
    const c = await connected(p.port)
    const outcome = outcomeOf(c)
    c.write('x')
    const [held] = await heldQueue(t.engine)
    await t.engine['held.close']({ heldId: held.id, how: 'rst' })
    expect((await outcome).error).toBe('ECONNRESET')
    const { summary } = await ended(held.connId)
    expect(summary.end).toBe('tcpscope-reset')
    expect(summary.changed).toEqual({ reset: { by: 'breakpoint', rst: both } })
  })

  // The target answers late, after the client was reset: the connection still ends when the
  // target does (what it sends then goes nowhere), rather than waiting forever on a client
  // that will never read again.
  it("by a person's RST to one side: only that side is said to have got it, the other got a FIN", async () => {
    const late = await proxyTo(t.engine, (s) => {
      s.on('data', (d: Buffer) => setTimeout(() => s.write(d), 100))
      s.on('end', () => setTimeout(() => s.end(), 200))
    })
    try {
      const c = await connected(late.port)
      c.write('hi')
      await waitFor(() => late.accepted[0], 'the server to accept')
      const id = await lastConnId(t.engine)
      const clientEnd = outcomeOf(c)
      await t.engine['conn.shut']({ connId: id, side: 'client', how: 'rst' })
      expect((await clientEnd).error).toBe('ECONNRESET')
      const { summary, close } = await ended(id)
      expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'action', rst: { client: true, server: false } } } })
      expect(close).toMatchObject({ reset: { by: 'action', rst: { client: true, server: false } } })
      // What the target sent after the reset is recorded, as it sent it.
      expect(summary.bytes).toEqual({ client: 2, server: 2 })
    } finally {
      await late.close()
    }
  })

  it('by a down toxic: the client is reset at accept, recorded as the toxic\'s reset to the client only', async () => {
    await addToxic(t.engine, p.proxyId, { type: 'down' })
    // Reset at accept: the client may see it as its connect failing, or just after.
    const c = connect({ port: p.port, host: '127.0.0.1' })
    expect((await outcomeOf(c)).error).toBe('ECONNRESET')
    const { summary, close } = await ended(await lastConnId(t.engine))
    expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'toxic', rst: { client: true, server: false } } } })
    expect(close).toMatchObject({ end: 'tcpscope-reset', reset: { by: 'toxic', rst: { client: true, server: false } } })
  })

  // The rules could have answered HTTP for a target that is down (a mock), so they took the
  // connection over; the client then spoke something else, which nothing can answer.
  it('is not what a target that is down and rules that took over but cannot answer make: connect-failed', async () => {
    const down = await downProxy([{ match: { http: { path: '/x' } }, steps: [{ respond: { status: 200, body: 'mocked' } }] }])
    const c = await connected(down.port)
    const outcome = outcomeOf(c)
    const id = await lastConnId(t.engine)
    await recordedEvent(t.engine, id, 'connect-failed')
    c.write('PING\r\n')
    expect((await outcome).error).toBe('ECONNRESET')
    const { summary, close } = await ended(id)
    expect(summary.end).toBe('connect-failed')
    expect(summary.changed).toBeUndefined()
    expect(close).toMatchObject({ end: 'connect-failed' })
    expect(close?.reset).toBeUndefined()
  })

  it('by a rule while the target is down: only the client got an RST, the target never connected', async () => {
    const down = await downProxy([{ match: { http: { path: '/boom' } }, steps: [{ reset: true }] }])
    const c = await connected(down.port)
    const outcome = outcomeOf(c)
    const id = await lastConnId(t.engine)
    await recordedEvent(t.engine, id, 'connect-failed')
    c.write('GET /boom HTTP/1.1\r\nhost: a.test\r\n\r\n')
    expect((await outcome).error).toBe('ECONNRESET')
    const { summary } = await ended(id)
    expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'rule', rst: { client: true, server: false } } } })
  })

  // A target that never stops sending after its client was reset would grow the capture
  // without bound: it gets a grace period, then the same action resets it too.
  it("by a person's RST to one side: the other side is reset too once the grace period is over", async () => {
    const chatty = await proxyTo(t.engine, (s) => {
      const timer = setInterval(() => s.writable && s.write('tick\n'), 50)
      s.on('close', () => clearInterval(timer))
    })
    try {
      const c = await connected(chatty.port)
      const server = await waitFor(() => chatty.accepted[0], 'the server to accept')
      const id = await lastConnId(t.engine)
      const clientEnd = outcomeOf(c)
      const serverEnd = outcomeOf(server)
      const start = Date.now()
      await t.engine['conn.shut']({ connId: id, side: 'client', how: 'rst' })
      expect((await clientEnd).error).toBe('ECONNRESET')
      // The RST may meet the target's next write (EPIPE) before its read does.
      expect(['ECONNRESET', 'EPIPE']).toContain((await serverEnd).error)
      expect(Date.now() - start).toBeGreaterThanOrEqual(AFTER_RST_GRACE_MS - 100)
      const { summary } = await ended(id)
      expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'action', rst: both } } })
      const actions = (await eventsOf(t.engine, id)).filter((e) => e.kind === 'action').map((e) => e.info?.message)
      expect(actions).toEqual(['RST sent to the client, FIN to the target', `RST sent to the target, ${AFTER_RST_GRACE_MS / 1000} s after the RST to the client`])
    } finally {
      await chatty.close()
    }
  }, 20_000)

  // The target got a FIN with the client's RST, so a person's later FIN to it is refused (and
  // an RST to it ends the grace); the grace's timer, pending, must not keep a process alive.
  it("by a person's RST to one side: the grace that follows holds no process open, and the other side can only be reset", async () => {
    const chatty = await proxyTo(t.engine, (s) => {
      const timer = setInterval(() => s.writable && s.write('tick\n'), 50)
      s.on('close', () => clearInterval(timer))
    })
    const timers = vi.spyOn(globalThis, 'setTimeout')
    try {
      const c = await connected(chatty.port)
      await waitFor(() => chatty.accepted[0], 'the server to accept')
      const id = await lastConnId(t.engine)
      const clientEnd = outcomeOf(c)
      await t.engine['conn.shut']({ connId: id, side: 'client', how: 'rst' })
      expect((await clientEnd).error).toBe('ECONNRESET')
      const grace = timers.mock.calls.findIndex((args) => args[1] === AFTER_RST_GRACE_MS)
      expect(grace).toBeGreaterThanOrEqual(0)
      expect((timers.mock.results[grace].value as NodeJS.Timeout).hasRef()).toBe(false)
      await expect(t.engine['conn.shut']({ connId: id, side: 'server', how: 'fin' })).rejects.toThrow(/the target was sent a FIN already/)
      await t.engine['conn.shut']({ connId: id, side: 'server', how: 'rst' })
      const { summary } = await ended(id)
      expect(summary).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'action', rst: both } } })
    } finally {
      timers.mockRestore()
      await chatty.close()
    }
  })

  // tcpscope is the server there: the server reset the connection, and its record says a rule made it, not a person.
  it("in a server session (serve --rules), a rule's reset ends server-reset, recorded as the rule's", async () => {
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    await t.engine['rules.set']({ proxyId: server.id, rules: [{ match: { http: { path: '/boom' } }, steps: [{ reset: true }] }] })
    const c = await connected(portOf(server.listen))
    const outcome = outcomeOf(c)
    c.write('GET /boom HTTP/1.1\r\nhost: a.test\r\n\r\n')
    expect((await outcome).error).toBe('ECONNRESET')
    const conn = await waitFor(() => t.engine.capture.connections().find((x) => x.kind === 'server'), 'the session connection')
    const { summary } = await ended(conn.id)
    expect(summary.end).toBe('server-reset')
    const reset = (await eventsOf(t.engine, conn.id)).find((e) => e.kind === 'reset')
    expect(reset).toMatchObject({ dir: 'server', info: { code: 'RESET', message: 'reset by a rule' } })
  })

  it('is not what a stopped proxy records', async () => {
    const c = await connected(p.port)
    c.write('hi')
    const id = await lastConnId(t.engine)
    await waitFor(() => p.accepted[0], 'the server to accept')
    await t.engine['proxy.stop']({ proxyId: p.proxyId, closeConnections: true })
    const { summary } = await ended(id)
    expect(summary.end).toBe('stopped')
    expect(summary.changed).toBeUndefined()
  })
})
