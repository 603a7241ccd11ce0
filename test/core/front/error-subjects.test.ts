// Engine errors go next to the field they concern. The errors are the real engine's,
// through the real envelope (test/helpers/front-ends.ts), so a change of its wording
// that would send one to the wrong field fails here.
import { afterEach, describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/shared/errors'
import { routeEngineError, type ErrorRoute } from '../../../src/renderer/src/forms/engine-error-fields'
import { BEHAVIOUR_ROUTES, clientDraft, clientRoutes, PROXY_ROUTES, SERVER_ROUTES } from '../../../src/renderer/src/forms/start-forms'
import { testEngine } from '../../helpers/engine'
import { overIpc } from '../../helpers/front-ends'
import { startServer } from '../../helpers/net'
import type { EngineClient } from '../../../src/shared/engine-client'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function engineClient(): Promise<EngineClient> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const front = overIpc(t.engine)
  cleanups.push(() => front.close())
  return front.client
}

/** The field the engine's refusal of `call` lands on. */
async function fieldOf(call: Promise<unknown>, routes: readonly ErrorRoute[]): Promise<{ field: string; text: string }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(EngineError)
  return routeEngineError(err, routes)
}

/** A port something listens on. */
async function busyPort(): Promise<number> {
  const s = await startServer(() => {})
  cleanups.push(s.close)
  return s.port
}

describe('engine errors in the proxy form', () => {
  it('puts a port in use, a bad listen address and a permission refusal under Listen', async () => {
    const c = await engineClient()
    const port = await busyPort()
    const inUse = await fieldOf(c.call('proxy.start', { listen: `127.0.0.1:${port}`, target: '127.0.0.1:1' }), PROXY_ROUTES)
    expect(inUse).toEqual({ field: 'listen', text: expect.stringContaining('already in use') })
    expect((await fieldOf(c.call('proxy.start', { listen: 'x:y', target: '127.0.0.1:1' }), PROXY_ROUTES)).field).toBe('listen')
    expect((await fieldOf(c.call('proxy.start', { listen: '/nonexistent-dir/p.sock', target: '127.0.0.1:1' }), PROXY_ROUTES)).field).toBe('listen')
  })

  it('puts a bad target under Target and an out-of-range timeout under its field', async () => {
    const c = await engineClient()
    expect(await fieldOf(c.call('proxy.start', { listen: '127.0.0.1:0', target: 'redis' }), PROXY_ROUTES)).toEqual({ field: 'target', text: expect.stringMatching(/^--target: /) })
    expect((await fieldOf(c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:0' }), PROXY_ROUTES)).field).toBe('target')
    const late = await fieldOf(c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:1', connectTimeoutMs: 3_600_001 }), PROXY_ROUTES)
    expect(late).toEqual({ field: 'connectTimeoutMs', text: expect.stringContaining('connectTimeoutMs') })
  })

  it('shows what no field claims for the form as a whole', () => {
    expect(routeEngineError(new EngineError('EINTERNAL', 'proxy.start failed: internal error'), PROXY_ROUTES)).toEqual({ field: 'form', text: 'proxy.start failed: internal error' })
    expect(routeEngineError(new Error('socket gone'), PROXY_ROUTES)).toEqual({ field: 'form', text: 'socket gone' })
  })
})

describe('engine errors in the server form and the behaviour form', () => {
  it('puts a port in use under Listen, a bad reply rule on its row, a bad header under Headers', async () => {
    const c = await engineClient()
    const port = await busyPort()
    expect((await fieldOf(c.call('server.start', { listen: String(port) }), SERVER_ROUTES)).field).toBe('listen')
    const rules = [
      { match: 'contains' as const, pattern: 'a', reply: { kind: 'text' as const, data: 'ok' } },
      { match: 'contains' as const, pattern: 'zz', format: 'hex' as const, reply: { kind: 'text' as const, data: 'ok' } }
    ]
    const badHex = await fieldOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules } }), SERVER_ROUTES)
    expect(badHex).toEqual({ field: 'rule.1', text: expect.stringMatching(/^reply rule 2: bad hex digit/) })
    const badRegex = await fieldOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'regex', pattern: '(', reply: { kind: 'text', data: '' } }] } }), SERVER_ROUTES)
    expect(badRegex.field).toBe('rule.0')
    const header = await fieldOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { http: { status: 200, headers: ['no colon'] } } }), SERVER_ROUTES)
    expect(header.field).toBe('http.headers')
    const idle = await fieldOf(c.call('server.start', { listen: '127.0.0.1:0', idleTimeoutMs: 0 }), SERVER_ROUTES)
    expect(idle.field).toBe('idleTimeoutMs')
    const mode = await fieldOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'like' as 'exact', pattern: '', reply: { kind: 'text', data: '' } }] } }), SERVER_ROUTES)
    expect(mode.field).toBe('rule.0')
  })

  it('routes the same errors of a running server to the same fields', async () => {
    const c = await engineClient()
    const s = await c.call('server.start', { listen: '127.0.0.1:0' })
    const r = await fieldOf(c.call('server.behaviour', { serverId: s.id, behaviour: { rules: [{ match: 'exact', pattern: '0g', format: 'hex', reply: { kind: 'text', data: '' } }] } }), BEHAVIOUR_ROUTES)
    expect(r.field).toBe('rule.0')
    const status = await fieldOf(c.call('server.behaviour', { serverId: s.id, behaviour: { http: { status: 42 } } }), BEHAVIOUR_ROUTES)
    expect(status.field).toBe('http.status')
  })
})

describe('engine errors in the client form', () => {
  it('puts a refused connect and a bad address under Target', async () => {
    const c = await engineClient()
    const closed = await startServer(() => {})
    const port = closed.port
    await closed.close()
    const draft = { ...clientDraft(), target: `127.0.0.1:${port}` }
    expect(await fieldOf(c.call('client.connect', { target: draft.target }), clientRoutes(draft))).toEqual({ field: 'target', text: expect.stringContaining('connection refused by') })
    expect((await fieldOf(c.call('client.connect', { target: 'nohost' }), clientRoutes(draft))).field).toBe('target')
  })

  it('puts a pinned local port in use under Local port, and an address not on this machine under Local address', async () => {
    const c = await engineClient()
    const server = await startServer(() => {})
    cleanups.push(server.close)
    const port = await busyPort()
    const pinned = { ...clientDraft(), target: `127.0.0.1:${server.port}`, localPort: String(port) }
    const inUse = await fieldOf(c.call('client.connect', { target: pinned.target, localAddress: '127.0.0.1', localPort: port }), clientRoutes({ ...pinned, localAddress: '127.0.0.1' }))
    expect(inUse).toEqual({ field: 'localPort', text: expect.stringContaining('that local port is in use') })
    const away = { ...clientDraft(), target: pinned.target, localAddress: '192.0.2.1' }
    const notHere = await fieldOf(c.call('client.connect', { target: away.target, localAddress: '192.0.2.1' }), clientRoutes(away))
    expect(notHere.field).toBe('localAddress')
  })
})
