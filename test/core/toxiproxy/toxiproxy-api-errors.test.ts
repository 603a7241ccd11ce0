// The Toxiproxy API's answers to wrong and hostile requests, over raw HTTP: Toxiproxy's
// error bodies and status codes, a bounded body, one line per error, and the server still
// answering after each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { MAX_BODY_BYTES, ToxiproxyApi } from '../../../src/core/toxiproxy/toxiproxy-api'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { startServer } from '../../helpers/net'

let t: TestEngine
let api: ToxiproxyApi
let echo: Awaited<ReturnType<typeof startServer>>
let base: string

const hasToxics = (): boolean => typeof (t.engine as unknown as Record<string, unknown>)['toxic.add'] === 'function'

async function call(method: string, path: string, body?: string | object, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text }
}

/** Sends raw bytes and resolves with what came back until the server closed. */
function raw(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: api.port, host: '127.0.0.1' })
    const parts: Buffer[] = []
    s.on('data', (c: Buffer) => parts.push(c))
    s.on('error', reject)
    s.on('close', () => resolve(Buffer.concat(parts).toString('latin1')))
    s.write(bytes)
  })
}

beforeAll(async () => {
  t = await testEngine()
  echo = await startServer((s) => s.pipe(s))
  api = await ToxiproxyApi.start(t.engine, { listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, version: '0.1.0' })
  base = `http://127.0.0.1:${api.port}`
  expect((await call('POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` })).status).toBe(201)
})

afterAll(async () => {
  await api.stop()
  await echo.close()
  await t.dispose()
})

describe('Toxiproxy API errors', () => {
  it('answers an unknown proxy or toxic with 404 and Toxiproxy\'s body', async () => {
    for (const [method, path] of [
      ['GET', '/proxies/nope'],
      ['DELETE', '/proxies/nope'],
      ['GET', '/proxies/nope/toxics']
    ]) {
      expect(await call(method, path)).toMatchObject({ status: 404, json: { error: 'proxy not found', status: 404 } })
    }
    expect(await call('POST', '/proxies/nope', { enabled: false })).toMatchObject({ status: 404, json: { error: 'proxy not found', status: 404 } })
    expect(await call('GET', '/proxies/p/toxics/nope')).toMatchObject({ status: 404, json: { error: 'toxic not found', status: 404 } })
    expect(await call('DELETE', '/proxies/p/toxics/nope')).toMatchObject({ status: 404, json: { error: 'toxic not found', status: 404 } })
  })

  it('answers a taken name with 409 and missing fields with 400', async () => {
    expect(await call('POST', '/proxies', { name: 'p', upstream: `127.0.0.1:${echo.port}` })).toMatchObject({ status: 409, json: { error: 'proxy already exists', status: 409 } })
    expect(await call('POST', '/proxies', { upstream: 'x:1' })).toMatchObject({ status: 400, json: { error: 'missing required field: name', status: 400 } })
    expect(await call('POST', '/proxies', { name: 'q' })).toMatchObject({ status: 400, json: { error: 'missing required field: upstream', status: 400 } })
    expect(await call('POST', '/populate', [{ name: 'a', upstream: 'x:1' }, { name: 'b' }])).toMatchObject({ status: 400, json: { error: 'missing required field: upstream at proxy 2', status: 400 } })
    // Checked before anything changed: proxy "a" was not made.
    expect((await call('GET', '/proxies/a')).status).toBe(404)
  })

  it('answers bad JSON, wrong types and non-objects with 400 on one line', async () => {
    for (const body of ['{"name":', 'null', '[1,2]', '"text"', '', '{"name": 5, "upstream": "x:1"}', '{"name": "z", "upstream": "x:1", "enabled": "yes"}']) {
      const r = await call('POST', '/proxies', body, { 'Content-Type': 'application/json' })
      expect(r.status, body).toBe(400)
      expect(r.json).toMatchObject({ status: 400, error: expect.stringMatching(/^bad request body: /) })
      expect(r.text.trim().split('\n')).toHaveLength(1)
    }
    expect(await call('POST', '/populate', { not: 'a list' })).toMatchObject({ status: 400 })
    expect(await call('POST', '/proxies', { name: 'bad', listen: '127.0.0.1:99999', upstream: 'x:1' })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/bad port/) } })
  })

  it('answers bad toxics with Toxiproxy\'s messages', async (ctx) => {
    if (!hasToxics()) return ctx.skip()
    expect(await call('POST', '/proxies/p/toxics', { type: 'nope' })).toMatchObject({ status: 400, json: { error: 'invalid toxic type', status: 400 } })
    expect(await call('POST', '/proxies/p/toxics', { type: 'latency', stream: 'sideways' })).toMatchObject({
      status: 400,
      json: { error: 'stream was invalid, can be either upstream or downstream', status: 400 }
    })
    expect(await call('POST', '/proxies/p/toxics', { type: 'latency', toxicity: 7 })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^bad request body: /) } })
    expect(await call('POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 'slow' } })).toMatchObject({ status: 400 })
    const added = await call('POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 5 } })
    // Toxiproxy's defaults: downstream, toxicity 1, named <type>_<stream>.
    expect(added).toMatchObject({ status: 200, json: { name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5 } } })
    expect(await call('POST', '/proxies/p/toxics', { type: 'latency' })).toMatchObject({ status: 409, json: { error: 'toxic already exists', status: 409 } })
    expect(await call('PATCH', '/proxies/p/toxics/latency_downstream', { attributes: { jitter: 2 } })).toMatchObject({ status: 200, json: { attributes: { latency: 5, jitter: 2 } } })
    expect((await call('DELETE', '/proxies/p/toxics/latency_downstream')).status).toBe(204)
  })

  it('refuses a body over the bound with 413 and keeps serving', async () => {
    const big = JSON.stringify({ name: 'big', upstream: 'x:1', pad: 'x'.repeat(MAX_BODY_BYTES) })
    expect(await call('POST', '/proxies', big)).toMatchObject({ status: 413, json: { status: 413 } })
    // Declared too large, then never sent: answered at once, not after the bytes.
    const reply = await raw(`POST /proxies HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY_BYTES * 4}\r\n\r\n{`)
    expect(reply).toMatch(/^HTTP\/1\.1 413/)
    expect((await call('GET', '/version')).status).toBe(200)
  })

  it('refuses browsers, unknown paths and wrong methods', async () => {
    expect(await call('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' })).toMatchObject({ status: 403, json: { error: 'User agent not allowed' } })
    expect(await call('GET', '/nothing')).toMatchObject({ status: 404 })
    expect(await call('PUT', '/proxies')).toMatchObject({ status: 405 })
    expect(await call('GET', '/proxies/%E0%A4%A')).toMatchObject({ status: 400 })
  })

  it('answers garbage on the socket without falling over', async () => {
    const reply = await raw('\x00\x01\x02 not http at all\r\n\r\n')
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
    expect((await call('GET', '/proxies')).json).toHaveProperty('p')
  })
})
