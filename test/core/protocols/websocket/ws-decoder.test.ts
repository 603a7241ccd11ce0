// The WebSocket decoder on real traffic: a ws client and server talk through a recording
// relay, with and without permessage-deflate, and what the decoder finds in the recorded
// bytes is what they sent: text and binary, a message sent in fragments with a ping
// between them, 7-, 16- and 64-bit lengths, ping and pong, a close with its code and reason.

import { describe, expect, it } from 'vitest'
import type { ServerOptions } from 'ws'
import type { Direction } from '../../../../src/shared/capture-types'
import { WS_PREVIEW_BYTES, type WsMessage } from '../../../../src/shared/protocol-types'
import { decode, decoderOptions, recordConversation, replayPayload, type Peers, type Recording } from './ws-recording'

interface Sent {
  opcode: WsMessage['opcode']
  payload: Buffer
  frames?: number
  compressed?: boolean
  closeCode?: number
  closeReason?: string
}

function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** Text that does not compress by itself, sent twice: with context takeover the second copy is a reference to the first. */
const REPEATED = seededBytes(3000, 11).toString('hex')
const LONG = Array.from({ length: 3000 }, (_, i) => `line ${i}: the quick brown fox ${i % 7}\n`).join('')

/** The conversation, and what each side sent, in order. */
async function chat(peers: Peers, deflate: boolean): Promise<Record<Direction, Sent[]>> {
  const { client, server, received } = peers
  const compressed = deflate
  const binary = seededBytes(1000, 7)

  client.send('hello over the wire')
  await received('server')
  server.send(binary)
  await received('client')

  const pong = new Promise<void>((resolve) => client.once('pong', () => resolve()))
  client.send('part one, ', { fin: false })
  client.ping('are you there')
  client.send('part two, ', { fin: false })
  client.send('part three', { fin: true })
  expect((await received('server')).data.toString()).toBe('part one, part two, part three')
  await pong

  server.send('x'.repeat(300))
  server.send(LONG)
  await received('client')
  await received('client')
  client.send(LONG)
  await received('server')
  client.send(REPEATED)
  client.send(REPEATED)
  await received('server')
  await received('server')
  client.send('not compressed', { compress: false })
  await received('server')

  const serverPong = new Promise<void>((resolve) => server.once('pong', () => resolve()))
  server.ping()
  await serverPong

  const closed = Promise.all([new Promise((r) => client.once('close', r)), new Promise((r) => server.once('close', r))])
  client.close(4001, 'bye now')
  await closed

  return {
    client: [
      { opcode: 'text', payload: Buffer.from('hello over the wire'), compressed },
      { opcode: 'text', payload: Buffer.from('part one, part two, part three'), frames: 3, compressed },
      { opcode: 'ping', payload: Buffer.from('are you there'), compressed: false },
      { opcode: 'text', payload: Buffer.from(LONG), compressed },
      { opcode: 'text', payload: Buffer.from(REPEATED), compressed },
      { opcode: 'text', payload: Buffer.from(REPEATED), compressed },
      { opcode: 'text', payload: Buffer.from('not compressed'), compressed: false },
      { opcode: 'pong', payload: Buffer.alloc(0), compressed: false },
      { opcode: 'close', payload: Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('bye now')]), closeCode: 4001, closeReason: 'bye now' }
    ],
    server: [
      { opcode: 'binary', payload: binary, compressed },
      { opcode: 'pong', payload: Buffer.from('are you there'), compressed: false },
      { opcode: 'text', payload: Buffer.from('x'.repeat(300)), compressed },
      { opcode: 'text', payload: Buffer.from(LONG), compressed },
      { opcode: 'ping', payload: Buffer.alloc(0), compressed: false },
      { opcode: 'close', payload: Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('bye now')]), closeCode: 4001, closeReason: 'bye now' }
    ]
  }
}

async function record(server: ServerOptions['perMessageDeflate']): Promise<{ rec: Recording; sent: Record<Direction, Sent[]> }> {
  let sent!: Record<Direction, Sent[]>
  const deflate = server !== false
  const rec = await recordConversation({ server: { perMessageDeflate: server }, client: { perMessageDeflate: deflate ? { threshold: 0 } : false } }, async (peers) => {
    sent = await chat(peers, deflate)
  })
  return { rec, sent }
}

function streamLength(rec: Recording, dir: Direction): number {
  return rec.chunks.filter((c) => c.dir === dir).reduce((n, c) => n + c.bytes.length, 0)
}

function expectDecodedAsSent(rec: Recording, sent: Record<Direction, Sent[]>): void {
  const { messages, problems } = decode(rec, decoderOptions(rec))
  expect(problems).toEqual([])
  expect(messages.map((m) => m.index)).toEqual(messages.map((_, i) => i))
  for (const dir of ['client', 'server'] as const) {
    const mine = messages.filter((m) => m.dir === dir)
    expect(mine.map((m) => m.opcode)).toEqual(sent[dir].map((s) => s.opcode))
    mine.forEach((m, i) => {
      const s = sent[dir][i]
      expect(m.complete).toBe(true)
      expect(m.masked).toBe(dir === 'client')
      expect(m.frames).toBe(s.frames ?? 1)
      if (s.compressed !== undefined) expect(m.compressed).toBe(s.compressed)
      expect(m.size).toBe(s.payload.length)
      expect(Buffer.from(m.preview)).toEqual(s.payload.subarray(0, WS_PREVIEW_BYTES))
      expect(m.closeCode).toBe(s.closeCode)
      expect(m.closeReason).toBe(s.closeReason)
      expect(m.startedAt).toBeLessThanOrEqual(m.endedAt as number)
      const whole = replayPayload(rec, m.index)
      expect(whole && Buffer.from(whole.bytes)).toEqual(s.payload)
      expect(whole?.end).toBe(true)
      expect(whole?.total).toBe(s.payload.length)
    })
    // Frames tile the stream from the upgrade to the close: the messages' ranges (a
    // fragmented message's spans the ping sent between its frames) start at the first
    // byte after the head and the close ends the stream.
    expect(mine[0].range.offset).toBe(rec.start[dir])
    const close = mine.at(-1) as WsMessage
    expect(close.range.offset + close.range.length).toBe(streamLength(rec, dir))
  }
  // The ping went between the fragments: it comes inside the message's range, with the next index.
  const fragmented = messages.find((m) => m.frames === 3) as WsMessage
  const ping = messages.find((m) => m.dir === 'client' && m.opcode === 'ping') as WsMessage
  expect(ping.index).toBe(fragmented.index + 1)
  expect(ping.range.offset).toBeGreaterThan(fragmented.range.offset)
  expect(ping.range.offset + ping.range.length).toBeLessThan(fragmented.range.offset + fragmented.range.length)
  // The 64-bit-length message, read in a window from its middle as ws.payload reads it.
  const long = messages.find((m) => m.dir === 'server' && m.size === LONG.length) as WsMessage
  const piece = replayPayload(rec, long.index, 40000, 100)
  expect(Buffer.from(piece?.bytes ?? []).toString()).toBe(LONG.slice(40000, 40100))
  expect(piece?.end).toBe(false)
  expect(piece?.total).toBe(LONG.length)
}

function repeated(rec: Recording): WsMessage[] {
  return decode(rec, decoderOptions(rec)).messages.filter((m) => m.size === REPEATED.length)
}

describe('WebSocketDecoder on a real ws conversation', () => {
  it('decodes it without permessage-deflate', async () => {
    const { rec, sent } = await record(false)
    expect(rec.extensions).toBeUndefined()
    expectDecodedAsSent(rec, sent)
  })

  it('decodes it with permessage-deflate and context takeover', async () => {
    const { rec, sent } = await record({ threshold: 0 })
    expect(rec.extensions).toMatch(/permessage-deflate/)
    expectDecodedAsSent(rec, sent)
    // Context takeover did its work: the second copy went as a reference to the first.
    const [first, second] = repeated(rec)
    expect(second.range.length).toBeLessThan(first.range.length / 10)
  })

  it('decodes it with no_context_takeover both ways and a small server window', async () => {
    const { rec, sent } = await record({ threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10 })
    expect(rec.extensions).toMatch(/server_no_context_takeover/)
    expect(rec.extensions).toMatch(/client_no_context_takeover/)
    expect(rec.extensions).toMatch(/server_max_window_bits=10/)
    expectDecodedAsSent(rec, sent)
    const [first, second] = repeated(rec)
    expect(second.range.length).toBeGreaterThan(first.range.length / 2)
  })

  it('without an inflater, finds compressed messages and says it cannot read them', async () => {
    const { rec, sent } = await record({ threshold: 0 })
    const { messages, problems } = decode(rec, { ...decoderOptions(rec), inflateRaw: undefined })
    expect(messages.filter((m) => m.dir === 'client').map((m) => m.opcode)).toEqual(sent.client.map((s) => s.opcode))
    expect(messages.filter((m) => m.compressed).every((m) => m.complete && m.preview.length === 0)).toBe(true)
    expect(problems.map((p) => p.message)).toEqual([
      'compressed messages are not inflated here (no inflater)',
      'compressed messages are not inflated here (no inflater)'
    ])
  })
})
