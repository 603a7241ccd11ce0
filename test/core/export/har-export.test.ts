// HAR export of real traffic through the proxy (curl and a ws conversation against a Node
// server): valid HAR 1.2 by the schema, bodies as text (a gzip JSON body decoded) or
// base64 (binary), times from the capture, and the WebSocket's messages as Chromium's
// devtools write them. Kept as a download when no path is given, and read back in pieces.
// A decompression bomb goes in cut short (at the ratio, or at a smaller body limit), its
// entry's comment says why, and the HAR still validates.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { har as validateHar } from 'har-validator'
import WebSocket from 'ws'
import type { EngineEvent } from '../../../src/shared/events'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo } from '../../helpers/net'
import type { Socket } from 'node:net'
import { closedConnections } from '../../helpers/capture-checks'
import { needPeer } from '../../helpers/peers'
import { BINARY_BODY, BIG_TEXT, JSON_BODY, curl, exportTarget } from './export-traffic'
import { gzipOfZeros, startBombServer } from '../../helpers/gzip-bomb'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

interface HarEntry {
  startedDateTime: string
  time: number
  request: { method: string; url: string; httpVersion: string; headers: Array<{ name: string; value: string }>; queryString: unknown[]; postData?: { mimeType: string; text: string; params?: unknown[] }; cookies: unknown[]; headersSize: number; bodySize: number }
  response: { status: number; headers: Array<{ name: string; value: string }>; cookies: Array<{ name: string; value: string; httpOnly?: boolean; path?: string }>; content: { size: number; mimeType: string; text?: string; encoding?: string; comment?: string }; headersSize: number; bodySize: number }
  timings: { send: number; wait: number; receive: number }
  serverIPAddress?: string
  connection?: string
  comment?: string
  _webSocketMessages?: Array<{ type: string; time: number; opcode: number; data: string }>
}

/** A conversation of text and binary messages through the proxy; the server echoes each. */
async function wsConversation(url: string, perMessageDeflate: boolean): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate })
  await once(ws, 'open')
  const replies: unknown[] = []
  ws.on('message', (m) => replies.push(m))
  ws.send('hello over ws')
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true })
  ws.send('x'.repeat(5000))
  while (replies.length < 3) await once(ws, 'message')
  ws.close(1000, 'done')
  await once(ws, 'close')
}

describe('HAR export', () => {
  it('is valid HAR 1.2 with decoded text, base64 binary, times from the capture and WebSocket messages', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    const base = `http://${proxy.listen}`
    await curl(['--compressed', `${base}/json?a=1&b=two%20words`, `${base}/bin`, `${base}/big`])
    await curl(['-d', 'name=tcp+scope&x=%E2%9C%93', '-H', 'Cookie: a=1; b=2', `${base}/echo`])
    await wsConversation(`ws://${proxy.listen}/ws`, true)
    const conns = await closedConnections(t.engine, 3)

    const progress: EngineEvent[] = []
    t.engine.subscribe((e) => e.type === 'progress' && progress.push(e))
    const result = await t.engine['capture.export']({ capture: 'live', format: 'har', progress: 'har-1' })
    expect(result.download).toBeDefined()
    expect(result.name).toBe('test.har')
    const pieces: Uint8Array[] = []
    for (let at = 0; at < result.size; at += 1000) pieces.push(await t.engine['capture.download.read']({ download: result.download!, offset: at, length: 1000 }))
    await t.engine['capture.download.end']({ download: result.download! })
    const har = JSON.parse(Buffer.concat(pieces).toString('utf8')) as { log: { entries: HarEntry[] } }
    await expect(validateHar(har)).resolves.toBeDefined()
    expect(progress.at(-1)).toEqual({ type: 'progress', operation: 'har-1', done: 5, of: 5 })

    const entries = har.log.entries
    expect(entries.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`)).toEqual(['GET /json', 'GET /bin', 'GET /big', 'POST /echo', 'GET /ws'])
    const [json, bin, big, post, ws] = entries
    expect(json.request.url).toBe(`${base}/json?a=1&b=two%20words`)
    expect(json.request.queryString).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: 'two words' }])
    expect(json.request.httpVersion).toBe('HTTP/1.1')
    expect(json.request.headers[0]).toEqual({ name: 'Host', value: proxy.listen })
    expect(JSON.parse(json.response.content.text!)).toEqual(JSON_BODY)
    expect(json.response.content.encoding).toBeUndefined()
    expect(json.response.content.size).toBe(Buffer.byteLength(JSON.stringify(JSON_BODY)))
    expect(json.response.cookies).toEqual([{ name: 'session', value: 'abc', path: '/', httpOnly: true }])
    expect(json.serverIPAddress).toBe('127.0.0.1')
    expect(json.connection).toBe(String(conns[0].id))
    expect(Date.parse(json.startedDateTime)).toBeGreaterThanOrEqual(conns[0].openedAt)
    for (const e of entries) expect(e.timings.send + e.timings.wait + e.timings.receive).toBeLessThanOrEqual(e.time)

    expect(bin.response.content.encoding).toBe('base64')
    expect(Buffer.from(bin.response.content.text!, 'base64')).toEqual(BINARY_BODY)
    expect(big.response.content.text).toBe(BIG_TEXT)
    expect(post.request.postData).toEqual({ mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'name', value: 'tcp scope' }, { name: 'x', value: '✓' }], text: 'name=tcp+scope&x=%E2%9C%93' })
    expect(post.request.cookies).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: '2' }])

    expect(ws.response.status).toBe(101)
    const messages = ws._webSocketMessages!
    expect(messages.filter((m) => m.type === 'send').map((m) => m.opcode)).toEqual([1, 2, 1, 8])
    expect(messages.filter((m) => m.type === 'receive').map((m) => m.opcode)).toEqual([1, 2, 1, 8])
    const texts = messages.filter((m) => m.opcode === 1).map((m) => m.data)
    expect(texts).toEqual(expect.arrayContaining(['hello over ws', 'x'.repeat(5000)]))
    expect(messages.filter((m) => m.opcode === 2).map((m) => m.data)).toEqual([Buffer.from([0, 1, 2, 255]).toString('base64'), Buffer.from([0, 1, 2, 255]).toString('base64')])
    for (const m of messages) expect(m.time * 1000).toBeGreaterThanOrEqual(conns[2].openedAt)
  })

  it('lists entries in the order their requests began, across connections', async () => {
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    const one = await connectTo(portOf(proxy.listen))
    const two = await connectTo(portOf(proxy.listen))
    const ask = async (s: Socket, path: string): Promise<void> => {
      const got = new Promise<void>((resolve) => s.once('data', () => resolve()))
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
      await got
    }
    await ask(one, '/bin?1')
    await ask(two, '/bin?2')
    await ask(one, '/bin?3')
    one.end()
    two.end()
    await closedConnections(t.engine, 2)
    const result = await t.engine['capture.export']({ capture: 'live', format: 'har' })
    const text = Buffer.from(await t.engine['capture.download.read']({ download: result.download!, offset: 0, length: result.size })).toString()
    const har = JSON.parse(text) as { log: { entries: HarEntry[] } }
    expect(har.log.entries.map((e) => new URL(e.request.url).search)).toEqual(['?1', '?2', '?3'])
  })

  it('covers only the connections named, writes to a path, and asks before replacing a file', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    await curl([`http://${proxy.listen}/json`])
    await curl([`http://${proxy.listen}/bin`])
    const [, second] = await closedConnections(t.engine, 2)
    const out = join(t.dir, 'one.har')
    const first = await t.engine['capture.export']({ capture: 'live', format: 'har', connIds: [second.id], path: out })
    expect(first).toEqual({ path: out, name: `test-conn${second.id}.har`, size: (await readFile(out)).length })
    const har = JSON.parse(await readFile(out, 'utf8')) as { log: { entries: HarEntry[] } }
    expect(har.log.entries.map((e) => new URL(e.request.url).pathname)).toEqual(['/bin'])

    const asked = await t.engine['capture.export']({ capture: 'live', format: 'har', path: out }).catch((e: { code?: string; confirm?: string }) => e)
    expect(asked).toMatchObject({ code: 'EEXIST' })
    const token = (asked as { confirm?: string }).confirm
    expect(token).toBeTruthy()
    await t.engine['capture.export']({ capture: 'live', format: 'har', path: out, confirm: token })
    expect((JSON.parse(await readFile(out, 'utf8')) as { log: { entries: unknown[] } }).log.entries).toHaveLength(2)
    // Never over the capture being exported, yes or no.
    await expect(t.engine['capture.export']({ capture: 'live', format: 'har', path: t.capturePath })).rejects.toThrow(`cannot write ${t.capturePath}: it is the capture being exported; pick another output file`)
    expect(existsSync(out)).toBe(true)
  })

  it('writes a decompression bomb cut short, says why on its entry, and stays valid HAR', async () => {
    t = await testEngine()
    const MiB = 1024 * 1024
    const bomb = gzipOfZeros(256 * MiB)
    const server = await startBombServer(bomb)
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const s = await connectTo(portOf(proxy.listen))
    const got = new Promise<void>((resolve) => s.on('end', () => resolve()).resume())
    s.write('GET /bomb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await got
    s.end()
    await closedConnections(t.engine, 1)
    const harOf = async (bodyLimit?: number): Promise<{ har: object; entry: HarEntry; size: number }> => {
      const result = await t.engine['capture.export']({ capture: 'live', format: 'har', ...(bodyLimit !== undefined ? { bodyLimit } : {}) })
      const text = Buffer.from(await t.engine['capture.download.read']({ download: result.download!, offset: 0, length: result.size })).toString()
      await t.engine['capture.download.end']({ download: result.download! })
      const har = JSON.parse(text) as { log: { entries: HarEntry[] } }
      return { har, entry: har.log.entries[0], size: result.size }
    }

    // By default the ratio stops it just past 1 MiB.
    const byRatio = await harOf()
    await expect(validateHar(byRatio.har)).resolves.toBeDefined()
    const kept = byRatio.entry.response.content.text!.length
    expect(kept).toBeGreaterThan(MiB)
    expect(kept).toBeLessThan(2 * MiB)
    expect(byRatio.entry.comment).toMatch(/^response body cut short: stopped decoding at 1\.\d+ MiB: it expands over \d+:1 \(gzip 259 KiB\), past the 100:1 allowed; showing the first 1\.\d+ MiB$/)
    // What is known of the size: no less than what decoding saw.
    expect(byRatio.entry.response.content.size).toBeGreaterThanOrEqual(kept)
    expect(byRatio.entry.response.content.comment).toMatch(/^decoded from gzip; cut short: stopped decoding/)

    // A smaller limit cuts it there, and the file is no bigger than that limit's worth.
    const limited = await harOf(256 * 1024)
    await expect(validateHar(limited.har)).resolves.toBeDefined()
    expect(limited.entry.response.content.text).toBe('\u0000'.repeat(256 * 1024))
    expect(limited.entry.response.content.size).toBeGreaterThan(256 * 1024)
    expect(limited.entry.comment).toMatch(/^response body cut short: decoded 256 KiB of more than 256 KiB \(gzip 259 KiB, ratio over \d+:1\); showing the first 256 KiB$/)
    // Each NUL is six characters of JSON (\u0000).
    expect(limited.size).toBeLessThan(6 * 256 * 1024 + 64 * 1024)
  })

  it('writes a body larger than it holds by decoding it again, whole, under the limit', async () => {
    t = await testEngine()
    // Base64 text: about 1.3:1 under gzip, 20 MiB of it, more than the 16 MiB one body holds.
    const text = randomBytes(15 * 1024 * 1024).toString('base64')
    const gz = gzipSync(text)
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': gz.length })
      res.end(gz)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => new Promise((r) => server.close(r)))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as AddressInfo).port}` })
    const s = await connectTo(portOf(proxy.listen))
    const got = new Promise<void>((resolve) => s.on('end', () => resolve()).resume())
    s.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await got
    s.end()
    await closedConnections(t.engine, 1)
    const out = join(t.dir, 'big.har')
    await t.engine['capture.export']({ capture: 'live', format: 'har', path: out })
    const har = JSON.parse(await readFile(out, 'utf8')) as { log: { entries: HarEntry[] } }
    const [entry] = har.log.entries
    expect(entry.response.content.size).toBe(text.length)
    expect(entry.response.content.text === text).toBe(true)
    expect(entry.comment).toBeUndefined()
  })

  it('writes at most the limit of a body sent with no coding, and says so', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    await curl([`http://${proxy.listen}/big`])
    await closedConnections(t.engine, 1)
    const out = join(t.dir, 'limited.har')
    await t.engine['capture.export']({ capture: 'live', format: 'har', path: out, bodyLimit: 64 * 1024 })
    const har = JSON.parse(await readFile(out, 'utf8')) as { log: { entries: HarEntry[] } }
    await expect(validateHar(har)).resolves.toBeDefined()
    const [entry] = har.log.entries
    expect(entry.response.content.text).toBe(BIG_TEXT.slice(0, 64 * 1024))
    expect(entry.response.content.size).toBe(BIG_TEXT.length)
    expect(entry.comment).toBe('response body cut short: the body is 254 KiB, more than the 64 KiB limit; showing the first 64 KiB')
  })
})

