// Fault injection ("toxics"), as front ends and the Toxiproxy-compatible API see it. The
// names and attributes are Toxiproxy's, so its users feel at home: a toxic has a type, a
// stream (upstream: client -> target; downstream: target -> client), a toxicity (the
// chance it applies to a connection) and its type's attributes.

import { bool, num, numberMap, obj, oneOf, optional, str, type Infer } from './schema'

export const TOXIC_TYPES = ['latency', 'bandwidth', 'slicer', 'slow_close', 'timeout', 'reset_peer', 'limit_data', 'corrupt', 'down'] as const
export type ToxicType = (typeof TOXIC_TYPES)[number]

/** Toxiproxy's words: upstream is what the client sends, downstream what the target sends. `both` is tcpscope's. */
export const TOXIC_STREAMS = ['upstream', 'downstream', 'both'] as const
export type ToxicStream = (typeof TOXIC_STREAMS)[number]

/**
 * Each type's attributes (numbers), with Toxiproxy's names and units:
 * - latency: latency (ms), jitter (ms);
 * - bandwidth: rate (KB/s);
 * - slicer: average_size (bytes), size_variation (bytes), delay (µs after each piece, as Toxiproxy);
 * - slow_close: delay (ms);
 * - timeout: timeout (ms after the last chunk it dropped; 0 drops the data and closes only when removed);
 * - reset_peer: timeout (ms from the first chunk, which is dropped, to the reset);
 * - limit_data: bytes;
 * - corrupt: probability (of a bit flip per byte, 0-1): not TCP-faithful, a real link's checksum would catch it;
 * - down: none (the proxy refuses new connections while it is on).
 */
export const TOXIC_ATTRIBUTES: Record<ToxicType, readonly string[]> = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slicer: ['average_size', 'size_variation', 'delay'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  limit_data: ['bytes'],
  corrupt: ['probability'],
  down: []
}

export const toxicSpec = obj({
  /** Unique per proxy; default `<type>_<stream>` as Toxiproxy names them. */
  name: optional(str({ nonEmpty: true, max: 128 })),
  type: oneOf(TOXIC_TYPES),
  stream: optional(oneOf(TOXIC_STREAMS)),
  /** 0-1, default 1: the chance each new connection is affected. */
  toxicity: optional(num({ min: 0, max: 1 })),
  attributes: optional(numberMap({ min: 0 })),
  /** Default true; a paused toxic stays listed and does nothing. */
  enabled: optional(bool()),
  /**
   * Only what these words pick: the list's filter words pick connections (`client:10.0.0.5`,
   * `port:6379`, `sni:api`, `conn:12`), `text:` words the chunks it acts on (`text:PING`,
   * `-text:PING`). Words that need decoding (proto:, method: ...) are refused. Empty: everything.
   */
  match: optional(str({ max: 1024 }))
})
export type ToxicSpec = Infer<typeof toxicSpec>

/** A toxic as it is now on a proxy. */
export interface Toxic {
  name: string
  type: ToxicType
  stream: ToxicStream
  toxicity: number
  attributes: Record<string, number>
  enabled: boolean
  match?: string
  /** Connections it applied to so far. */
  affected: number
}

const proxyId = str({ nonEmpty: true, max: 64 })
const toxicName = str({ nonEmpty: true, max: 128 })
/** The spec that makes `toxic` again (a moved proxy, a saved setup): what it is, not what it did. */
export const toxicSpecOf = ({ name, type, stream, toxicity, attributes, enabled, match }: Toxic): ToxicSpec => ({
  name,
  type,
  stream,
  toxicity,
  attributes,
  enabled,
  ...(match !== undefined ? { match } : {})
})

export const toxicListArgs = obj({ proxyId })
export const toxicAddArgs = obj({ proxyId, toxic: toxicSpec })
/** Changes the fields given; the rest stay. Applies to the open connections too. */
export const toxicUpdateArgs = obj({
  proxyId,
  name: toxicName,
  toxicity: optional(num({ min: 0, max: 1 })),
  attributes: optional(numberMap({ min: 0 })),
  enabled: optional(bool()),
  stream: optional(oneOf(TOXIC_STREAMS)),
  match: optional(str({ max: 1024 }))
})
export const toxicRemoveArgs = obj({ proxyId, name: toxicName })

/**
 * What a toxic did to a connection, for a front end to say in its own language with the
 * record's numbers (the record's `message` is the English of it):
 * - `delayed` (latency: `ms`), `sliced` (slicer: `count` pieces), `throttled` (bandwidth:
 *   `rate` KB/s; `unthrottled` for rate 0), `limited` (limit_data: `bytes`, then closed),
 *   `fin-delayed` (slow_close: `ms`), `corrupted` (`count` bits in `bytes`);
 * - timeout: `dropping` (what came while it is in force), `stopped` (`ms` without data before
 *   the close, 0: until the toxic is removed), `closed` (after `ms`; without `ms` when the
 *   sender ended or the toxic was removed);
 * - `reset` (reset_peer), `refused` (down: a new connection reset at accept).
 */
export const FAULT_EFFECTS = ['delayed', 'sliced', 'throttled', 'unthrottled', 'limited', 'fin-delayed', 'corrupted', 'dropping', 'stopped', 'closed', 'reset', 'refused'] as const
export type FaultEffect = (typeof FAULT_EFFECTS)[number]

/**
 * The `fault` record's payload: which toxic did what, in the words the conversation view,
 * the timeline and `export --format jsonl` show beside the bytes it changed.
 */
export interface FaultEventInfo {
  toxic: string
  type: ToxicType
  /** `delayed 300 ms`, `sliced into 12 pieces`, `limited at 1000 B, closed`, `reset by toxic reset_peer`. */
  message: string
  /** What it did (absent in captures written before it was recorded: then only `message` says). */
  effect?: FaultEffect
  /** delayed, fin-delayed, stopped, closed: milliseconds. */
  ms?: number
  /** sliced: pieces; corrupted: bits flipped. */
  count?: number
  /** throttled: KB/s. */
  rate?: number
  /** limited: bytes passed; corrupted: bytes of the chunk. */
  bytes?: number
}
