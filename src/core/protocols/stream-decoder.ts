// What every protocol decoder is to the engine: fed one connection's bytes in capture order
// (both directions interleaved, as the records say), it finds exchanges or messages and
// the byte ranges they came from. Decoders work over Uint8Array only: no Node, no I/O, no
// throw (bad input becomes a DecodeProblem at its offset), and bounded memory (what they
// buffer is capped; what they found is handed over with takeSettled and forgotten).

import type { Direction } from '../../shared/capture-types'
import type { AnsweredBy, DecodeProblem, HttpExchange, Protocol, ProtocolSummary, WsMessage } from '../../shared/protocol-types'
import type { RawFrame } from './http2/raw-frame'
import type { Renumbering } from './http2/renumbered-streams'

/** Raw DEFLATE inflation with a preset dictionary (the previous output: permessage-deflate's context takeover), injected so decoders stay free of Node. */
export type InflateRaw = (data: Uint8Array, dictionary: Uint8Array | undefined, maxOutput: number) => { output: Uint8Array; error?: string }

/**
 * A rule or the script that ended a request here gave the client an answer in the target's
 * place (a mock, a forward's answer, the script's answer or its 502): the exchange is whole
 * without the target's response. A close, reset or drop left the client none.
 */
export function answersClient(by: Pick<AnsweredBy, 'action' | 'message'>): boolean {
  return by.action === 'respond' || by.action === 'forward' || (by.action === 'script' && /^the script (answered|failed)\b/.test(by.message))
}

/** wantFrom's answer for a direction a decoder reads no more of. */
export const NOTHING_MORE = Number.MAX_SAFE_INTEGER

export interface DecoderOptions {
  /** Where each direction's decoding starts (default 0): re-decoding one exchange starts at its request and response. */
  start?: Partial<Record<Direction, number>>
  /**
   * Decode as this protocol from the start instead of recognising it (re-decoding a known
   * connection). 'websocket' decodes as 'http1' (a WebSocket begins as HTTP and switches at
   * its 101); 'tls', 'http2' and 'raw' decode nothing. Exchange indexes start at 0 whatever `start` is.
   */
  protocol?: Protocol
  /** permessage-deflate needs it; without it compressed messages are reported, not inflated. */
  inflateRaw?: InflateRaw
  /** The target's port: a raw connection on a protocol's well-known port (6379, 502, 53) carries its messages unless its bytes say otherwise. */
  port?: number
  /** HTTP/2: every frame as it is read (the Frames view lists them). */
  onH2Frame?: (f: RawFrame) => void
  /**
   * HTTP/1: keep only these headers of each head (lower-case names), and those decoding
   * reads itself. Whoever reads only an exchange's short form passes what it reads (one
   * array for all connections).
   */
  onlyHeaders?: readonly string[]
}

export interface ConnectionDecoder {
  readonly protocol: Protocol
  /**
   * Bytes of `dir` starting at stream offset `offset`, sent at wall-clock `time` (ms). Offsets
   * must not go back; bytes before wantFrom(dir) may be left out (a gap up to it is skipped).
   */
  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void
  /** `dir` will send nothing more (its FIN, a reset, the close): a body delimited by close ends; what is unfinished is incomplete. */
  end(dir: Direction, time: number): void
  /**
   * The capture did not keep what `dir` sent from here (a gap record): nothing more of `dir`
   * is read, and what is unfinished is incomplete, even a body delimited by close (unlike end).
   */
  gap(dir: Direction, time: number): void
  /**
   * The first stream offset of `dir` the decoder still needs: the bytes of a Content-Length
   * body (or a frame payload) it does not look at may be skipped. NOTHING_MORE when it reads
   * no more of `dir` (not HTTP, a problem stopped it, a tunnel).
   */
  wantFrom(dir: Direction): number
  /**
   * A traffic rule or the script answered the client's request starting at stream offset
   * `offset` (its `rule` record, which follows the request's bytes): the target never got it.
   * HTTP/1 gives it no response, and the target's next response goes to the next request.
   */
  answered(offset: number, by: AnsweredBy): void
  /** HTTP/2: the target got the client's streams under ids of its own (a `renumber` record, before the target's frames it tells of). */
  renumbered(told: Renumbering): void
  /**
   * Exchanges and messages that changed since the last call, in order of index: an entry
   * may come again, updated, until it is final (an exchange no longer `pending`, a message
   * `complete`), after which the decoder forgets it: callers upsert by index.
   */
  takeChanges(): DecoderChanges
  /**
   * takeChanges for a caller that copies out what it keeps as it takes it (the decode
   * batch's writer): the exchanges go to `sink` as they are, uncopied, in no set order.
   */
  takeChangesInto(sink: ExchangeSink): Omit<DecoderChanges, 'exchanges'>
  /**
   * While `sink` is set, an exchange that is final and that nothing more can reach
   * goes to it at once, uncopied, and is forgotten, rather than held until the next take:
   * the exchanges of a file-sized feed (hundreds) then die young instead of surviving the
   * young generation's collections (docs/performance.md, issue 46).
   */
  streamFinal(sink: ExchangeSink | undefined): void
  summary(): ProtocolSummary
}

/** Takes an exchange as it stands, keeping nothing of the object (ExchangeBatchWriter copies its columns out). */
export interface ExchangeSink {
  add(ex: HttpExchange): unknown
}

export interface DecoderChanges {
  exchanges: HttpExchange[]
  messages: WsMessage[]
  problems: DecodeProblem[]
}
