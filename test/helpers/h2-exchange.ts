// Hand-made HTTP/2 exchanges in the decoder's shape (contract b7d9e4c), over byte streams
// laid out as the wire would hold them: each DATA payload behind a 9-byte frame header, so a
// body's `chunks` are ranges with gaps between them, and header blocks as opaque bytes (HPACK
// is the decoder's business). A CaptureView and a Decoding over them are enough for the
// exports and replay's preparation, which read bodies by those ranges (body-content.ts).
import type { CaptureView } from '../../src/core/capture/query/capture-queries'
import type { Decoding } from '../../src/core/decode/decoding'
import { readBody } from '../../src/core/decode/body-content'
import type { ConnectionSummary } from '../../src/shared/capture-types'
import type { Direction } from '../../src/shared/direction'
import type { ByteRange, HttpExchange, HttpHeader, HttpMessage } from '../../src/shared/protocol-types'

export interface H2MessageSpec {
  /** Pseudo-headers first, as sent. */
  headers: Array<[string, string]>
  /** The DATA frames' payloads, in order. */
  data?: Uint8Array[]
  trailers?: Array<[string, string]>
  startedAt?: number
}

/** One direction's bytes, grown as frames are laid out. */
class Wire {
  parts: Buffer[] = []
  length = 0
  constructor(readonly dir: Direction) {}
  put(bytes: Uint8Array): ByteRange {
    const range = { dir: this.dir, offset: this.length, length: bytes.length }
    this.parts.push(Buffer.from(bytes))
    this.length += bytes.length
    return range
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts)
  }
}

function message(wire: Wire, spec: H2MessageSpec, stream: number): HttpMessage {
  const block = wire.put(Buffer.alloc(9 + spec.headers.length * 3, 0x88))
  const headers: HttpHeader[] = spec.headers.map(([name, value]) => ({ name, value, range: block }))
  const chunks: ByteRange[] = []
  const start = wire.length
  for (const d of spec.data ?? []) {
    wire.put(Buffer.from([0, 0, d.length, 0, 0, 0, 0, 0, stream]))
    chunks.push(wire.put(d))
  }
  const size = chunks.reduce((n, c) => n + c.length, 0)
  const trailers = spec.trailers?.map(([name, value]) => ({ name, value, range: wire.put(Buffer.alloc(12, 0x89)) }))
  const get = (n: string): string | undefined => spec.headers.find(([k]) => k === n)?.[1]
  const method = get(':method')
  const status = get(':status')
  const startedAt = spec.startedAt ?? 1_700_000_000_000
  return {
    dir: wire.dir,
    startLine: method !== undefined ? `${method} ${get(':path') ?? ''} HTTP/2` : `HTTP/2 ${status ?? ''}`,
    startRange: block,
    version: 'HTTP/2',
    ...(method !== undefined ? { method, target: get(':path') } : {}),
    ...(status !== undefined ? { status: Number(status) } : {}),
    headers,
    headRange: block,
    body: {
      framing: chunks.length > 0 ? 'h2' : 'none',
      range: { dir: wire.dir, offset: start, length: wire.length - start },
      size,
      ...(chunks.length > 0 ? { chunks, chunkTimes: chunks.map(() => startedAt) } : {}),
      ...(trailers ? { trailers } : {}),
      complete: true
    },
    startedAt,
    endedAt: startedAt + 1
  }
}

export interface H2Capture {
  view: CaptureView
  decoding: Decoding
  conn: ConnectionSummary
  exchanges: HttpExchange[]
  /** The client's and the server's bytes. */
  wire: Record<Direction, Buffer>
}

/** A connection (id 1) carrying these exchanges on streams 1, 3, 5, ... */
export function h2Capture(specs: Array<{ request: H2MessageSpec; response?: H2MessageSpec }>, conn: Partial<ConnectionSummary> = {}): H2Capture {
  const client = new Wire('client')
  const server = new Wire('server')
  client.put(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'))
  const exchanges: HttpExchange[] = specs.map((s, i) => {
    const stream = 1 + 2 * i
    const request = message(client, s.request, stream)
    const response = s.response && message(server, { startedAt: request.startedAt + 5, ...s.response }, stream)
    return { index: i, stream, request, ...(response ? { response } : {}), informational: [], state: response ? 'complete' : 'awaiting-response' } as HttpExchange
  })
  const wire = { client: client.bytes(), server: server.bytes() }
  const summary: ConnectionSummary = {
    id: 1,
    kind: 'proxy',
    ownerId: 'p1',
    target: '127.0.0.1:8443',
    openedAt: 1_700_000_000_000,
    bytes: { client: wire.client.length, server: wire.server.length },
    fin: { client: true, server: true },
    end: 'closed',
    ...conn
  }
  const view = {
    listConnections: () => Promise.resolve([summary]),
    connection: (id: number) => Promise.resolve(id === summary.id ? summary : undefined),
    readBytes: (_id: number, dir: Direction, offset: number, length: number) => Promise.resolve(wire[dir].subarray(offset, offset + length))
  } as unknown as CaptureView
  const decoding = {
    exchanges: (_v: CaptureView, _id: number, from = 0, limit = 100) =>
      Promise.resolve({ protocol: 'http2', from, total: exchanges.length, exchanges: exchanges.slice(from, from + limit), problems: [] }),
    body: (v: CaptureView, q: { connId: number; exchange: number; part: 'request' | 'response'; decode?: boolean; offset: number; length: number }) => {
      const ex = exchanges[q.exchange]
      const msg = q.part === 'request' ? ex.request! : ex.response!
      return readBody(v, q.connId, msg, { decode: q.decode ?? true, offset: q.offset, length: q.length })
    }
  } as unknown as Decoding
  return { view, decoding, conn: summary, exchanges, wire }
}

/** A gRPC message's 5-byte prefix and bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length)
  out.writeUInt32BE(message.length, 1)
  out.set(message, 5)
  return out
}
