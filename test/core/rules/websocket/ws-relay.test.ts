// The WebSocket rule stages driven by hand, after an HTTP/1 upgrade: whatever TCP does to the
// frames (one byte at a time, everything in one read), each whole message is matched once;
// fragments are joined, a control frame between them goes on at once, frames made here are
// masked toward the target and not toward the client; a message over the hold limit passes
// as it came; with no WebSocket rule the bytes after the 101 pass untouched. The receivers'
// bytes are read back with the decoders' own WebSocketDecoder, which names any frame that
// breaks RFC 6455 (a client frame without a mask, a server frame with one).
import { describe, expect, it } from 'vitest'
import { httpRulePair } from '../../../../src/core/rules/http-rule-stage'
import { RuleSet } from '../../../../src/core/rules/rule-set'
import type { StagePort } from '../../../../src/core/proxy/forward-stage'
import { WebSocketDecoder } from '../../../../src/core/protocols/websocket/ws-decoder'
import { wsFrame } from '../../../../src/core/rules/websocket/ws-out'
import { MAX_HELD_MESSAGE } from '../../../../src/shared/break-types'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { seeded } from '../../../helpers/seeded'

interface Leg {
  port: StagePort
  got: Buffer[]
  events: Array<Record<string, unknown>>
  closed: boolean
}

function leg(): Leg {
  const l: Leg = {
    got: [],
    events: [],
    closed: false,
    port: {
      send: (b) => (l.got.push(Buffer.from(b)), true),
      end: () => {},
      hold: () => {},
      event: (_kind, info) => l.events.push(info),
      reset: () => {},
      close: () => (l.closed = true),
      refuse: () => {},
      fail: () => {}
    }
  }
  return l
}

function pairWith(rules: RuleSpec[]): { rules: RuleSet; up: Leg; down: Leg; pair: ReturnType<typeof httpRulePair> } {
  const set = new RuleSet()
  set.set(rules)
  const pair = httpRulePair({ rules: set, connId: 1, conn: () => ({ client: '127.0.0.1:1', targetHost: '127.0.0.1', targetPort: 80 }) })
  const up = leg()
  const down = leg()
  pair.client!.open!(up.port)
  pair.server!.open!(down.port)
  return { rules: set, up, down, pair }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10))

async function feed(stage: { data: (c: Buffer, p: StagePort) => void }, port: StagePort, bytes: Buffer, max: number, rand: () => number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rand() * max)
    stage.data(bytes.subarray(at, at + n), port)
    at += n
    if (rand() < 0.05) await settle()
  }
  await settle()
}

const UPGRADE = 'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'

/** A frame as a peer sends it: masked from the client; `fin: false` for a fragment. */
function frame(opcode: number, payload: string | Buffer, from: 'client' | 'server', fin = true): Buffer {
  const f = wsFrame(opcode, typeof payload === 'string' ? Buffer.from(payload) : payload, from === 'client')
  if (!fin) f[0] &= 0x7f
  return f
}

/** What a receiver got after the HTTP head, read back as messages: opcode and text, and any rule the frames broke. */
function readBack(sender: 'client' | 'server', bytes: Buffer): { messages: Array<[string, string]>; problems: string[] } {
  const d = new WebSocketDecoder({ start: { client: 0, server: 0 } })
  d.push(sender, bytes, 0, 0)
  d.end(sender, 0)
  const { messages, problems } = d.takeChanges()
  return { messages: messages.map((m) => [m.opcode, Buffer.from(m.preview).toString()]), problems: problems.map((p) => p.message) }
}

const afterHead = (bytes: Buffer, head: string): Buffer => {
  expect(bytes.subarray(0, head.length).toString()).toBe(head)
  return bytes.subarray(head.length)
}

const RULES: RuleSpec[] = [
  { name: 'welcome', match: { websocket: { dir: 'client', json: { '$.type': 'hello' } } }, steps: [{ respond: { json: { type: 'welcome' } } }] },
  { name: 'no binary', match: { websocket: { dir: 'client', opcode: 'binary' } }, steps: [{ drop: true }] },
  { name: 'pieces', match: { websocket: { text: { contains: 'frag' } } }, steps: [{ rewrite: { websocket: { replace: [{ find: 'frag', with: 'piece' }] } } }] },
  { name: 'free', match: { websocket: { dir: 'server', json: { '$.item': 'tea' } } }, steps: [{ rewrite: { websocket: { json: { '$.price': 0 } } } }] }
]

describe('the WebSocket rule stages', () => {
  it('acts once per whole message whatever the pieces, joins fragments, and masks only toward the target', async () => {
    const rand = seeded(44)
    for (const max of [1, 2, 7, 64, 4096]) {
      const { up, down, pair, rules } = pairWith(RULES)
      const clientFrames = Buffer.concat([
        frame(1, '{"type":"hello"}', 'client'),
        frame(2, Buffer.from([1, 2, 3]), 'client'),
        frame(1, 'frag-one ', 'client', false),
        frame(9, 'p', 'client'),
        frame(0, 'frag-two', 'client'),
        frame(1, 'plain', 'client')
      ])
      await feed(pair.client!, up.port, Buffer.from(UPGRADE), max, rand)
      await feed(pair.server!, down.port, Buffer.concat([Buffer.from(SWITCH), frame(1, '{"item":"tea","price":42}', 'server'), frame(10, '', 'server')]), max, rand)
      await feed(pair.client!, up.port, clientFrames, max, rand)

      const toTarget = readBack('client', afterHead(Buffer.concat(up.got), UPGRADE))
      expect(toTarget.problems, `pieces of up to ${max}`).toEqual([])
      // The ping between the fragments goes at once; the fragments go on as one rewritten frame.
      expect(toTarget.messages, `pieces of up to ${max}`).toEqual([
        ['ping', 'p'],
        ['text', 'piece-one piece-two'],
        ['text', 'plain']
      ])
      const toClient = readBack('server', afterHead(Buffer.concat(down.got), SWITCH))
      expect(toClient.problems).toEqual([])
      expect(toClient.messages).toEqual([
        ['text', '{"item":"tea","price":0}'],
        ['pong', ''],
        ['text', '{"type":"welcome"}']
      ])
      expect(rules.list().map((r) => r.hits)).toEqual([1, 1, 1, 1])
      const actions = [...up.events, ...down.events].map((e) => `${String(e.label)}: ${String(e.action)}`)
      expect(actions.sort()).toEqual(['free: rewrite', 'no binary: drop', 'pieces: rewrite', 'welcome: respond'])
      // The records say where each message starts in its sender's stream.
      const welcome = up.events.find((e) => e.label === 'welcome')!
      expect(welcome.offset).toBe(UPGRADE.length)
      expect(welcome.summary).toBe('text "{\\"type\\":\\"hello\\"}"')
    }
  })

  it('passes the bytes after the 101 untouched when no rule is about WebSocket', async () => {
    const rand = seeded(5)
    const { up, down, pair } = pairWith([{ match: { http: { path: '/other' } }, steps: [{ respond: { status: 204 } }] }])
    const clientFrames = Buffer.concat([frame(1, 'frag', 'client', false), frame(9, 'p', 'client'), frame(0, 'ment', 'client'), frame(2, Buffer.alloc(300, 7), 'client')])
    const serverBytes = Buffer.concat([Buffer.from(SWITCH), frame(1, 'hi', 'server')])
    await feed(pair.client!, up.port, Buffer.from(UPGRADE), 3, rand)
    await feed(pair.server!, down.port, serverBytes, 3, rand)
    await feed(pair.client!, up.port, clientFrames, 3, rand)
    expect(Buffer.concat(up.got).equals(Buffer.concat([Buffer.from(UPGRADE), clientFrames]))).toBe(true)
    expect(Buffer.concat(down.got).equals(serverBytes)).toBe(true)
    expect([...up.events, ...down.events]).toEqual([])
  })

  it('lets a message over the hold limit through as it came, says so once, and matches the next', async () => {
    const { up, down, pair, rules } = pairWith([{ name: 'any text', match: { websocket: { opcode: 'text' } }, steps: [{ rewrite: { websocket: { text: 'changed' } } }] }])
    pair.client!.data(Buffer.from(UPGRADE), up.port)
    pair.server!.data(Buffer.from(SWITCH), down.port)
    await settle()
    const big = frame(1, Buffer.alloc(MAX_HELD_MESSAGE + 10, 0x61), 'client')
    const stream = Buffer.concat([big, frame(1, 'small', 'client')])
    for (let at = 0; at < stream.length; at += 65536) pair.client!.data(stream.subarray(at, at + 65536), up.port)
    await settle()
    const sent = afterHead(Buffer.concat(up.got), UPGRADE)
    expect(sent.subarray(0, big.length).equals(big)).toBe(true)
    expect(readBack('client', sent.subarray(big.length)).messages).toEqual([['text', 'changed']])
    expect(up.events.map((e) => e.message)).toEqual([expect.stringMatching(/^not matched: a WebSocket text message from the client over the 16 MiB hold limit/), 'rewrote the WebSocket text "small"'])
    expect(rules.list()[0].hits).toBe(1)
  })

  it('ends with a Close frame each way and a FIN on a close step', async () => {
    const { up, down, pair } = pairWith([{ name: 'bye', match: { websocket: { text: 'bye' } }, steps: [{ close: true }] }])
    pair.client!.data(Buffer.from(UPGRADE), up.port)
    pair.server!.data(Buffer.from(SWITCH), down.port)
    pair.client!.data(frame(1, 'bye', 'client'), up.port)
    await settle()
    const toTarget = readBack('client', afterHead(Buffer.concat(up.got), UPGRADE))
    const toClient = readBack('server', afterHead(Buffer.concat(down.got), SWITCH))
    expect(toTarget).toEqual({ messages: [['close', expect.stringContaining('closed by a tcpscope rule')]], problems: [] })
    expect(toClient).toEqual({ messages: [['close', expect.stringContaining('closed by a tcpscope rule')]], problems: [] })
    expect(up.closed || down.closed).toBe(true)
  })
})
