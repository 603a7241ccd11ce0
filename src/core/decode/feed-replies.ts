// The decode worker's answer to one message of feeds, as it crosses back: every feed's
// numbers in one Float64Array, its exchanges in one batch of columns (exchange-batch.ts),
// all moved (transfer list); objects cross only for the rare feed that found WebSocket
// messages, problems, a TLS hello or what a raw connection carries. A file of 100,000
// one-exchange connections is 100,000 feeds: an object each (its want, its summary) was
// most of what the worker cloned.

import { PROTOCOLS, type DecodeProblem, type Protocol, type ProtocolSummary, type WsMessage } from '../../shared/protocol-types'
import type { TlsHello } from '../../shared/tls-types'
import { ExchangeBatch, type ExchangeBatchWriter, type PackedExchanges } from './exchange-batch'
import type { FeedReply, FeedResult } from './decoder-set'

const PROTOCOL_CODE = new Map<Protocol, number>(PROTOCOLS.map((p, i) => [p, i]))

// Per feed: its request's id, its rows from and to, want client and server, protocol, problem.
const F_ID = 0
const F_FROM = 1
const F_TO = 2
const F_WANT_CLIENT = 3
const F_WANT_SERVER = 4
const F_PROTOCOL = 5
const F_PROBLEM = 6
const FIELDS = 7

/** What only some feeds have, by the feed's place in the message. */
interface Extra {
  at: number
  messages?: WsMessage[]
  problems?: DecodeProblem[]
  hello?: TlsHello
  carries?: string
}

export interface PackedReplies {
  feeds: Float64Array
  extras: Extra[]
  exchanges: PackedExchanges
}

/** Feeds' replies (with their requests' ids) and the batch they wrote to, as one message; what moves goes to `transfer`. */
export function packReplies(replies: { id: number; reply: FeedReply }[], batch: ExchangeBatchWriter, transfer: ArrayBuffer[]): PackedReplies {
  const feeds = new Float64Array(replies.length * FIELDS)
  const extras: Extra[] = []
  replies.forEach(({ id, reply: r }, k) => {
    const f = k * FIELDS
    feeds[f + F_ID] = id
    feeds[f + F_FROM] = r.from
    feeds[f + F_TO] = r.to
    feeds[f + F_WANT_CLIENT] = r.want.client
    feeds[f + F_WANT_SERVER] = r.want.server
    feeds[f + F_PROTOCOL] = PROTOCOL_CODE.get(r.summary.protocol) ?? PROTOCOL_CODE.get('unknown')!
    feeds[f + F_PROBLEM] = r.summary.problem === true ? 1 : 0
    const { hello, carries } = r.summary
    if (r.messages.length > 0 || r.problems.length > 0 || hello !== undefined || carries !== undefined) {
      const extra: Extra = { at: k }
      if (r.messages.length > 0) extra.messages = r.messages
      if (r.problems.length > 0) extra.problems = r.problems
      if (hello !== undefined) extra.hello = hello
      if (carries !== undefined) extra.carries = carries
      extras.push(extra)
    }
  })
  transfer.push(feeds.buffer as ArrayBuffer)
  return { feeds, extras, exchanges: batch.pack(transfer) }
}

const NONE: never[] = []

/** A feed's reply as the engine reads it, its exchanges rows of `batch`. */
export function resultOf(r: FeedReply, batch: ExchangeBatch): FeedResult {
  return { exchanges: { batch, from: r.from, to: r.to }, messages: r.messages, problems: r.problems, want: r.want, summary: r.summary }
}

/** The message's replies, each with its request's id. */
export function unpackReplies(p: PackedReplies): { id: number; result: FeedResult }[] {
  const batch = new ExchangeBatch(p.exchanges)
  const out: { id: number; result: FeedResult }[] = []
  let e = 0
  for (let k = 0; k * FIELDS < p.feeds.length; k++) {
    const f = k * FIELDS
    const extra = p.extras[e]?.at === k ? p.extras[e++] : undefined
    const summary: ProtocolSummary = { protocol: PROTOCOLS[p.feeds[f + F_PROTOCOL]] ?? 'unknown' }
    if (p.feeds[f + F_PROBLEM] === 1) summary.problem = true
    if (extra?.hello !== undefined) summary.hello = extra.hello
    if (extra?.carries !== undefined) summary.carries = extra.carries
    out.push({
      id: p.feeds[f + F_ID],
      result: {
        exchanges: { batch, from: p.feeds[f + F_FROM], to: p.feeds[f + F_TO] },
        messages: extra?.messages ?? NONE,
        problems: extra?.problems ?? NONE,
        want: { client: p.feeds[f + F_WANT_CLIENT], server: p.feeds[f + F_WANT_SERVER] },
        summary
      }
    })
  }
  return out
}
