// WebSocket decoding of a real conversation through the proxy (the `ws` package on both
// ends), with and without permessage-deflate: the messages, and each payload read back.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { WebSocket, WebSocketServer } from 'ws'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allClosed } from './decode-peers'

let t: TestEngine
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

/** An echo server: every message comes back prefixed; a ping is answered by ws itself. */
async function echoServer(deflate: boolean): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate ? { threshold: 0 } : false })
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(binary ? data : `echo:${String(data)}`, { binary })))
  await once(wss, 'listening')
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())))
  return (wss.address() as { port: number }).port
}

describe('WebSocket decoding through the proxy', () => {
  for (const deflate of [false, true]) {
    it(`decodes a conversation ${deflate ? 'with' : 'without'} permessage-deflate, payloads included`, async () => {
      t = await testEngine()
      const port = await echoServer(deflate)
      const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
      const ws = new WebSocket(`ws://127.0.0.1:${portOf(proxy.listen)}/chat`, { perMessageDeflate: deflate ? { threshold: 0 } : false })
      await once(ws, 'open')
      const replies: Buffer[] = []
      ws.on('message', (d: Buffer) => replies.push(d))
      const blob = randomBytes(3000)
      const texts = ['hello', 'hello again, '.repeat(40)]
      for (const text of texts) ws.send(text)
      ws.send(blob, { binary: true })
      ws.ping()
      await new Promise<void>((r) => ws.once('pong', () => r()))
      while (replies.length < 3) await new Promise((r) => setTimeout(r, 10))
      ws.close(1000, 'bye')
      await once(ws, 'close')
      await allClosed(t.engine, 1)
      const connId = t.engine.capture.connections()[0].id

      const exchanges = await t.engine['http.exchanges']({ capture: 'live', connId })
      expect(exchanges.protocol).toBe('websocket')
      expect(exchanges.exchanges.map((e) => [e.request?.target, e.response?.status, e.state, e.upgrade])).toEqual([['/chat', 101, 'upgraded', 'websocket']])

      const page = await t.engine['ws.messages']({ capture: 'live', connId })
      // Both sides' messages interleave as timing had it: compared as a set, in index order apart.
      expect(page.messages.map((m) => m.index)).toEqual(page.messages.map((_, i) => i))
      const shown = page.messages.map((m) => `${m.dir} ${m.opcode} ${m.size} ${m.complete}`).sort()
      const expected = [
        'client text 5 true',
        `client text ${texts[1].length} true`,
        'client binary 3000 true',
        'client ping 0 true',
        'server text 10 true',
        `server text ${texts[1].length + 5} true`,
        'server binary 3000 true',
        'server pong 0 true',
        'client close 5 true',
        'server close 5 true'
      ].sort()
      expect(shown).toEqual(expected)
      expect(page.messages.filter((m) => m.opcode === 'text' || m.opcode === 'binary').every((m) => m.compressed === deflate)).toBe(true)
      expect(page.messages.filter((m) => m.dir === 'client').every((m) => m.masked)).toBe(true)
      expect(Buffer.from(page.messages.find((m) => m.dir === 'client' && m.size === 5)!.preview).toString()).toBe('hello')
      expect(page.messages.find((m) => m.dir === 'server' && m.size === 3000)!.preview.length).toBe(256)
      const close = page.messages.find((m) => m.opcode === 'close' && m.dir === 'client')
      expect([close?.closeCode, close?.closeReason]).toEqual([1000, 'bye'])

      // Every data message's payload, read back whole and in a window.
      const payload = async (index: number, offset = 0, length = 1 << 20): Promise<Buffer> => Buffer.from((await t.engine['ws.payload']({ capture: 'live', connId, message: index, offset, length })).bytes)
      const find = (dir: string, size: number): number => page.messages.find((m) => m.dir === dir && m.size === size)!.index
      expect((await payload(find('client', texts[1].length))).toString()).toBe(texts[1])
      expect((await payload(find('server', texts[1].length + 5))).toString()).toBe(`echo:${texts[1]}`)
      expect((await payload(find('server', 3000))).equals(blob)).toBe(true)
      expect((await payload(find('client', 3000), 1000, 24)).equals(blob.subarray(1000, 1024))).toBe(true)
      const piece = await t.engine['ws.payload']({ capture: 'live', connId, message: find('server', 10), offset: 0, length: 100 })
      expect([Buffer.from(piece.bytes).toString(), piece.end, piece.decoded]).toEqual(['echo:hello', true, deflate ? ['permessage-deflate'] : []])

      const [summary] = await t.engine['conn.get']({ capture: 'live', ids: [connId] })
      expect(summary.protocol).toMatchObject({ protocol: 'websocket', messages: 10 })
    })
  }
})
