// A real `ws` conversation through a recording relay, decoded as a whole connection: the
// upgrade exchange from HTTP, then the WebSocket messages after it, with and without
// permessage-deflate, however the recorded chunks are split.
import { describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { inflateRaw } from '../../../../src/core/http/inflate-raw'
import { startRecordingRelay, type RecordedConnection } from '../../../helpers/recording-relay'
import { decode, type Piece } from '../feed'

async function converse(perMessageDeflate: boolean): Promise<RecordedConnection> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate })
  await once(wss, 'listening')
  const relay = await startRecordingRelay((wss.address() as AddressInfo).port)
  try {
    wss.on('connection', (ws) => {
      ws.on('message', (data, binary) => ws.send(binary ? data : `echo: ${String(data)}`, { binary }))
    })
    const client = new WebSocket(`ws://127.0.0.1:${relay.port}/chat`, { perMessageDeflate })
    await once(client, 'open')
    for (const text of ['hello', 'hello again', 'x'.repeat(5000)]) {
      client.send(text)
      await once(client, 'message')
    }
    client.send(Buffer.from([1, 2, 3]))
    await once(client, 'message')
    client.close(1000, 'done')
    await once(client, 'close')
    const [conn] = await relay.settled(1)
    return conn
  } finally {
    await relay.close()
    wss.close()
  }
}

/** Every recorded chunk cut in two, to show the hand-over does not depend on where chunks end. */
const halves = (pieces: Piece[]): Piece[] =>
  pieces.flatMap((p) => ('end' in p || typeof p.bytes === 'string' || p.bytes.length < 2 ? [p] : [{ ...p, bytes: p.bytes.subarray(0, p.bytes.length >> 1) }, { ...p, bytes: p.bytes.subarray(p.bytes.length >> 1) }]))

describe('a real WebSocket connection, decoded from its first byte', () => {
  it.each([false, true])('permessage-deflate %s: an upgraded exchange, then the messages', async (deflate) => {
    const conn = await converse(deflate)
    for (const pieces of [conn.pieces, halves(conn.pieces)]) {
      const d = decode(pieces, { inflateRaw, takeEvery: true })
      expect(d.problems).toEqual([])
      expect(d.decoder.protocol).toBe('websocket')
      expect(d.exchanges).toHaveLength(1)
      expect(d.exchanges[0]).toMatchObject({ state: 'upgraded', upgrade: 'websocket', request: { method: 'GET', target: '/chat' }, response: { status: 101 } })
      const texts = d.messages.filter((m) => m.opcode === 'text').map((m) => [m.dir, Buffer.from(m.preview).toString().slice(0, 20), m.size, m.compressed])
      expect(texts).toEqual([
        ['client', 'hello', 5, deflate],
        ['server', 'echo: hello', 11, deflate],
        ['client', 'hello again', 11, deflate],
        ['server', 'echo: hello again', 17, deflate],
        ['client', 'x'.repeat(20), 5000, deflate],
        ['server', 'echo: ' + 'x'.repeat(14), 5006, deflate]
      ])
      expect(d.messages.filter((m) => m.opcode === 'binary').map((m) => [...m.preview])).toEqual([
        [1, 2, 3],
        [1, 2, 3]
      ])
      expect(d.messages.filter((m) => m.opcode === 'close').map((m) => [m.dir, m.closeCode, m.closeReason])).toEqual([
        ['client', 1000, 'done'],
        ['server', 1000, 'done']
      ])
      expect(d.decoder.summary()).toMatchObject({ protocol: 'websocket', exchanges: 1, messages: d.messages.length })
    }
  })
})
