// One direction as its receiver got it (conn.delivered, conn.delivered.read): the sent
// stream with what each `rule` record says the receiver got instead of a message. The
// records pair with messages as the exports pair them (export/delivered.ts): by direction
// and the offset where the message starts. For each message the rules acted on:
//
// - a rule or the script ended it (drop, timeout, close, reset, a client's message answered):
//   the receiver got none of it, and it is gone from the delivered stream. An answer to a
//   client's message (a mock) went to the client: it is put in the server's delivered
//   stream where that stream stood when the record was written (the server bytes recorded
//   before it). A server session's answer is its own server bytes, recorded as it sent
//   them, and the client's message reached it: nothing to change. An HTTP/1 forward's
//   answer came on tcpscope's own connection to where it went: the server's stream marks
//   the place, unknown here.
// - else the last record that kept what it delivered (a rewrite, a server message replaced
//   by an answer, the script's change) replaces the message's bytes with those;
// - a record that kept only the SHA-256 (over MAX_RECORDED_EDIT) leaves the sent bytes, marked unknown;
// - delay, error and forward's "not matched" records change nothing.
//
// HTTP/2 is not done: a stream's frames interleave with other streams', so a message is not
// one span of the connection's bytes (the HTTP tab shows its exchanges as delivered).
// Spans that overlap one before them, or reach past what was recorded, are left out.

import type { ConnectionKind, Direction } from '../../shared/capture-types'
import { MAX_DELIVERED_RECORDS, type DeliveredSpan, type DeliveredStreamMap } from '../../shared/delivered-stream-types'
import { UserError } from '../../shared/errors'
import { answeredClient, endedHere, SCRIPT_ENDED, type RuleEventInfo } from '../../shared/rules/rule-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { whoActed } from '../export/delivered'
import { actBytes, connActs, type ConnActs, type StreamAct } from './delivered-acts'

type Effect = 'none' | 'replace' | 'remove' | 'answer' | 'elsewhere'

/** Server messages a rule stopped: the client got none of them. */
const STOPPED: ReadonlySet<RuleEventInfo['action']> = new Set(['drop', 'timeout', 'close', 'reset'])

function effectOf(a: StreamAct, kind: ConnectionKind): Effect {
  const { info } = a
  const has = info.deliveredSize !== undefined
  if (a.dir === 'client') {
    if (endedHere(info, false)) {
      if (info.action === 'forward') return 'elsewhere'
      if (!has) return 'remove'
      // A server session's answer is in its server stream as it sent it, and the client's
      // message reached it: as delivered is as sent.
      return answeredClient(info, a.dir, kind) ? 'answer' : 'none'
    }
    return has ? 'replace' : 'none'
  }
  if (has) return 'replace'
  return STOPPED.has(info.action) || (info.action === 'script' && SCRIPT_ENDED.test(info.message)) ? 'remove' : 'none'
}

/** A span with what fills it in the delivered stream: the sent bytes, or a record's. */
interface Placed {
  span: DeliveredSpan
  /** The record whose bytes fill it; none: the sent bytes (or nothing, for size 0). */
  from?: StreamAct
  /** Insertions go before a message that starts at their place. */
  inserted: boolean
}

function spanOf(a: StreamAct, sent: { offset: number; size: number }, size: number, extra: Partial<DeliveredSpan> = {}): DeliveredSpan {
  return { at: 0, size, sentOffset: sent.offset, sentSize: sent.size, action: a.info.action, rule: a.info.rule, label: a.info.label, note: whoActed(a.info as RuleEventInfo, a.by), ...(a.by !== undefined ? { by: a.by } : {}), ...extra }
}

/** The spans of `dir`, in sent order (not placed yet). */
function spansOf(acts: StreamAct[], dir: Direction, kind: ConnectionKind): Placed[] {
  const groups = new Map<string, StreamAct[]>()
  for (const a of acts) {
    const key = `${a.dir}:${a.offset}`
    const g = groups.get(key)
    if (g) g.push(a)
    else groups.set(key, [a])
  }
  const out: Placed[] = []
  for (const g of groups.values()) {
    const fate = messageFate(g, kind)
    const first = g[0]
    const sent = { offset: first.offset, size: first.info.size ?? 0 }
    if (fate.ended !== undefined) {
      const { by: ending, effect } = fate.ended
      if (first.dir === dir) out.push({ span: spanOf(ending, sent, 0), inserted: false })
      else if (effect !== 'remove') {
        // The answer went the other way, where that stream stood when the record was written.
        const place = { offset: ending.ends[dir], size: 0 }
        const kept = ending.info.deliveredSize !== undefined && ending.info.deliveredSha256 === undefined && effect === 'answer'
        out.push({ span: spanOf(ending, place, kept ? ending.info.deliveredSize! : 0, { answer: true, ...(kept ? {} : { unknown: true }) }), ...(kept ? { from: ending } : {}), inserted: true })
      }
      continue
    }
    if (first.dir !== dir) continue
    const a = fate.replacedBy
    if (a === undefined) continue
    if (a.info.deliveredSha256 !== undefined) out.push({ span: spanOf(a, sent, sent.size, { unknown: true }), inserted: false })
    else out.push({ span: spanOf(a, sent, a.info.deliveredSize ?? 0), from: a, inserted: false })
  }
  return out
}

/** What became of one message, from the records that acted on it (in the order written). */
export interface MessageFate {
  /** It went no further: the first record that ended it, and how (its receiver got nothing, or a rule's answer went to its sender, or it went elsewhere). */
  ended?: { by: StreamAct; effect: 'remove' | 'answer' | 'elsewhere' }
  /** Else the last record that replaced its bytes (a rewrite, the script's change, a server message answered in its place). */
  replacedBy?: StreamAct
}

/**
 * The records of one message (one direction, one offset) read as the delivered stream reads
 * them: the Messages tab's "as delivered" (message-delivered.ts) says the same as the bytes.
 */
export function messageFate(acts: readonly StreamAct[], kind: ConnectionKind): MessageFate {
  const effects = acts.map((a) => effectOf(a, kind))
  const endAt = effects.findIndex((e) => e === 'remove' || e === 'answer' || e === 'elsewhere')
  if (endAt >= 0) return { ended: { by: acts[endAt], effect: effects[endAt] as 'remove' | 'answer' | 'elsewhere' } }
  const last = effects.lastIndexOf('replace')
  return last >= 0 ? { replacedBy: acts[last] } : {}
}

/** Places the spans in the delivered stream: each at its delivered offset, the ones that cannot be placed left out. */
function place(all: Placed[], sentSize: number): { spans: Placed[]; size: number } {
  const own = all.filter((p) => !p.inserted && p.span.sentOffset + p.span.sentSize <= sentSize).sort((a, b) => a.span.sentOffset - b.span.sentOffset)
  const kept: Placed[] = []
  let end = 0
  for (const p of own) {
    if (p.span.sentOffset < end) continue
    kept.push(p)
    end = p.span.sentOffset + p.span.sentSize
  }
  // An answer put in inside a message a rule replaced goes after it.
  for (const p of all.filter((x) => x.inserted)) {
    let at = Math.min(p.span.sentOffset, sentSize)
    const inside = kept.find((k) => k.span.sentOffset < at && at < k.span.sentOffset + k.span.sentSize)
    if (inside) at = inside.span.sentOffset + inside.span.sentSize
    p.span.sentOffset = at
    kept.push(p)
  }
  kept.sort((a, b) => a.span.sentOffset - b.span.sentOffset || Number(b.inserted) - Number(a.inserted))
  let delivered = 0
  let cursor = 0
  for (const p of kept) {
    delivered += p.span.sentOffset - cursor
    p.span.at = delivered
    delivered += p.span.size
    cursor = p.span.sentOffset + p.span.sentSize
  }
  return { spans: kept, size: delivered + sentSize - cursor }
}

interface Layout {
  map: DeliveredStreamMap
  placed: Placed[]
}

const layouts = new WeakMap<ConnActs, Map<Direction, { key: string; layout: Layout }>>()

function unavailable(a: ConnActs): string | undefined {
  if (a.records > MAX_DELIVERED_RECORDS) return `this connection has more than ${MAX_DELIVERED_RECORDS} rule records: its bytes as delivered are not shown`
  if (a.h2 === true && a.acts.length > 0) return "an HTTP/2 message's frames interleave with other streams', so what a rule changed is not one stretch of the bytes: the HTTP tab shows its exchanges as delivered"
  return undefined
}

async function layoutOf(view: CaptureView, connId: number, dir: Direction): Promise<Layout> {
  const a = await connActs(view, connId)
  const conn = await view.connection(connId)
  if (conn === undefined) throw new UserError(`no connection #${connId} in this capture`)
  const sentSize = conn.recorded?.[dir] ?? conn.bytes[dir]
  const key = `${a.cover}:${a.records}:${sentSize}`
  let byDir = layouts.get(a)
  if (byDir === undefined) layouts.set(a, (byDir = new Map()))
  const had = byDir.get(dir)
  if (had?.key === key) return had.layout
  const why = unavailable(a)
  const { spans, size } = why !== undefined ? { spans: [], size: 0 } : place(spansOf(a.acts, dir, conn.kind), sentSize)
  const map: DeliveredStreamMap = { dir, records: a.records, size, sentSize, spans: spans.map((p) => p.span), ...(why !== undefined ? { unavailable: why } : {}) }
  const layout = { map, placed: spans }
  byDir.set(dir, { key, layout })
  return layout
}

/** Direction `dir` of the connection as its receiver got it: its size and where rules made it differ. */
export async function deliveredMap(view: CaptureView, connId: number, dir: Direction): Promise<DeliveredStreamMap> {
  return (await layoutOf(view, connId, dir)).map
}

/** Bytes [offset, offset + length) of the delivered stream (fewer past its end). */
export async function readDelivered(view: CaptureView, connId: number, dir: Direction, offset: number, length: number): Promise<Buffer> {
  const { map, placed } = await layoutOf(view, connId, dir)
  if (map.unavailable !== undefined) throw new UserError(map.unavailable)
  const end = Math.min(map.size, offset + length)
  const parts: Buffer[] = []
  // The first span that ends after `offset`, by binary search; the sent bytes before each span fill the gaps.
  let lo = 0
  let hi = placed.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (placed[mid].span.at + placed[mid].span.size <= offset) lo = mid + 1
    else hi = mid
  }
  let at = offset
  for (let i = lo; at < end; i++) {
    const p = placed[i] as Placed | undefined
    const before = p === undefined ? undefined : p.span
    // Sent bytes up to the next span (or the end): delivered offset `at` is sent offset `at - shift`.
    const spanAt = before?.at ?? map.size
    if (at < spanAt) {
      const prev = i > 0 ? placed[i - 1].span : undefined
      const shift = prev === undefined ? 0 : prev.at + prev.size - (prev.sentOffset + prev.sentSize)
      const n = Math.min(spanAt, end) - at
      parts.push(await view.readBytes(connId, dir, at - shift, n))
      at += n
    }
    if (p === undefined || at >= end) break
    const s = p.span
    const from = at - s.at
    const n = Math.min(s.at + s.size, end) - at
    if (n <= 0) continue
    if (p.from !== undefined) parts.push((await actBytes(view, connId, p.from)).subarray(from, from + n))
    else parts.push(await view.readBytes(connId, dir, s.sentOffset + from, n))
    at += n
  }
  return Buffer.concat(parts)
}
