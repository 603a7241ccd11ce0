// What the engine's protocol decoders found in a connection, as front ends see it: the
// protocol it carries, its HTTP/1.x exchanges and WebSocket messages, each with the byte
// ranges it came from, exactly as on the wire. Decoders live in src/core/protocols; the
// bytes themselves stay in the capture and are read by range (conn.read, http.body).

import type { Direction } from './direction'
import type { BodyCut } from './body-cut'
import type { BodyType } from './body-type'
import type { TlsHello } from './tls-types'

/**
 * What a connection carries, as recognised from its first bytes:
 * - `http1`: HTTP/1.0 or 1.1 (a connection upgraded to WebSocket reads `websocket`);
 * - `tls`: a TLS record header; `http2`: the HTTP/2 prior-knowledge preface;
 * - `raw`: anything else; `unknown`: too few bytes yet to tell.
 */
export const PROTOCOLS = ['http1', 'websocket', 'tls', 'http2', 'raw', 'unknown'] as const
export type Protocol = (typeof PROTOCOLS)[number]

/** A range of one direction's byte stream: [offset, offset + length). */
export interface ByteRange {
  dir: Direction
  offset: number
  length: number
}

/** Something that could not be decoded, where it was: the decoder goes on or stops there, never throws. */
export interface DecodeProblem {
  dir: Direction
  /** The stream offset of the first byte that did not fit. */
  offset: number
  message: string
}

/** A header line as sent: its name and value in their own case, and the line's bytes (CRLF included). */
export interface HttpHeader {
  name: string
  /** Trimmed of surrounding whitespace; folded (obs-fold) lines joined with one space. */
  value: string
  range: ByteRange
}

/** How a message's body is delimited on the wire (RFC 9112 section 6). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close'

export interface HttpBody {
  framing: BodyFraming
  /** The body's bytes on the wire, chunk framing included; length grows while it arrives. */
  range: ByteRange
  /** Bytes of content (chunk data summed; Content-Length otherwise) seen so far. */
  size: number
  /** A chunked body: each chunk's data (at most MAX_CHUNK_RANGES kept; `chunksOmitted` counts the rest). */
  chunks?: ByteRange[]
  chunksOmitted?: number
  /** A chunked body's trailer fields. */
  trailers?: HttpHeader[]
  /** Every byte of it arrived (for `close`: the sender's FIN came). */
  complete: boolean
}

/** Chunk ranges a body keeps, so a body of a million tiny chunks stays small in memory. */
export const MAX_CHUNK_RANGES = 4096

export interface HttpMessage {
  dir: Direction
  /** The start line as sent (Latin-1), without its CRLF. */
  startLine: string
  startRange: ByteRange
  /** `HTTP/1.1`, as sent. */
  version: string
  /** A request's method and target. */
  method?: string
  target?: string
  /** A response's status code and reason phrase. */
  status?: number
  reason?: string
  /** In the order sent, duplicates kept. */
  headers: HttpHeader[]
  /** The start line through the empty line that ends the head. */
  headRange: ByteRange
  body: HttpBody
  /** Wall-clock ms of the chunk holding the message's first byte, and of the one holding its last (absent until complete). */
  startedAt: number
  endedAt?: number
}

export type ExchangeState =
  /** A request with no (final) response yet. */
  | 'pending'
  | 'complete'
  /** The connection ended (or decoding stopped at a problem) before the exchange was whole. */
  | 'incomplete'
  /** 101 Switching Protocols or a 2xx to CONNECT: what follows on the connection is not HTTP. */
  | 'upgraded'

export interface HttpExchange {
  /** Its position on the connection, from 0. */
  index: number
  request?: HttpMessage
  /** 1xx responses (100 Continue, 103 Early Hints) before the final one; 101 is the final one. */
  informational: HttpMessage[]
  response?: HttpMessage
  state: ExchangeState
  /** `websocket` after a 101 with Upgrade: websocket; `tunnel` after a 2xx to CONNECT; else the Upgrade token. */
  upgrade?: string
}

/** A WebSocket frame's opcode, named. */
export type WsOpcode = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong' | 'reserved'

/** A message: a data frame and its continuations joined, or one control frame. */
export interface WsMessage {
  /** Its position on the connection (both directions in the order they were sent), from 0. */
  index: number
  dir: Direction
  opcode: Exclude<WsOpcode, 'continuation'>
  /** Frames it was sent in. */
  frames: number
  /** The frames' bytes on the wire, headers included: first frame's start to last frame's end. */
  range: ByteRange
  /** Payload bytes as they are after unmasking and, when compressed, inflating (so far, while it arrives). */
  size: number
  /** Sent with permessage-deflate (RSV1 on its first frame). */
  compressed: boolean
  masked: boolean
  /** A close frame's code and reason. */
  closeCode?: number
  closeReason?: string
  /** The first bytes of the payload (unmasked, inflated), at most WS_PREVIEW_BYTES, for lists. */
  preview: Uint8Array
  complete: boolean
  startedAt: number
  endedAt?: number
}

export const WS_PREVIEW_BYTES = 256

/** What a connection's decoding found, in short: for the connection list's protocol and Info columns. */
export interface ProtocolSummary {
  protocol: Protocol
  /** HTTP: exchanges decoded so far, and the first one's request and response in short. */
  exchanges?: number
  first?: {
    method?: string
    target?: string
    status?: number
    contentType?: string
    /** The response's content size so far. */
    size?: number
  }
  /** WebSocket: messages decoded so far. */
  messages?: number
  /** A problem stopped decoding somewhere. */
  problem?: boolean
  /** TLS: what the client's ClientHello asked for (its SNI, the ALPN protocols it offered). */
  hello?: TlsHello
}

/** A slice of one connection's HTTP exchanges. */
export interface ExchangePage {
  protocol: Protocol
  from: number
  /** Exchanges decoded so far. */
  total: number
  exchanges: HttpExchange[]
  problems: DecodeProblem[]
}

/** A slice of one connection's WebSocket messages (after its upgrade). */
export interface WsMessagePage {
  from: number
  total: number
  messages: WsMessage[]
  problems: DecodeProblem[]
}

/** A piece of a message body as content: chunk framing removed and, when asked, its content coding undone. */
export interface BodyPiece {
  bytes: Uint8Array
  /** Where `bytes` starts in the body's content. */
  offset: number
  /** The body's content length when known (all decoded so far, or Content-Length); absent while still unknown. */
  total?: number
  /** True when `bytes` reaches the end of the body. */
  end: boolean
  /** The content codings undone, outermost last as in Content-Encoding (`gzip`, `br`, ...). */
  decoded: string[]
  /** A coding that could not be undone: what came before the problem is in `bytes`. */
  problem?: { message: string; offset: number }
  /** Decoding stopped short (the body limit, or an absurd ratio): the content ends at `cut.kept` here. */
  cut?: BodyCut
  /** What a person should read about the cut, the same sentence in every front end (bodyCutNote). */
  note?: string
  /** How the decoded content reads (JSON, XML, text, image, form, binary) and its charset. */
  type?: BodyType
  /** The pretty JSON or XML view applies (the body is whole and small enough); absent while that is not known yet. */
  pretty?: boolean
}

/** One row of the exchange list across a whole capture (HTTP Toolkit's and devtools' list). */
export interface ExchangeRow {
  connId: number
  /** The exchange's index on its connection. */
  index: number
  method?: string
  /** `https` when its connection's TLS was terminated (absent: plain `http`). */
  scheme?: 'https'
  /** The Host header, or the target's authority. */
  host?: string
  /** The request target's path and query. */
  path?: string
  status?: number
  contentType?: string
  /** Body content sizes (bytes). */
  requestSize: number
  responseSize: number
  startedAt: number
  /** Ms from the request's first byte to the response's last; absent until complete. */
  duration?: number
  state: ExchangeState
  upgrade?: string
}

export interface ExchangeListPage {
  /** Exchanges that pass the filter (so far, while `scan` says decoding goes on). */
  total: number
  /** Exchanges in the capture decoded so far. */
  of: number
  offset: number
  rows: ExchangeRow[]
  /** Present while the engine is still decoding connections: how many of how many are done. Ask again. */
  scan?: { done: number; of: number }
  /** Where the engine decodes: its decode worker, or its own thread (a build without the worker, or run from source). */
  decoder?: 'worker' | 'in-thread'
}

/**
 * The filter words about an HTTP exchange (`method:GET`, `status:4xx`, ...), in the exchange
 * list's filter and in the connection list's, where decoding answers them.
 */
export const EXCHANGE_WORDS = ['method', 'host', 'path', 'status', 'type'] as const

export const EXCHANGE_SORT_KEYS = ['start', 'method', 'host', 'path', 'status', 'type', 'size', 'duration', 'conn'] as const
export type ExchangeSortKey = (typeof EXCHANGE_SORT_KEYS)[number]

/** Export formats of capture.export and `tcpscope export`. */
export const EXPORT_FORMATS = ['har', 'pcapng', 'curl'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** What capture.export made: written to `path`, or kept for the front end to read as a download. */
export interface ExportResult {
  /** Set when written to a path on the engine's host. */
  path?: string
  /** Set when kept as a download (read with capture.download.read, then capture.download.end). */
  download?: string
  /** A file name to offer (`capture.har`). */
  name: string
  size: number
  /** For curl: the command itself, to put on the clipboard. */
  text?: string
}
