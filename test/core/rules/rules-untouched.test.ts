// Traffic rules on connections none of them can match (issue 44: "connections that no rule or
// script matches keep the fast path"): a rule that names another target gives a connection no
// stage at all, so it behaves exactly as with no rules (a target that is down resets it, where a
// rule that may match would answer 502); a change of the rules reaches the connections left
// alone at their next request.
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { connectTo, outcomeOf, REFUSED_PORT, waitFor } from '../../helpers/net'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'

let t: TestEngine
let server: Server
let backendPort: number

beforeEach(async () => {
  t = await testEngine()
  server = createServer((req, res) => res.end(`backend ${req.method} ${req.url}`))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  backendPort = (server.address() as { port: number }).port
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await t.dispose()
})

async function proxyTo(port: number, rules: RuleSpec[]): Promise<{ id: string; port: number; ruleIds: string[] }> {
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  const state = await t.engine['rules.set']({ proxyId: proxy.id, rules })
  return { id: proxy.id, port: portOf(proxy.listen), ruleIds: state.rules.map((r) => r.id) }
}

/** One keep-alive GET on `s`: the body of its answer (the answers here are short and come in one read). */
async function get(s: Socket, path: string): Promise<string> {
  const got: Buffer[] = []
  const take = (c: Buffer): number => got.push(c)
  s.on('data', take)
  s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
  const text = await waitFor(() => {
    const all = Buffer.concat(got).toString('latin1')
    const at = all.indexOf('\r\n\r\n')
    const length = Number(/content-length: (\d+)/i.exec(all)?.[1])
    return at >= 0 && all.length >= at + 4 + length ? all.slice(at + 4) : undefined
  }, `the answer to ${path}`)
  s.off('data', take)
  return text
}

const elsewhere: RuleSpec = { match: { connection: { targetPort: REFUSED_PORT } }, steps: [{ respond: { body: 'never' } }] }

describe('rules no connection fact lets match', () => {
  it('leave the connection alone, and reach it at its next request once changed to match', async () => {
    const proxy = await proxyTo(backendPort, [elsewhere, { match: { all: [{ connection: { targetPort: REFUSED_PORT } }, { http: { path: '/b' } }] }, steps: [{ respond: { body: 'never' } }] }])
    const s = await connectTo(proxy.port)
    expect(await get(s, '/a')).toBe('backend GET /a')
    expect(await get(s, '/b')).toBe('backend GET /b')
    await t.engine['rules.set']({ proxyId: proxy.id, rules: [elsewhere, { match: { http: { path: '/b' } }, steps: [{ respond: { body: 'M' } }] }] })
    expect(await get(s, '/b')).toBe('M')
    expect(await get(s, '/c')).toBe('backend GET /c')
    s.destroy()
  })

  it('turned on again reach the connections opened while they were off', async () => {
    const proxy = await proxyTo(backendPort, [{ match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mock' } }] }])
    const id = proxy.ruleIds[0]
    await t.engine['rules.enable']({ proxyId: proxy.id, id, enabled: false })
    const s = await connectTo(proxy.port)
    expect(await get(s, '/x')).toBe('backend GET /x')
    await t.engine['rules.enable']({ proxyId: proxy.id, id, enabled: true })
    expect(await get(s, '/x')).toBe('mock')
    s.destroy()
  })

  it('leave a connection to a target that is down as with no rules: reset, where a rule that may match answers 502', async () => {
    const untouched = await proxyTo(REFUSED_PORT, [{ match: { connection: { targetPort: backendPort } }, steps: [{ respond: { body: 'never' } }] }])
    const a = await connectTo(untouched.port)
    a.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n')
    expect((await outcomeOf(a)).error).toBe('ECONNRESET')
    const touched = await proxyTo(REFUSED_PORT, [{ match: { http: { path: '/never' } }, steps: [{ respond: { body: 'never' } }] }])
    const b = await connectTo(touched.port)
    const got: Buffer[] = []
    b.on('data', (c: Buffer) => got.push(c))
    b.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n')
    await waitFor(() => Buffer.concat(got).toString().startsWith('HTTP/1.1 502 '), 'a 502')
    b.destroy()
  })
})
