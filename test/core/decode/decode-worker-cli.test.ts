// The built CLI decodes in its decode worker (out/cli/decode-worker.cjs, built beside it):
// real HTTP through `tcpscope web`'s proxy, listed by exchange.page, which says where it was decoded.
import { afterEach, describe, expect, it } from 'vitest'
import { startWeb, type WebMode } from '../../helpers/web'
import { portOf } from '../../helpers/engine'
import { needPeer } from '../../helpers/peers'
import { curl, startHttpServer } from './decode-peers'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('tcpscope web: decoding in the worker', () => {
  it('decodes proxied curl traffic in the decode worker', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const w: WebMode = await startWeb()
    cleanups.push(() => w.stop('SIGKILL'))
    const server = await startHttpServer()
    cleanups.push(server.close)
    const client = await w.client()
    const proxy = await client.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const base = `http://127.0.0.1:${portOf(proxy.listen)}`
    await curl([`${base}/items/1`, `${base}/items/2`, '--next', '-o', '/dev/null', `${base}/json`])
    let page = await client.call('exchange.page', { capture: 'live', offset: 0, limit: 10 })
    for (let i = 0; i < 100 && (page.scan || page.total < 3); i++) {
      await new Promise((r) => setTimeout(r, 50))
      page = await client.call('exchange.page', { capture: 'live', offset: 0, limit: 10 })
    }
    expect(page.decoder).toBe('worker')
    expect(page.rows.map((r) => [r.method, r.path, r.status, r.contentType])).toEqual([
      ['GET', '/items/1', 200, 'application/json'],
      ['GET', '/items/2', 200, 'application/json'],
      ['GET', '/json', 200, 'application/json']
    ])
    const body = await client.call('http.body', { capture: 'live', connId: page.rows[1].connId, exchange: page.rows[1].index, part: 'response', offset: 0, length: 100 })
    expect(Buffer.from(body.bytes).toString()).toBe('{"id":"2"}')
  })
})
