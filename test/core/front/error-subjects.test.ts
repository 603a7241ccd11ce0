// Each engine error names the argument it is about (shared/error-subject.ts), so a front
// end can show it next to that field. The errors are the real engine's, through the real
// envelope (test/helpers/front-ends.ts): a change of wording that would lose an error's
// subject fails here, beside the engine that words it.
import { afterEach, describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/shared/errors'
import { errorSubject } from '../../../src/shared/error-subject'
import type { EngineClient } from '../../../src/shared/engine-client'
import { testEngine } from '../../helpers/engine'
import { overIpc } from '../../helpers/front-ends'
import { REFUSED_PORT, startServer } from '../../helpers/net'

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

/** The subject of the engine's refusal of `call`, and its message. */
async function subjectOf(call: Promise<unknown>): Promise<{ subject: string | undefined; message: string }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(EngineError)
  const e = err as EngineError
  return { subject: errorSubject(e), message: e.message }
}

/** A port something listens on. */
async function busyPort(): Promise<number> {
  const s = await startServer(() => {})
  cleanups.push(s.close)
  return s.port
}

describe('subjects of proxy errors', () => {
  it('a port in use, a bad listen address and a missing socket folder are about listen', async () => {
    const c = await engineClient()
    const port = await busyPort()
    expect(await subjectOf(c.call('proxy.start', { listen: `127.0.0.1:${port}`, target: '127.0.0.1:1' }))).toEqual({
      subject: 'listen',
      message: expect.stringContaining('the port is already in use')
    })
    expect((await subjectOf(c.call('proxy.start', { listen: 'x:y', target: '127.0.0.1:1' }))).subject).toBe('listen')
    expect((await subjectOf(c.call('proxy.start', { listen: '/nonexistent-dir/p.sock', target: '127.0.0.1:1' }))).subject).toBe('listen')
  })

  it('a bad target is about target, an out-of-range timeout about connectTimeoutMs', async () => {
    const c = await engineClient()
    expect(await subjectOf(c.call('proxy.start', { listen: '127.0.0.1:0', target: 'redis' }))).toEqual({ subject: 'target', message: expect.stringMatching(/^--target: /) })
    expect((await subjectOf(c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:0' }))).subject).toBe('target')
    expect((await subjectOf(c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:1', connectTimeoutMs: 3_600_001 }))).subject).toBe('connectTimeoutMs')
  })

  it("a toxic's match, attributes, toxicity and name are about those fields, when added and when changed", async () => {
    const c = await engineClient()
    const { id: proxyId } = await c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:1' })
    const add = (toxic: Record<string, unknown>): Promise<unknown> => c.call('toxic.add', { proxyId, toxic: { type: 'latency', ...toxic } as never })
    expect(await subjectOf(add({ match: 'colour:red' }))).toEqual({ subject: 'toxic.match', message: expect.stringMatching(/^toxic match: unknown filter word "colour:"/) })
    expect((await subjectOf(add({ type: 'timeout', match: 'text:x' }))).subject).toBe('toxic.match')
    expect((await subjectOf(add({ type: 'down', match: 'port:1' }))).subject).toBe('toxic.match')
    expect((await subjectOf(add({ attributes: { rate: 1 } }))).subject).toBe('toxic.attributes.rate')
    expect((await subjectOf(add({ type: 'corrupt', attributes: { probability: 2 } }))).subject).toBe('toxic.attributes.probability')
    expect((await subjectOf(add({ toxicity: 2 }))).subject).toBe('toxic.toxicity')
    await add({ name: 'slow' })
    expect((await subjectOf(add({ name: 'slow' }))).subject).toBe('toxic.name')
    expect((await subjectOf(c.call('toxic.update', { proxyId, name: 'slow', match: 'colour:red' }))).subject).toBe('toxic.match')
  })

  it('an error about the command as a whole has no subject', async () => {
    const c = await engineClient()
    expect((await subjectOf(c.call('proxy.stop', { proxyId: 'p9' }))).subject).toBeUndefined()
  })
})

describe('subjects of server errors', () => {
  it('names the listen address, the reply rule by its place, the HTTP header list and each limit', async () => {
    const c = await engineClient()
    const port = await busyPort()
    expect((await subjectOf(c.call('server.start', { listen: String(port) }))).subject).toBe('listen')
    const rules = [
      { match: 'contains' as const, pattern: 'a', reply: { kind: 'text' as const, data: 'ok' } },
      { match: 'contains' as const, pattern: 'zz', format: 'hex' as const, reply: { kind: 'text' as const, data: 'ok' } }
    ]
    expect(await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules } }))).toEqual({
      subject: 'behaviour.rules[1]',
      message: expect.stringMatching(/^reply rule 2: bad hex digit/)
    })
    const badRegex = await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'regex', pattern: '(', reply: { kind: 'text', data: '' } }] } }))
    expect(badRegex.subject).toBe('behaviour.rules[0]')
    const badReply = await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'exact', pattern: 'a', reply: { kind: 'hex', data: 'x' } }] } }))
    expect(badReply.subject).toBe('behaviour.rules[0]')
    expect((await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { http: { status: 200, headers: ['no colon'] } } }))).subject).toBe('behaviour.http.headers')
    expect((await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { http: { status: 42 } } }))).subject).toBe('behaviour.http.status')
    expect((await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', idleTimeoutMs: 0 }))).subject).toBe('idleTimeoutMs')
    const mode = await subjectOf(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'like' as 'exact', pattern: '', reply: { kind: 'text', data: '' } }] } }))
    expect(mode.subject).toBe('behaviour.rules[0].match')
  })

  it('names the same arguments when a running server changes its behaviour', async () => {
    const c = await engineClient()
    const s = await c.call('server.start', { listen: '127.0.0.1:0' })
    const bad = await subjectOf(c.call('server.behaviour', { serverId: s.id, behaviour: { rules: [{ match: 'exact', pattern: '0g', format: 'hex', reply: { kind: 'text', data: '' } }] } }))
    expect(bad.subject).toBe('behaviour.rules[0]')
    expect((await subjectOf(c.call('server.behaviour', { serverId: s.id, behaviour: { interval: { everyMs: 0, payload: { kind: 'text', data: '' } } } }))).subject).toBe('behaviour.interval.everyMs')
  })
})

describe('subjects of client errors', () => {
  it('a refused connect and a bad address are about target', async () => {
    const c = await engineClient()
    const port = REFUSED_PORT
    expect(await subjectOf(c.call('client.connect', { target: `127.0.0.1:${port}` }))).toEqual({ subject: 'target', message: expect.stringContaining('connection refused by') })
    expect((await subjectOf(c.call('client.connect', { target: 'nohost' }))).subject).toBe('target')
  })

  it('a pinned local port in use is about localPort, an address not on this machine about localAddress', async () => {
    const c = await engineClient()
    const server = await startServer(() => {})
    cleanups.push(server.close)
    const port = await busyPort()
    const target = `127.0.0.1:${server.port}`
    expect(await subjectOf(c.call('client.connect', { target, localAddress: '127.0.0.1', localPort: port }))).toEqual({
      subject: 'localPort',
      message: expect.stringContaining('that local port is in use')
    })
    expect((await subjectOf(c.call('client.connect', { target, localAddress: '192.0.2.1' }))).subject).toBe('localAddress')
    expect((await subjectOf(c.call('client.connect', { target, localPort: 70000 }))).subject).toBe('localPort')
  })
})
