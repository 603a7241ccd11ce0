// A user's hooks change what passes, answer in the server's place, and ask for actions;
// what they leave alone comes back as unchanged, so the proxy keeps its fast path.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanupScripts, hostScript, request, response, text } from './script-helpers'

afterEach(cleanupScripts)

describe('a script host', () => {
  it('knows which hooks the script exports', async () => {
    const { host } = await hostScript(`export function onRequest() {}\nexport async function onClose() {}\nexport const onResponse = 5\n`)
    expect(['onRequest', 'onResponse', 'onMessage', 'onConnect', 'onClose'].filter((h) => host.has(h as never))).toEqual(['onRequest', 'onClose'])
    expect(host.status()).toMatchObject({ hooks: ['onRequest', 'onClose'], restarts: 0, calls: 0, errors: 0 })
    // Traffic for a hook the script does not have never reaches its thread.
    expect(await host.onResponse(response(), request())).toEqual({})
    expect(host.status().calls).toBe(0)
  })

  it('sends a request on as the hook changed it, and says nothing of one it left alone', async () => {
    const { host } = await hostScript(`
export function onRequest(req, ctx) {
  if (req.path === '/alone') return
  if (req.path === '/looked') { req.bytes; req.headers.set('accept', '*/*'); return }
  req.headers.set('x-seen-by', 'script-v1')
  req.headers.set('ACCEPT', 'text/html')
  req.body = req.body.toUpperCase() + ' ' + req.headers.get('host')
}`)
    expect(await host.onRequest(request({ url: '/alone', path: '/alone', text: 'x' }))).toEqual({})
    expect(await host.onRequest(request({ url: '/looked', path: '/looked', text: 'x' }))).toEqual({})
    const out = await host.onRequest(request({ text: 'abc' }))
    expect(out.changed?.headers).toEqual([
      ['Host', 'example.test'],
      ['Accept', 'text/html'],
      ['x-seen-by', 'script-v1']
    ])
    expect(text(out.changed?.body)).toBe('ABC example.test')
    expect(out.changed).toMatchObject({ method: 'GET', url: '/things?x=1', path: '/things', connId: 7 })
    expect(out.error).toBeUndefined()
  })

  it('takes bytes changed in place, and a path change keeps the query', async () => {
    const { host } = await hostScript(`
export function onRequest(req) {
  req.bytes[0] = 0x5a
  req.path = '/v2' + req.path
}`)
    const out = await host.onRequest(request({ text: 'abc' }))
    expect(text(out.changed?.body)).toBe('Zbc')
    expect(out.changed).toMatchObject({ url: '/v2/things?x=1', path: '/v2/things' })
  })

  it('answers in place of the server, by ctx.respond or by returning a response', async () => {
    const { host } = await hostScript(`
export function onRequest(req, ctx) {
  if (req.path === '/ctx') ctx.respond({ status: 503, headers: { 'retry-after': '5' }, body: 'later' })
  if (req.path === '/json') return { body: { ok: true } }
}`)
    const viaCtx = await host.onRequest(request({ url: '/ctx', path: '/ctx' }))
    expect(viaCtx.respond).toMatchObject({ status: 503, headers: [['retry-after', '5']] })
    expect(text(viaCtx.respond?.body)).toBe('later')
    const returned = await host.onRequest(request({ url: '/json', path: '/json' }))
    expect(returned.respond).toMatchObject({ status: 200, headers: [['content-type', 'application/json']] })
    expect(text(returned.respond?.body)).toBe('{"ok":true}')
  })

  it('changes a response, seeing the request it answers', async () => {
    const { host } = await hostScript(`
export function onResponse(res, req, ctx) {
  if (req.path === '/teapot') res.status = 418
  res.headers.append('x-len', String(res.bytes.length))
}`)
    const out = await host.onResponse(response(), request({ url: '/teapot', path: '/teapot' }))
    expect(out.changed).toMatchObject({ status: 418, reason: 'OK', headers: [['Content-Type', 'text/plain'], ['x-len', '5']] })
    expect(text(out.changed?.body)).toBe('hello')
  })

  it('changes or drops a message, and acts on connections', async () => {
    const { host } = await hostScript(`
export function onMessage(msg, ctx) {
  if (msg.summary === 'PING') return ctx.drop()
  if (msg.dir === 'client') msg.bytes = new TextEncoder().encode(msg.protocol + ':' + msg.fields.key)
}
export function onConnect(conn, ctx) {
  if (conn.client.startsWith('10.')) ctx.reset()
  else ctx.delay(50), ctx.delay(25)
}
export function onClose(conn, ctx) { ctx.state.closed = conn.id }`)
    const msg = { protocol: 'resp', dir: 'client' as const, summary: 'GET k', fields: { key: 'k' }, bytes: new Uint8Array([1, 2]), connId: 3 }
    const changed = await host.onMessage(msg)
    expect(text(changed.changed?.bytes)).toBe('resp:k')
    expect(changed.changed).toMatchObject({ protocol: 'resp', summary: 'GET k', connId: 3 })
    expect(await host.onMessage({ ...msg, summary: 'PING' })).toEqual({ action: 'drop' })
    expect(await host.onMessage({ ...msg, dir: 'server' })).toEqual({})
    expect(await host.onConnect({ id: 1, client: '10.0.0.1:5000', target: 'db:5432' })).toEqual({ action: 'reset' })
    expect(await host.onConnect({ id: 2, client: '127.0.0.1:5000', target: 'db:5432' })).toEqual({ delayMs: 75 })
    await expect(host.onClose({ id: 2, client: '127.0.0.1:5000', target: 'db:5432' })).resolves.toBeUndefined()
  })

  it('keeps ctx.state across calls', async () => {
    const { host } = await hostScript(`
export function onRequest(req, ctx) {
  ctx.state.n = (ctx.state.n ?? 0) + 1
  req.headers.set('x-n', String(ctx.state.n))
}`)
    for (const n of [1, 2, 3]) expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-n', String(n)])
  })

  it('runs async hooks, several at once, each answer matched to its call', async () => {
    const { host } = await hostScript(`
export async function onRequest(req, ctx) {
  const ms = Number(req.headers.get('x-wait'))
  await new Promise((r) => setTimeout(r, ms))
  ctx.state.done = (ctx.state.done ?? 0) + 1
  req.headers.set('x-waited', String(ms))
  req.headers.set('x-order', String(ctx.state.done))
}`)
    const waits = [500, 100, 400, 50, 300]
    const outs = await Promise.all(waits.map((ms) => host.onRequest(request({ headers: [['x-wait', String(ms)]] }))))
    expect(outs.map((o) => o.changed?.headers.slice(0, 2))).toEqual(waits.map((ms) => [['x-wait', String(ms)], ['x-waited', String(ms)]]))
    // At once, not one after the other: they end shortest wait first (one after the other, in the order called).
    expect(outs.map((o) => o.changed?.headers[2][1])).toEqual(['5', '2', '4', '1', '3'])
    expect(host.status().calls).toBe(5)
  })

  it('carries bodies of 16 MiB both ways', async () => {
    const { host } = await hostScript(`
export function onRequest(req) {
  const b = req.bytes
  req.headers.set('x-in', String(b.length) + ':' + b[b.length - 1])
  const out = new Uint8Array(b.length)
  out.fill(7)
  req.bytes = out
}
export function onResponse(res) { res.body = res.body + '!' }`)
    const big = new Uint8Array(16 * 1024 * 1024)
    big[big.length - 1] = 9
    const out = await host.onRequest(request({ body: big }))
    expect(out.changed?.headers).toContainEqual(['x-in', `${big.length}:9`])
    expect(out.changed?.body.length).toBe(big.length)
    expect(out.changed?.body.every((b) => b === 7)).toBe(true)
    // The caller's own bytes are untouched (copied across, not moved).
    expect(big.length).toBe(16 * 1024 * 1024)
    const res = await host.onResponse(response({ text: 'a'.repeat(16 * 1024 * 1024) }), request())
    expect(res.changed?.body.length).toBe(16 * 1024 * 1024 + 1)
  })

  it('says which actions a hook asked for; a fail asked for before a throw still fails', async () => {
    const { host } = await hostScript(`
export function onRequest(req, ctx) {
  if (req.path === '/close') ctx.close()
  if (req.path === '/fail') { ctx.fail(); throw new Error('no') }
  if (req.path === '/drop-then-throw') { ctx.drop(); throw new Error('no') }
}`)
    expect(await host.onRequest(request({ path: '/close' }))).toEqual({ action: 'close' })
    expect(await host.onRequest(request({ path: '/fail' }))).toMatchObject({ action: 'fail', error: 'onRequest threw: no (hooks.js:4)' })
    const thrown = await host.onRequest(request({ path: '/drop-then-throw' }))
    expect(thrown.action).toBeUndefined()
    expect(thrown.error).toBe('onRequest threw: no (hooks.js:5)')
  })

  it("passes the script's console output to report, a line each, not to this process's own output", async () => {
    const { host, reports } = await hostScript(`console.log('loaded', 1)
export function onRequest(req) { console.error('saw ' + req.path + '\\nsecond line') }`)
    await host.onRequest(request())
    await expect.poll(() => reports).toEqual(['[hooks.js] loaded 1', '[hooks.js] saw /things', '[hooks.js] second line'])
  })

  it('goes on when the report callback throws', async () => {
    const { host } = await hostScript(`export function onRequest() { throw new Error('boom') }`, {
      report: () => {
        throw new Error('the caller broke')
      }
    })
    expect(await host.onRequest(request())).toEqual({ error: 'onRequest threw: boom (hooks.js:1)' })
  })
})
