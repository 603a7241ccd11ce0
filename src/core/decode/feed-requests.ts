// The engine's feeds as they cross to a decode worker, many to a message: every feed's
// numbers and ops (feed-ops.ts) in two Float64Arrays, the bytes of small feeds in one
// buffer, a large feed's bytes moved as they are, options only for the feeds that have them.
// Sent as an object each (two typed arrays, each moved), a file of 100,000 one-exchange
// connections spent about 0.26 s of the engine's thread in postMessage (feed-replies.ts is
// the way back).

import type { FeedOptions } from './decoder-set'
import { FeedOps, OP_FIELDS } from './feed-ops'

// Per request: its id, its decoder's key, flags, its ops' rows in `ops` (from, to), where its
// bytes are (in `small`, or their index in `big`) and how many.
const R_ID = 0
const R_KEY = 1
const R_FLAGS = 2
const R_OPS_FROM = 3
const R_OPS_TO = 4
const R_BYTES_AT = 5
const R_BYTES_LEN = 6
const FIELDS = 7
const DROP = 1
const LAST = 2
const OPTS = 4
const OWN = 8

/**
 * Feeds of at most this many bytes go in the message's one buffer (and are copied out of it
 * by the worker); larger ones cross as their own buffer, moved: copying them would cost more
 * than the message saves.
 */
export const SMALL_FEED = 4096

/**
 * A feed (or, with drop, a decoder's end), as the host queues it and the worker takes it.
 * Made by feedRequest and dropRequest only, every field set in one order: requests of
 * several shapes (a last one, one with options) threw away the code packing and unpacking
 * them on each side when the first of another shape came, near a file's end.
 */
export interface FeedRequest {
  id: number
  key: number
  drop: boolean
  ops: FeedOps | undefined
  bytes: Uint8Array | undefined
  opts: FeedOptions | undefined
  /** The connection's last records: the decoder goes with the answer. */
  last: boolean
}

export function feedRequest(id: number, key: number, ops: FeedOps, bytes: Uint8Array, opts: FeedOptions | undefined, last: boolean): FeedRequest {
  return { id, key, drop: false, ops, bytes, opts, last }
}

/** The end of key's decoder, queued behind its feeds. */
export function dropRequest(key: number, id = 0): FeedRequest {
  return { id, key, drop: true, ops: undefined, bytes: undefined, opts: undefined, last: false }
}

/**
 * Asks the decode worker to end by itself, between two messages: terminate() could end it
 * inside node:zlib's constructor (a body or a WebSocket message being inflated), leaving a
 * handle whose clean-up aborts the whole process (Node's "close before init" assertion).
 */
export const END_WORKER = 'end'

export interface PackedRequests {
  head: Float64Array
  ops: Float64Array
  small: Uint8Array
  big: Uint8Array[]
  opts: FeedOptions[]
}

/** `requests` as one message; what it moves goes to `transfer`. */
export function packRequests(requests: readonly FeedRequest[], transfer: ArrayBuffer[]): PackedRequests {
  let opRows = 0
  let smallBytes = 0
  for (const r of requests) {
    opRows += r.ops?.length ?? 0
    const n = r.bytes?.byteLength ?? 0
    if (n <= SMALL_FEED) smallBytes += n
  }
  const head = new Float64Array(requests.length * FIELDS)
  const ops = new Float64Array(opRows * OP_FIELDS)
  const small = new Uint8Array(smallBytes)
  const big: Uint8Array[] = []
  const opts: FeedOptions[] = []
  let op = 0
  let at = 0
  for (let k = 0; k < requests.length; k++) {
    const r = requests[k]
    const h = k * FIELDS
    let flags = (r.drop ? DROP : 0) | (r.last ? LAST : 0)
    if (r.opts !== undefined) {
      flags |= OPTS
      opts.push(r.opts)
    }
    head[h + R_ID] = r.id
    head[h + R_KEY] = r.key
    head[h + R_OPS_FROM] = op
    if (r.ops !== undefined) {
      ops.set(r.ops.numbers(), op * OP_FIELDS)
      op += r.ops.length
    }
    head[h + R_OPS_TO] = op
    const bytes = r.bytes
    const n = bytes?.byteLength ?? 0
    if (bytes !== undefined && n > SMALL_FEED) {
      flags |= OWN
      head[h + R_BYTES_AT] = big.length
      big.push(bytes)
      // A batch's bytes are a buffer of their own (decode-feed.ts): moved, not copied.
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) transfer.push(bytes.buffer as ArrayBuffer)
    } else {
      if (bytes !== undefined && n > 0) small.set(bytes, at)
      head[h + R_BYTES_AT] = at
      at += n
    }
    head[h + R_BYTES_LEN] = n
    head[h + R_FLAGS] = flags
  }
  transfer.push(head.buffer as ArrayBuffer, ops.buffer as ArrayBuffer, small.buffer as ArrayBuffer)
  return { head, ops, small, big, opts }
}

/** The message's requests, in order. */
export function unpackRequests(p: PackedRequests): FeedRequest[] {
  const out: FeedRequest[] = []
  let o = 0
  for (let h = 0; h < p.head.length; h += FIELDS) {
    const flags = p.head[h + R_FLAGS]
    const opts = flags & OPTS ? p.opts[o++] : undefined
    if (flags & DROP) {
      out.push(dropRequest(p.head[h + R_KEY], p.head[h + R_ID]))
      continue
    }
    // Read in place: the message's ops outlive no feed (a decoder keeps no op).
    const ops = FeedOps.over(p.ops.subarray(p.head[h + R_OPS_FROM] * OP_FIELDS, p.head[h + R_OPS_TO] * OP_FIELDS))
    const at = p.head[h + R_BYTES_AT]
    // A small feed's bytes are copied out: a decoder may keep a view of what it was fed,
    // and a view into the message's one buffer would keep all of it alive.
    const bytes = flags & OWN ? p.big[at] : p.small.slice(at, at + p.head[h + R_BYTES_LEN])
    out.push(feedRequest(p.head[h + R_ID], p.head[h + R_KEY], ops, bytes, opts, (flags & LAST) !== 0))
  }
  return out
}
