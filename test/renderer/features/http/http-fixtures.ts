// Exchanges and messages as the engine's decoders describe them, made from the bytes of a
// message in a stream (the ranges computed from the bytes, as a decoder finds them), and a
// fake engine that answers http.exchanges, http.body, ws.messages and ws.payload from them.
import type { ConnectionSummary, Direction } from '../../../../src/shared/capture-types'
import type { BodyPiece, HttpExchange, HttpMessage, WsMessage } from '../../../../src/shared/protocol-types'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

export const T = Date.UTC(2026, 0, 1, 12, 0, 0)
export const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))

export const conn = (id: number, protocol?: 'http1' | 'websocket' | 'http2' | 'raw'): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
  target: '127.0.0.1:8080',
  openedAt: T,
  bytes: { client: 100, server: 100 },
  fin: { client: false, server: false },
  end: 'open',
  ...(protocol ? { protocol: { protocol } } : {})
})

/** A message whose head (through the empty line) starts at `at` in `dir`'s stream, with a body of `bodySize`. */
export function messageOf(dir: Direction, head: string, at: number, bodySize: number, framing: HttpMessage['body']['framing'] = 'length'): HttpMessage {
  const lines = head.split('\r\n')
  const startLine = lines[0]
  let offset = at + startLine.length + 2
  const headers = lines.slice(1, -2).map((line) => {
    const colon = line.indexOf(':')
    const h = { name: line.slice(0, colon), value: line.slice(colon + 1).trim(), range: { dir, offset, length: line.length + 2 } }
    offset += line.length + 2
    return h
  })
  const parts = startLine.split(' ')
  const request = dir === 'client'
  return {
    dir,
    startLine,
    startRange: { dir, offset: at, length: startLine.length },
    version: request ? parts[2] : parts[0],
    ...(request ? { method: parts[0], target: parts[1] } : { status: Number(parts[1]), reason: parts.slice(2).join(' ') }),
    headers,
    headRange: { dir, offset: at, length: head.length },
    body: { framing: bodySize || framing !== 'length' ? framing : 'none', range: { dir, offset: at + head.length, length: bodySize }, size: bodySize, complete: true },
    startedAt: T + at,
    endedAt: T + at + 1
  }
}

export interface FakeBody {
  /** The content, decoded. */
  content: Uint8Array
  /** The content as sent (a read with `decode: false`), when it is not `content`. */
  sent?: Uint8Array
  decoded?: string[]
  /** Content stops here with this problem. */
  problem?: { message: string; offset: number }
  /** Still arriving: what is here is not the end. */
  arriving?: boolean
  /** The engine stopped decoding at the content's end: said with the piece that reaches it. */
  cut?: BodyPiece['cut']
  note?: string
  /** What the engine says of the pretty view, with every piece. */
  pretty?: boolean
}

export interface FakeConnection {
  exchanges?: HttpExchange[]
  bodies?: Record<string, FakeBody>
  messages?: WsMessage[]
  payloads?: Record<number, Uint8Array>
  streams?: Record<Direction, Uint8Array>
  protocol?: 'http1' | 'websocket' | 'http2' | 'raw'
}

const piece = (b: FakeBody, offset: number, length: number): BodyPiece => {
  const end = b.problem ? b.problem.offset : b.content.length
  const bytes = b.content.slice(offset, Math.min(end, offset + length))
  const reached = offset + bytes.length >= end
  return {
    bytes,
    offset,
    total: b.problem || b.arriving || b.cut ? undefined : b.content.length,
    end: !b.arriving && !b.cut && offset + bytes.length >= b.content.length,
    decoded: b.decoded ?? [],
    ...(b.problem && reached ? { problem: b.problem } : {}),
    ...(b.cut && reached ? { cut: b.cut, note: b.note } : {}),
    ...(b.pretty !== undefined ? { pretty: b.pretty } : {})
  }
}

/** A fake engine serving `c` (the selected connection is `id`), and what it was asked. */
export function fakeDecodingEngine(id: number, c: FakeConnection, more: Handlers = {}) {
  return fakeTransport({
    'conn.get': () => [conn(id, c.protocol)],
    'http.exchanges': ({ from = 0, limit = 1000 }) => ({
      protocol: c.protocol ?? 'http1',
      from,
      total: c.exchanges?.length ?? 0,
      exchanges: (c.exchanges ?? []).slice(from, from + limit),
      problems: []
    }),
    'http.body': ({ exchange, part, offset, length, decode }) => {
      const b = c.bodies?.[`${exchange}:${part}`]
      if (!b) return { bytes: new Uint8Array(0), offset, total: 0, end: true, decoded: [] }
      if (decode === false && b.sent) return piece({ content: b.sent }, offset, length)
      return piece(b, offset, length)
    },
    'ws.messages': ({ from = 0, limit = 1000 }) => ({ from, total: c.messages?.length ?? 0, messages: (c.messages ?? []).slice(from, from + limit), problems: [] }),
    'ws.payload': ({ message, offset, length }) => piece({ content: c.payloads?.[message] ?? new Uint8Array(0) }, offset, length),
    'conn.read': ({ dir, offset, length }) => (c.streams?.[dir] ?? new Uint8Array(0)).slice(offset, offset + length),
    ...more
  })
}

/** The HTTP tests' wait: ten turns, for the views' deepest chains (a page, then bodies, then a render). */
export const settle = (): Promise<void> => flushPromises({ turns: 10 })
