// The decoders of one host (this thread, or the decode worker), by key: each fed its
// batches and asked what changed. Never throws out: a decoder that fails is reported as a
// problem and dropped, and the connection reads as undecodable past it. What a feed takes
// and gives back is defined here, beneath every host (decoder-host.ts) that carries it.

import type { Direction } from '../../shared/capture-types'
import type { AnsweredBy, DecodeProblem, Protocol, ProtocolSummary, WsMessage } from '../../shared/protocol-types'
import { createConnectionDecoder } from './decoders'
import type { ConnectionDecoder } from '../protocols/stream-decoder'
import { inflateRaw } from '../http/inflate-raw'
import { COLUMN_HEADERS, type ExchangeBatchWriter, type ExchangeRows } from './exchange-batch'
import type { Renumbering } from '../protocols/http2/renumbered-streams'
import type { FeedOps } from './feed-ops'
import { answerGotOf } from './answer-got'

/** The `len` of an op that is the end of `dir` (FIN, reset, close). */
export const END_OP = -1
/** The `len` of an op that is a gap: the capture kept nothing more of `dir` from here on (decode-feed.ts). */
export const GAP_OP = -2

/** Feeds op `k` of `ops` to a decoder (the hosts' and replay's one place to tell them apart). */
export function applyOp(d: Pick<ConnectionDecoder, 'push' | 'end'> & Partial<Pick<ConnectionDecoder, 'gap' | 'answered' | 'renumbered'>>, ops: FeedOps, k: number, bytes: Uint8Array): void {
  const at = ops.at(k)
  const len = ops.len(k)
  if (ops.renumber(k)) {
    const told = renumberingOf(bytes.subarray(at, at + len))
    if (told && d.renumbered) d.renumbered(told)
  } else if (ops.answered(k)) {
    const by = answeredByOf(bytes.subarray(at, at + len))
    if (by && d.answered) d.answered(ops.offset(k), by)
  } else if (len === GAP_OP && d.gap) d.gap(ops.dir(k), ops.time(k))
  else if (len < 0) d.end(ops.dir(k), ops.time(k))
  else d.push(ops.dir(k), bytes.subarray(at, at + len), ops.offset(k), ops.time(k))
}

function renumberingOf(bytes: Uint8Array): Renumbering | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Renumbering
  } catch {
    return undefined
  }
}

function answeredByOf(bytes: Uint8Array): AnsweredBy | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<AnsweredBy>
    if (typeof v.rule !== 'string' || typeof v.label !== 'string' || typeof v.action !== 'string') return undefined
    const by: AnsweredBy = { rule: v.rule, label: v.label, action: v.action, message: String(v.message ?? '') }
    const got = answerGotOf(v.got)
    if (got !== undefined) by.got = got
    return by
  } catch {
    return undefined
  }
}

/** Options that can cross to a worker (the inflater is the host's own). */
export interface FeedOptions {
  start?: Partial<Record<Direction, number>>
  protocol?: Protocol
  /** The target's port (DecoderOptions.port). */
  port?: number
}

/**
 * What a feed found, as a host hands it over: its exchanges, in short, are rows `from`..`to`
 * of the batch the feed wrote them to (exchange-batch.ts; their details are decoded again
 * when asked), and the summary holds what the engine keeps of it (protocol, problem, hello, carries).
 */
export interface FeedReply {
  from: number
  to: number
  messages: WsMessage[]
  problems: DecodeProblem[]
  want: Record<Direction, number>
  summary: ProtocolSummary
}

/** A feed's reply as the engine reads it: its exchanges as rows of a batch read in place. */
export interface FeedResult extends Omit<FeedReply, 'from' | 'to'> {
  exchanges: ExchangeRows
}

export class DecoderSet {
  private readonly decoders = new Map<number, ConnectionDecoder>()

  /**
   * Feeds decoder `key` (made with `opts` on first use); what changed goes to `out`'s rows.
   * `last`: these are the connection's last records, and the decoder goes with the answer.
   */
  feed(key: number, ops: FeedOps, bytes: Uint8Array, opts: FeedOptions | undefined, out: ExchangeBatchWriter, last = false): FeedReply {
    let d = this.decoders.get(key)
    const from = out.size
    try {
      if (!d) {
        d = createConnectionDecoder({ ...opts, inflateRaw, onlyHeaders: COLUMN_HEADERS })
        this.decoders.set(key, d)
      }
      // The writer copies out what it keeps: exchanges go to it as they are, the final ones
      // as soon as they are (stream-decoder.ts), and the feed's rows are put in index order.
      d.streamFinal(out)
      for (let k = 0; k < ops.length; k++) applyOp(d, ops, k, bytes)
      const changes = d.takeChangesInto(out)
      d.streamFinal(undefined)
      out.sortRows(from)
      const reply = { from, to: out.size, messages: changes.messages, problems: changes.problems, want: { client: d.wantFrom('client'), server: d.wantFrom('server') }, summary: d.summary() }
      // Gone now rather than at a drop that follows in a later message: 100,000 one-exchange
      // connections' decoders each outlived a young generation waiting for it.
      if (last) this.decoders.delete(key)
      return reply
    } catch (err) {
      this.decoders.delete(key)
      const dir: Direction = ops.length > 0 ? ops.dir(0) : 'client'
      const problem: DecodeProblem = { dir, offset: ops.length > 0 ? ops.offset(0) : 0, message: `decoding failed: ${(err as Error).message}` }
      const never = Number.MAX_SAFE_INTEGER
      // Rows a failed feed wrote before its throw stay in the batch, unreferenced.
      return { from: out.size, to: out.size, messages: [], problems: [problem], want: { client: never, server: never }, summary: { protocol: d?.protocol ?? 'raw', problem: true } }
    }
  }

  drop(key: number): void {
    this.decoders.delete(key)
  }

  clear(): void {
    this.decoders.clear()
  }
}
