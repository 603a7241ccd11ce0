// Traffic rules and a script on WebSocket messages through a tcpscope proxy, with the `ws`
// package as both peers: a client's JSON message answered by tcpscope (the server never sees
// it), a server's message rewritten by JSON path, a binary message dropped, fragments and a
// ping between them passing whole, a close step, onMessage changing a client's text, and a
// permessage-deflate connection (context takeover) whose later compressed messages still
// read right after one was changed.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer, type RawData } from 'ws'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { waitFor } from '../../../helpers/net'
import { eventsOf } from '../../../helpers/sessions'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'

let t: TestEngine
let server: WebSocketServer
let proxyId: string
let proxyPort: number
/** What the server got, in order: text, or `binary:<hex>`. */
let serverGot: string[]
const clients: WebSocket[] = []

async function start(opts: { deflate?: boolean; onConnection?: (ws: WebSocket) => void } = {}): Promise<void> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...(opts.deflate ? { perMessageDeflate: { threshold: 0 } } : {}) })
  await new Promise<void>((r) => server.once('listening', r))
  server.on('connection', (ws) => {
    ws.on('message', (data: RawData, binary) => {
      const text = binary ? `binary:${Buffer.from(data as Buffer).toString('hex')}` : String(data)
      serverGot.push(text)
      if (!binary) ws.send(`echo ${text}`)
    })
    opts.onConnection?.(ws)
  })
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
}

beforeEach(async () => {
  t = await testEngine()
  serverGot = []
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate()
  for (const c of server?.clients ?? []) c.terminate()
  await new Promise((r) => server?.close(r))
  await t.dispose()
})

const setRules = (rules: RuleSpec[]): Promise<unknown> => t.engine['rules.set']({ proxyId, rules })

/** A client through the proxy, with what it got (text, or `binary:<hex>`) as it comes. */
async function client(opts: { deflate?: boolean } = {}): Promise<{ ws: WebSocket; got: string[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/chat`, { perMessageDeflate: opts.deflate ? { threshold: 0 } : false })
  clients.push(ws)
  const got: string[] = []
  ws.on('message', (data: RawData, binary) => got.push(binary ? `binary:${Buffer.from(data as Buffer).toString('hex')}` : String(data)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, got }
}

async function ruleRecords(): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = []
  for (const c of t.engine.capture.connections()) for (const e of await eventsOf(t.engine, c.id)) if (e.kind === 'rule') out.push({ ...e.info, dir: e.dir })
  return out
}

describe('rules on WebSocket messages', () => {
  it("answers a client's JSON message itself: the server never sees it, and the rest goes on", async () => {
    await start()
    await setRules([{ name: 'welcome', match: { websocket: { dir: 'client', json: { '$.type': 'hello' } } }, steps: [{ respond: { json: { type: 'welcome', from: 'tcpscope' } } }] }])
    const { ws, got } = await client()
    ws.send(JSON.stringify({ type: 'hello', user: 'ann' }))
    ws.send(JSON.stringify({ type: 'other' }))
    await waitFor(() => got.length === 2, 'two answers')
    expect(got).toEqual(['{"type":"welcome","from":"tcpscope"}', 'echo {"type":"other"}'])
    expect(serverGot).toEqual(['{"type":"other"}'])
    expect((await t.engine['rules.list']({ proxyId })).rules[0].hits).toBe(1)
    const records = await ruleRecords()
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ label: 'welcome', action: 'respond', dir: 'client', summary: 'text "{\\"type\\":\\"hello\\",\\"user\\":\\"ann\\"}"' })
    // What the client got instead: the unmasked frame.
    expect(Buffer.from(records[0].delivered as string, 'base64').subarray(2).toString()).toBe('{"type":"welcome","from":"tcpscope"}')
  })

  it("rewrites a server's message by JSON path, and drops a client's binary message", async () => {
    await start({ onConnection: (ws) => ws.send(JSON.stringify({ item: 'tea', price: 42 })) })
    await setRules([
      { name: 'free', match: { websocket: { dir: 'server', json: { '$.item': 'tea' } } }, steps: [{ rewrite: { websocket: { json: { '$.price': 0 } } } }] },
      { name: 'no binary', match: { websocket: { opcode: 'binary' } }, steps: [{ drop: true }] }
    ])
    const { ws, got } = await client()
    await waitFor(() => got.length === 1, 'the price')
    expect(JSON.parse(got[0])).toEqual({ item: 'tea', price: 0 })
    ws.send(Buffer.from([0xde, 0xad]))
    ws.send('after')
    await waitFor(() => got.length === 2, 'the echo')
    expect(serverGot).toEqual(['after'])
    expect(got[1]).toBe('echo after')
    const records = await ruleRecords()
    expect(records.map((r) => [r.label, r.action, r.dir])).toEqual([
      ['free', 'rewrite', 'server'],
      ['no binary', 'drop', 'client']
    ])
  })

  it('joins fragments (a ping between them answered), rewrites them as one frame, and lets pings and pongs pass', async () => {
    await start({ onConnection: (ws) => ws.on('message', (d, binary) => !binary && String(d) === 'split please' && (ws.send('one ', { fin: false }), ws.send('two ', { fin: false }), ws.send('three', { fin: true }))) })
    await setRules([{ name: 'pieces', match: { websocket: { dir: 'client', text: { contains: 'frag' } } }, steps: [{ rewrite: { websocket: { replace: [{ find: 'frag', with: 'piece' }] } } }] }])
    const { ws, got } = await client()
    const pongs: string[] = []
    ws.on('pong', (d) => pongs.push(String(d)))
    ws.send('frag-one ', { fin: false })
    ws.ping('between')
    ws.send('frag-two', { fin: true })
    await waitFor(() => got.length === 1 && pongs.length === 1, 'the echo and the pong')
    expect(serverGot).toEqual(['piece-one piece-two'])
    expect(got).toEqual(['echo piece-one piece-two'])
    expect(pongs).toEqual(['between'])
    ws.send('split please')
    await waitFor(() => got.length === 3, 'the fragmented message')
    expect(got.slice(1).sort()).toEqual(['echo split please', 'one two three'])
    expect((await ruleRecords()).map((r) => r.message)).toEqual(['rewrote the WebSocket text "frag-one frag-two" (2 frames, sent as one)'])
  })

  it('closes with a Close frame each way on a close step', async () => {
    await start()
    const serverClosed = new Promise<number>((r) => server.on('connection', (s) => s.on('close', (code) => r(code))))
    await setRules([{ name: 'bye', match: { websocket: { text: 'bye' } }, steps: [{ close: true }] }])
    const { ws } = await client()
    const clientClosed = new Promise<[number, string]>((r) => ws.on('close', (code, reason) => r([code, String(reason)])))
    ws.send('bye')
    expect(await clientClosed).toEqual([1000, 'closed by a tcpscope rule'])
    expect(await serverClosed).toBe(1000)
    expect(serverGot).toEqual([])
  })

  it("a script's onMessage changes a client's text", async () => {
    await start()
    const path = join(t.dir, 'hooks.mjs')
    await writeFile(
      path,
      `export function onMessage(msg) {
  if (msg.protocol === 'websocket' && msg.dir === 'client' && msg.fields.opcode === 'text') msg.text = msg.fields.text.toUpperCase() + ' ' + msg.summary
}
`
    )
    await t.engine['script.load']({ proxyId, path })
    const { ws, got } = await client()
    ws.send('quiet')
    await waitFor(() => got.length === 1, 'the echo')
    expect(serverGot).toEqual(['QUIET text "quiet"'])
    expect(got).toEqual(['echo QUIET text "quiet"'])
    const records = await ruleRecords()
    expect(records.map((r) => [r.rule, r.action, r.message])).toEqual([['script', 'script', 'the script changed the WebSocket text "quiet"']])
  })

  it('with permessage-deflate and context takeover, a changed compressed message goes uncompressed and the later ones still read right', async () => {
    // The third and fourth repeat the second, which the client never gets as sent: their compressed form refers back to it.
    const lines = ['{"n":1,"word":"first"}', '{"n":2,"word":"zebra quokka narwhal"}', '{"n":3,"word":"zebra quokka narwhal"}', '{"n":4,"word":"zebra quokka narwhal"}']
    await start({ deflate: true, onConnection: (ws) => ws.on('message', (d) => String(d) === 'go' && lines.forEach((l) => ws.send(l))) })
    await setRules([{ name: 'second', match: { websocket: { dir: 'server', json: { '$.n': 2 } } }, steps: [{ rewrite: { websocket: { json: { '$.word': 'changed' } } } }] }])
    const { ws, got } = await client({ deflate: true })
    expect(ws.extensions).toContain('permessage-deflate')
    ws.send('go')
    await waitFor(() => got.length === 5, 'the echo and four lines')
    expect(got.filter((g) => g.startsWith('{')).map((g) => JSON.parse(g) as unknown)).toEqual([
      { n: 1, word: 'first' },
      { n: 2, word: 'changed' },
      { n: 3, word: 'zebra quokka narwhal' },
      { n: 4, word: 'zebra quokka narwhal' }
    ])
    const records = await ruleRecords()
    expect(records.map((r) => r.action)).toEqual(['rewrite', 'error'])
    expect(records[1].message).toMatch(/^from here on, compressed messages from the target go on uncompressed/)
  })
})
