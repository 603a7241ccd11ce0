// One connection's decoding, as the engine runs it: recognise what the connection carries
// (detect.ts) from the client's first bytes, decode HTTP/1.x exchanges, and after a 101 hand
// the rest of both streams to the WebSocket decoder (Upgrade: websocket) or the HTTP/2 one
// (Upgrade: h2c). HTTP/2 with prior knowledge (its preface, over TLS too: the capture holds
// the decrypted bytes) is decoded from the start. A connection that is not HTTP (TLS not
// terminated, raw) produces nothing, and its bytes may all be skipped, but for a TLS
// connection's ClientHello, read for the name and protocols it asks for.

import type { Direction } from '../../shared/capture-types'
import { firstBytes } from '../../shared/concat-bytes'
import type { AnsweredBy, DecodeProblem, Protocol, ProtocolSummary } from '../../shared/protocol-types'
import { detectProtocol, MAX_DETECT_BYTES } from './detect'
import { headerValues } from './http1/head-parser'
import { Http1Decoder } from './http1/http1-decoder'
import { Http2Decoder } from './http2/http2-decoder'
import { FRAME_HEADER } from './http2/frame-reader'
import type { Renumbering } from './http2/renumbered-streams'
import { TlsHelloReader } from './tls-hello-reader'
import { CarriedProtocol } from './messages/carried-protocol'
import { NOTHING_MORE, type ConnectionDecoder, type DecoderChanges, type DecoderOptions, type ExchangeSink } from './stream-decoder'
import { parseWsExtensions, WebSocketDecoder } from './websocket/ws-decoder'

interface Held {
  dir: Direction
  bytes: Uint8Array
  offset: number
  time: number
  /** Not bytes: a rule answered the client's request at `offset` (kept in order with the bytes). */
  answered?: AnsweredBy
  /** Not bytes: HTTP/2 streams the target got under ids of its own (kept in order with the bytes). */
  renumbered?: Renumbering
}

const isBytes = (h: Held): boolean => h.answered === undefined && h.renumbered === undefined

/**
 * A decoder for one connection. `opts.protocol` skips recognition: 'http1' (or 'websocket',
 * which begins as HTTP and switches at its 101) decodes HTTP from `opts.start`; 'http2'
 * decodes HTTP/2 frames from `opts.start` (the client's preface first when it is 0); 'tls'
 * and 'raw' decode nothing.
 */
export function createConnectionDecoder(opts: DecoderOptions = {}): ConnectionDecoder {
  return new Decoder(opts)
}

class Decoder implements ConnectionDecoder {
  private known: Protocol
  private http: Http1Decoder | undefined
  private ws: WebSocketDecoder | undefined
  private h2: Http2Decoder | undefined
  private hello: TlsHelloReader | undefined
  /** What came before the protocol was known, to replay into its decoder. */
  private held: Held[] = []
  private heldBytes: Record<Direction, number> = { client: 0, server: 0 }
  private endedEarly: Partial<Record<Direction, number>> = {}
  private problems: DecodeProblem[] = []
  /** A raw connection: the protocol its messages are (recognised from both sides' first bytes, or its port). */
  private carried: CarriedProtocol | undefined
  private readonly start: Record<Direction, number>
  /** ConnectionDecoder.streamFinal's sink, handed to the HTTP decoders once there are. */
  private sink: ExchangeSink | undefined

  constructor(private readonly opts: DecoderOptions) {
    this.start = { client: opts.start?.client ?? 0, server: opts.start?.server ?? 0 }
    this.known = 'unknown'
    if (opts.protocol && opts.protocol !== 'unknown') this.decide(opts.protocol === 'websocket' ? 'http1' : opts.protocol)
  }

  get protocol(): Protocol {
    return this.ws ? 'websocket' : this.h2 ? 'http2' : this.known
  }

  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void {
    if (this.ws) return this.ws.push(dir, bytes, offset, time)
    if (this.h2) return this.h2.push(dir, bytes, offset, time)
    if (this.http) {
      this.http.push(dir, bytes, offset, time)
      return this.afterHttp()
    }
    if (this.hello) return dir === 'client' ? this.hello.push(bytes, offset) : undefined
    if (this.carried) return this.carried.push(dir, bytes, offset)
    if (this.known !== 'unknown') return
    // Offsets before the start are not this decoding's.
    const skip = Math.max(0, this.start[dir] - offset)
    if (skip >= bytes.length) return
    // Held as a view while the protocol is told from it (nearly always at once: the decoder
    // it picks copies what it keeps), and copied only when it must wait for more: a view
    // would keep the whole message it came in alive.
    const piece: Held = { dir, bytes: bytes.subarray(skip), offset: offset + skip, time }
    this.held.push(piece)
    this.heldBytes[dir] += bytes.length - skip
    this.recognise()
    if (this.known === 'unknown') piece.bytes = piece.bytes.slice()
  }

  end(dir: Direction, time: number): void {
    if (this.ws) return this.ws.end(dir, time)
    if (this.h2) return this.h2.end(dir)
    if (this.http) {
      this.http.end(dir, time)
      return this.afterHttp()
    }
    if (this.hello) return dir === 'client' ? this.hello.stop() : undefined
    if (this.carried) return this.carried.end()
    if (this.known !== 'unknown') return
    this.endedEarly[dir] = time
    this.recognise()
  }

  answered(offset: number, by: AnsweredBy): void {
    if (this.h2) return this.h2.answered(offset, by)
    if (this.ws) return
    if (this.http) return this.http.answered(offset, by)
    if (this.known === 'unknown') this.held.push({ dir: 'client', bytes: new Uint8Array(0), offset, time: NaN, answered: by })
  }

  renumbered(told: Renumbering): void {
    if (this.h2) return this.h2.renumbered(told)
    if (this.known === 'unknown') this.held.push({ dir: 'client', bytes: new Uint8Array(0), offset: 0, time: NaN, renumbered: told })
  }

  gap(dir: Direction, time: number): void {
    // WebSocket, HTTP/2 and what is not yet known take it as the end: each marks what it cut as incomplete.
    if (!this.http || this.ws || this.h2) return this.end(dir, time)
    this.http.gap(dir)
    this.afterHttp()
  }

  wantFrom(dir: Direction): number {
    if (this.ws) return this.ws.wantFrom(dir)
    if (this.h2) return this.h2.wantFrom(dir)
    if (this.http) return this.http.switched ? NOTHING_MORE : this.http.wantFrom(dir)
    if (this.hello && !this.hello.done) return dir === 'client' ? this.hello.next : NOTHING_MORE
    if (this.carried) return this.carried.wantFrom(dir)
    if (this.known !== 'unknown') return NOTHING_MORE
    return this.start[dir] + this.heldBytes[dir]
  }

  takeChanges(): DecoderChanges {
    const http = this.http?.takeChanges()
    const ws = this.ws?.takeChanges()
    const h2 = this.h2?.takeChanges()
    const problems = [...this.problems, ...(http?.problems ?? []), ...(ws?.problems ?? []), ...(h2?.problems ?? [])]
    this.problems = []
    const exchanges = h2 ? [...(http?.exchanges ?? []), ...h2.exchanges] : (http?.exchanges ?? [])
    return { exchanges, messages: ws?.messages ?? [], problems }
  }

  takeChangesInto(sink: ExchangeSink): Omit<DecoderChanges, 'exchanges'> {
    // HTTP/1's exchanges first, then HTTP/2's (after an h2c upgrade), as takeChanges has them.
    const http = this.http?.takeChangesInto(sink)
    const h2 = this.h2?.takeChangesInto(sink)
    const ws = this.ws?.takeChanges()
    // Most feeds find no problem: no array is made for none.
    let problems = this.problems
    for (const more of [http, ws?.problems, h2]) if (more !== undefined && more.length > 0) problems = problems.length === 0 ? more : [...problems, ...more]
    this.problems = []
    return { messages: ws?.messages ?? [], problems }
  }

  streamFinal(sink: ExchangeSink | undefined): void {
    this.sink = sink
    this.http?.streamFinal(sink)
    this.h2?.streamFinal(sink)
  }

  summary(): ProtocolSummary {
    const hello = this.hello?.hello
    // After an h2c upgrade the HTTP/1.1 exchange is the first, and HTTP/2's count goes on from it.
    const http = this.h2 && !this.http ? this.h2.summary() : { ...this.http?.summary(), ...(this.h2 ? { exchanges: this.h2.count } : {}) }
    return { protocol: this.protocol, ...http, ...(this.ws ? { messages: this.ws.count } : {}), ...(hello ? { hello: { ...hello } } : {}), ...(this.carried?.decided ? { carries: this.carried.decided } : {}) }
  }

  /** Decides the protocol once the client's first bytes (or the server speaking first) tell. */
  private recognise(): void {
    const client = this.held.filter((h) => h.dir === 'client' && isBytes(h))
    // Servers of HTTP and TLS never speak first: a server that does is something else. An
    // HTTP/2 server may send its SETTINGS before the client's preface has come: that waits.
    const serverFirst = client.length === 0 && this.heldBytes.server > 0 && !mayBeH2Settings(firstBytes(this.held.map((h) => h.bytes), FRAME_HEADER))
    const final = serverFirst || this.endedEarly.client !== undefined || this.heldBytes.client >= MAX_DETECT_BYTES || this.heldBytes.server >= MAX_DETECT_BYTES
    const first = firstBytes(client.map((h) => h.bytes), MAX_DETECT_BYTES)
    const protocol = serverFirst ? 'raw' : detectProtocol(first, final)
    if (protocol !== 'unknown') this.decide(protocol)
  }

  private decide(protocol: Protocol): void {
    this.known = protocol
    const held = this.held
    this.held = []
    this.heldBytes = { client: 0, server: 0 }
    // A hello is only at the stream's start: re-decoding from further on has none to read.
    if (protocol === 'tls' && this.start.client === 0) {
      this.hello = new TlsHelloReader(0)
      for (const h of held) if (h.dir === 'client' && isBytes(h)) this.hello.push(h.bytes, h.offset)
      if (this.endedEarly.client !== undefined) this.hello.stop()
    }
    if (protocol === 'raw') {
      this.carried = new CarriedProtocol(this.opts.port, this.start)
      for (const h of held) if (isBytes(h)) this.carried.push(h.dir, h.bytes, h.offset)
      if (this.endedEarly.client !== undefined || this.endedEarly.server !== undefined) this.carried.end()
    }
    if (protocol === 'http2') return this.startHttp2(held)
    if (protocol !== 'http1') return
    this.http = new Http1Decoder({ start: this.start, ...(this.opts.onlyHeaders ? { onlyHeaders: this.opts.onlyHeaders } : {}) })
    this.http.streamFinal(this.sink)
    for (const h of held) {
      if (h.answered) this.http.answered(h.offset, h.answered)
      else if (isBytes(h)) this.http.push(h.dir, h.bytes, h.offset, h.time)
    }
    for (const dir of ['client', 'server'] as const) {
      const at = this.endedEarly[dir]
      if (at !== undefined) this.http.end(dir, at)
    }
    this.afterHttp()
  }

  private startHttp2(held: Held[]): void {
    const h2 = new Http2Decoder({ start: this.start, preface: this.start.client === 0, ...(this.opts.onH2Frame ? { onFrame: this.opts.onH2Frame } : {}) })
    this.h2 = h2
    h2.streamFinal(this.sink)
    for (const h of held) {
      if (h.renumbered) h2.renumbered(h.renumbered)
      else if (h.answered) h2.answered(h.offset, h.answered)
      else if (isBytes(h)) h2.push(h.dir, h.bytes, h.offset, h.time)
    }
    for (const dir of ['client', 'server'] as const) if (this.endedEarly[dir] !== undefined) h2.end(dir)
  }

  /** After HTTP switched to WebSocket or HTTP/2 (h2c), that decoder takes what HTTP left of both streams. */
  private afterHttp(): void {
    const http = this.http!
    if (!http.switched || this.ws || this.h2) return
    const upgrade = http.switched.upgrade.toLowerCase()
    if (upgrade !== 'websocket' && upgrade !== 'h2c') return
    const client = http.remainder('client')
    const server = http.remainder('server')
    if (upgrade === 'h2c') return this.afterH2c(client, server)
    const extensions = headerValues(http.switched.response.headers, 'sec-websocket-extensions')
    this.ws = new WebSocketDecoder({
      start: { client: client.offset, server: server.offset },
      deflate: parseWsExtensions(extensions.length > 0 ? extensions.join(', ') : undefined),
      ...(this.opts.inflateRaw ? { inflateRaw: this.opts.inflateRaw } : {})
    })
    // In capture order, so message indexes follow it.
    for (const p of inOrder(client, server)) this.ws.push(p.dir, p.bytes, p.offset, p.time)
    if (client.ended !== undefined) this.ws.end('client', client.ended)
    if (server.ended !== undefined) this.ws.end('server', server.ended)
  }

  /** h2c: the client sends its preface after the 101, and the upgrade request's answer comes on stream 1. */
  private afterH2c(client: Remainder, server: Remainder): void {
    const http = this.http!
    const request = http.switched!.request
    this.h2 = new Http2Decoder({
      start: { client: client.offset, server: server.offset },
      preface: true,
      firstIndex: http.count,
      ...(request ? { upgradeRequest: request } : {}),
      ...(this.opts.onH2Frame ? { onFrame: this.opts.onH2Frame } : {})
    })
    for (const p of inOrder(client, server)) this.h2.push(p.dir, p.bytes, p.offset, p.time)
    if (client.ended !== undefined) this.h2.end('client')
    if (server.ended !== undefined) this.h2.end('server')
  }
}

/** Whether a server's first bytes are (or begin) an HTTP/2 SETTINGS frame on stream 0 (type 4, no flags). */
function mayBeH2Settings(first: Uint8Array): boolean {
  const want = [undefined, undefined, undefined, 4, 0, 0, 0, 0, 0]
  return first.every((b, i) => want[i] === undefined || want[i] === b) && (first.length < 3 || (first[0] << 16) + (first[1] << 8) + first[2] <= 6 * 16)
}

type Remainder = ReturnType<Http1Decoder['remainder']>

/** Both directions' leftovers in the order they came (by time, as the capture has them). */
function inOrder(client: Remainder, server: Remainder): Array<{ dir: Direction; offset: number; bytes: Uint8Array; time: number }> {
  return [...client.pieces.map((p) => ({ dir: 'client' as const, ...p })), ...server.pieces.map((p) => ({ dir: 'server' as const, ...p }))].sort((a, b) => a.time - b.time)
}
