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

/**
 * How a message's body is delimited on the wire (RFC 9112 section 6), or `h2`: carried in
 * HTTP/2 DATA frames, whose payloads (padding left out) are its `chunks`.
 */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close' | 'h2'

export interface HttpBody {
  framing: BodyFraming
  /** The body's bytes on the wire, chunk framing included; length grows while it arrives. */
  range: ByteRange
  /** Bytes of content (chunk data summed; Content-Length otherwise) seen so far. */
  size: number
  /**
   * A chunked body: each chunk's data (at most MAX_CHUNK_RANGES listed; `chunksOmitted` counts
   * the rest). An HTTP/2 body: each DATA frame's payload, padding left out (at most
   * MAX_H2_DATA_RANGES listed; `chunksOmitted` counts the rest). Either way the content of
   * those not listed is read again from the wire when the body is read (body-content.ts):
   * a body is whole whatever its number of chunks or frames.
   */
  chunks?: ByteRange[]
  /** An HTTP/2 body: the wall-clock ms of each DATA frame in `chunks`, so a message inside it (gRPC) has its own time. */
  chunkTimes?: number[]
  chunksOmitted?: number
  /**
   * An HTTP/2 body with DATA frames past those listed: where the first of them starts, and its
   * stream's id as that side sent it (the target's own where traffic rules renumbered the
   * client's streams), to read them again from there. Unlike a chunked body's, its frames
   * interleave with other streams': the last listed chunk does not tell where the next starts.
   */
  unlisted?: { offset: number; stream: number }
  /** A chunked body's trailer fields; an HTTP/2 message's trailing HEADERS (gRPC's grpc-status). */
  trailers?: HttpHeader[]
  /** Every byte of it arrived (for `close`: the sender's FIN came). */
  complete: boolean
}

/** Chunk ranges a body keeps, so a body of a million tiny chunks stays small in memory. */
export const MAX_CHUNK_RANGES = 4096
/**
 * DATA frame ranges an HTTP/2 body lists, as a chunked body's chunks: a listed frame costs
 * 66 bytes of heap (its ByteRange and its time: the decoder on Node 22, 200 bodies of 4096
 * frames), so a body lists at most some 260 KiB however its peer frames it (a million 1-byte
 * DATA frames are 10 MB on the wire), and each listed range crosses to a front end in
 * http.exchanges (50 bytes of JSON). The frames past them are read again from the wire
 * when the body is read (HttpBody.unlisted), so the body is whole: cutting the body there
 * cut ordinary downloads (nginx's 8 KiB frames at 32 MiB).
 */
export const MAX_H2_DATA_RANGES = 4096

export interface HttpMessage {
  dir: Direction
  /**
   * The start line as sent (Latin-1), without its CRLF. HTTP/2 has none: it reads
   * `GET /path HTTP/2` or `HTTP/2 200`, made from the pseudo-headers.
   */
  startLine: string
  /** HTTP/2: the header block's frames (HEADERS and its CONTINUATIONs, or a PUSH_PROMISE), as headRange. */
  startRange: ByteRange
  /** `HTTP/1.1`, as sent; `HTTP/2` for HTTP/2. */
  version: string
  /** A request's method and target. */
  method?: string
  target?: string
  /** A response's status code and reason phrase. */
  status?: number
  reason?: string
  /**
   * In the order sent, duplicates kept. HTTP/2: decoded from HPACK, the pseudo-headers
   * (`:method`, `:scheme`, `:authority`, `:path`, `:status`) kept where they were sent (first);
   * each header's range is its field representation's bytes in the block, or the frame
   * holding it when a representation spans frames or refers to the table only.
   */
  headers: HttpHeader[]
  /** The start line through the empty line that ends the head; HTTP/2: the header block's frames. */
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

/** HTTP/2's error codes (RFC 9113 section 7), named; an unknown code reads as its number. */
export const H2_ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED'
] as const

export const h2ErrorName = (code: number): string => H2_ERROR_NAMES[code] ?? `0x${code.toString(16)}`

/** What ended an HTTP/2 exchange before it was whole: a RST_STREAM on its stream, or a GOAWAY that left it unprocessed. */
export interface H2StreamEnd {
  kind: 'rst_stream' | 'goaway'
  /** Who sent it. */
  by: Direction
  code: number
  /** `CANCEL`, `REFUSED_STREAM`, ... (h2ErrorName). */
  name: string
  /** The frame's bytes. */
  range: ByteRange
  time: number
}

export interface HttpExchange {
  /** Its position on the connection, from 0: HTTP/2 exchanges are numbered in the order their requests began. */
  index: number
  /** HTTP/2: its stream id (absent for HTTP/1.x). */
  stream?: number
  /** HTTP/2: a pushed exchange (PUSH_PROMISE), promised on this stream; its request is the promise, sent by the server. */
  pushedOn?: number
  /** HTTP/2: the RST_STREAM or GOAWAY that ended it. */
  ended?: H2StreamEnd
  request?: HttpMessage
  /** 1xx responses (100 Continue, 103 Early Hints) before the final one; 101 is the final one. */
  informational: HttpMessage[]
  response?: HttpMessage
  state: ExchangeState
  /** `websocket` after a 101 with Upgrade: websocket; `tunnel` after a 2xx to CONNECT; else the Upgrade token. */
  upgrade?: string
  /**
   * A traffic rule or the script answered the request itself (or forwarded, closed, reset or
   * dropped it), on HTTP/1 and HTTP/2 alike: the target never got it, and the exchange has no
   * response from it (`response` stays the target's, so absent). What the client got instead
   * is in the connection's `rule` record (capture-format.md): `got` in short, and the whole
   * answer from http.delivered (`response`), or http.changes (`answered`).
   */
  answeredBy?: AnsweredBy
}

/** The rule (its id, or `script`) that answered a request, its label, and what it did (RuleEventInfo's action). */
export interface AnsweredBy {
  rule: string
  label: string
  action: string
  /** What the rule record says it did, in one English line. */
  message: string
  /** An answer the record kept (a mock's, the script's; HTTP/1 or HTTP/2): what the client got in the target's place. */
  got?: AnswerGot
}

/** The response a rule or the script answered with, in short, read from its `rule` record (core/decode/answer-got.ts). */
export interface AnswerGot {
  status: number
  contentType?: string
  /** Its body's content size, as a response's `body.size`; absent when the record does not tell it (a chunked answer). */
  size?: number
  /** When the client was answered (the record's time). */
  at: number
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
  /**
   * A raw connection whose bytes (or port) say which protocol's messages it carries (`resp`,
   * `postgres`, ...: MessageProtocol), or a framing chosen for it ("decode as": `line`, `length`, ...).
   */
  carries?: string
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
  /** HTTP/2: its stream id (absent for HTTP/1.x); with `scheme` it tells h2 from h2c (exchangeProtocol). */
  stream?: number
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
  /** When the filter picks nothing: words it read with a doubt (ConnectionPage.hints). */
  hints?: string[]
}

/**
 * The filter words about an HTTP exchange (`method:GET`, `status:4xx`, ...), in the exchange
 * list's filter and in the connection list's, where decoding answers them.
 */
export const EXCHANGE_WORDS = ['method', 'host', 'path', 'status', 'type'] as const

/** How an exchange went over the wire, as the exchange list, `show` and the exports name it. */
export type ExchangeProtocol = 'http1' | 'h2' | 'h2c' | 'grpc' | 'grpc-web'

/** Whether a content type is gRPC's (`application/grpc`, `+proto`, `+json`) or gRPC-Web's. */
export function grpcKind(contentType: string | undefined): 'grpc' | 'grpc-web' | undefined {
  const t = contentType?.toLowerCase().split(';')[0].trim()
  if (t === undefined) return undefined
  if (t === 'application/grpc' || t.startsWith('application/grpc+')) return 'grpc'
  if (t.startsWith('application/grpc-web')) return 'grpc-web'
  return undefined
}

/** An exchange's protocol from its stream (HTTP/2 or not), its scheme (TLS or not) and its content type (the request's, else the response's). */
export function exchangeProtocol(e: { stream?: number; scheme?: 'https'; contentType?: string }): ExchangeProtocol {
  const grpc = grpcKind(e.contentType)
  if (grpc) return grpc
  if (e.stream === undefined) return 'http1'
  return e.scheme === 'https' ? 'h2' : 'h2c'
}

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

/** HTTP/2's frame types (RFC 9113 section 6), by their type number; others read as their number. */
export const H2_FRAME_TYPES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'] as const

export const h2FrameTypeName = (type: number): string => H2_FRAME_TYPES[type] ?? `0x${type.toString(16)}`

/** One HTTP/2 frame as it was on the wire: the Frames view's row (Wireshark's). */
export interface H2Frame {
  /** Its position among the connection's frames, both directions in capture order, from 0. */
  index: number
  dir: Direction
  time: number
  type: number
  /** h2FrameTypeName(type). */
  typeName: string
  flags: number
  stream: number
  /** The payload's declared length. */
  length: number
  /** The whole frame, its 9-byte header included. */
  range: ByteRange
  /** In short, what it says: `END_STREAM`, `SETTINGS_MAX_CONCURRENT_STREAMS=100`, `CANCEL`, `+65535`, ... */
  info: string
}

/** A slice of one connection's HTTP/2 frames (h2.frames). */
export interface H2FramePage {
  from: number
  /** Frames that pass the stream filter. */
  total: number
  frames: H2Frame[]
  problems: DecodeProblem[]
}
