// Rules made from the recording (rules.from), each then loaded and tried against real peers:
// "Rewrite requests like this" on a JSON POST (filled in with its top-level values by path,
// edited, and the target gets the edit), on a request with its own headers, and "Mock this
// reply" on a redis command (answered with the reply recorded for it, once redis no longer
// has the key); a server's message, or one with no reply, is refused in one line.
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { hasProgram, needProgram } from '../../helpers/peers'
import { startRedis } from '../../helpers/redis'
import { portOf, testEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'

const run = promisify(execFile)
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('rules made from the recording', () => {
  it('rewrites requests like a recorded JSON POST, and like one with its own headers', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const t = await testEngine()
    cleanups.push(t.dispose)
    const seen: Array<{ body: string; key: unknown }> = []
    const server: Server = createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => {
        seen.push({ body: Buffer.concat(parts).toString(), key: req.headers['x-api-key'] })
        res.end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(() => r())))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
    const url = `http://127.0.0.1:${portOf(proxy.listen)}`
    await run('curl', ['-sS', '-H', 'content-type: application/json', '-d', '{"item":"tea","qty":1,"gift":false,"address":{"city":"Oslo"},"odd key":2}', `${url}/api/order`])
    await run('curl', ['-sS', '-H', 'x-api-key: k1', `${url}/api/items?all=1`])
    const [order, items] = (await closedConnections(t.engine, 2)).sort((a, b) => a.id - b.id)

    const rewrite = await t.engine['rules.from']({ capture: 'live', connId: order.id, exchange: 0, as: 'rewrite' })
    expect(rewrite).toEqual({
      name: 'rewrite POST /api/order',
      match: { http: { method: 'POST', path: '/api/order' } },
      steps: [{ rewrite: { request: { json: { '$.item': 'tea', '$.qty': 1, '$.gift': false } } } }]
    })
    expect(await t.engine['rules.from']({ capture: 'live', connId: items.id, exchange: 0, as: 'rewrite' })).toEqual({
      name: 'rewrite GET /api/items',
      match: { http: { method: 'GET', path: '/api/items' } },
      steps: [{ rewrite: { request: { headers: { 'x-api-key': 'k1' } } } }]
    })
    // Edited as a person would, then loaded: the target gets the edit.
    const edited = structuredClone(rewrite) as RuleSpec & { steps: Array<{ rewrite: { request: { json: Record<string, unknown> } } }> }
    edited.steps[0].rewrite.request.json['$.qty'] = 5
    await t.engine['rules.set']({ proxyId: proxy.id, rules: [edited] })
    await run('curl', ['-sS', '-H', 'content-type: application/json', '-d', '{"item":"tea","qty":1}', `${url}/api/order`])
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ item: 'tea', qty: 5, gift: false })
  })

  it("mocks a redis command's reply as recorded, and refuses a server's message", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const t = await testEngine()
    cleanups.push(t.dispose)
    const redis = await startRedis(t.dir)
    cleanups.push(redis.stop)
    await run('redis-cli', ['-p', String(redis.port), 'SET', 'feature-flag', 'on'])
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
    const port = String(portOf(proxy.listen))
    expect((await run('redis-cli', ['-p', port, 'GET', 'feature-flag'])).stdout.trim()).toBe('on')
    const [conn] = await closedConnections(t.engine, 1)
    const page = await t.engine['msg.page']({ capture: 'live', connId: conn.id })
    const get = page.messages.find((m) => m.summary === 'GET feature-flag')!
    const rule = await t.engine['rules.from']({ capture: 'live', connId: conn.id, message: get.index })
    expect(rule).toEqual({
      name: 'answer GET feature-flag as recorded',
      match: { message: { dir: 'client', protocol: 'resp', summary: { exact: 'GET feature-flag' } } },
      steps: [{ respond: { text: '$2\r\non\r\n' } }]
    })
    await run('redis-cli', ['-p', String(redis.port), 'DEL', 'feature-flag'])
    await t.engine['rules.set']({ proxyId: proxy.id, rules: [rule] })
    expect((await run('redis-cli', ['-p', port, 'GET', 'feature-flag'])).stdout.trim()).toBe('on')
    expect((await run('redis-cli', ['-p', String(redis.port), 'GET', 'feature-flag'])).stdout.trim()).toBe('')

    const reply = page.messages.find((m) => m.dir === 'server' && m.summary === 'on')!
    await expect(t.engine['rules.from']({ capture: 'live', connId: conn.id, message: reply.index })).rejects.toThrow(/is the server's: choose the client's message whose reply to mock/)
    await expect(t.engine['rules.from']({ capture: 'live', connId: conn.id, message: get.index, as: 'rewrite' })).rejects.toThrow(/written by hand \(rewrite\.bytes\)/)
    await expect(t.engine['rules.from']({ capture: 'live', connId: conn.id, message: get.index, exchange: 0 })).rejects.toThrow(/give one of them/)
  })
})
