// One batch of a connection's records for its decoder: the records from a cursor, in capture
// order, with the bytes the decoder still wants copied into one buffer of the batch's own
// (so it can move to the worker). Records lying close together in the file are read with
// one read (CaptureQueries.decodeRecords); bytes below what a direction wants (a body the
// decoder skips) are never read. A batch stops at BATCH_BYTES, so skipping is learnt before
// much is read: a 1 GiB Content-Length body costs one batch of reads, not a gigabyte.

import type { ConnectionKind, Direction } from '../../shared/capture-types'
import type { BatchLimits, CaptureView } from '../capture/query/capture-queries'
import type { DecodeRecords } from '../capture/query/decode-records'
import type { AnsweredBy } from '../../shared/protocol-types'
import { endedHere, type RuleEventInfo } from '../../shared/rules/rule-types'
import { END_OP, GAP_OP } from './decoder-set'
import { FeedOps } from './feed-ops'
import { MAX_REFUSED, type Renumbering } from '../protocols/http2/renumbered-streams'
import { MAX_DETECT_BYTES } from '../protocols/detect'
import { answerGot } from './answer-got'

const BATCH_BYTES = 256 * 1024
const BATCH_RECORDS = 1024
/**
 * While the protocol is not yet known, a batch read from the file holds what telling it
 * needs. A full batch of a connection interleaved with many others spans megabytes of the
 * file (under redis-benchmark's 50 clients, up to 4 MiB a connection, 64 connections at
 * once), read for a few bytes: those spans outlived the young generation and held hundreds
 * of MiB. Records a kept window holds (a file's run, a live run's recent bytes) cost no read,
 * and come as a full batch: an HTTP/2 connection's first 8 KiB open its streams and the rest
 * answers them, and with two feeds the worker kept every opened stream across the other
 * connections' feeds (decoding HTTP/2 from a file, 86-91k exchanges a second; 122-123k as one).
 */
const DETECT: BatchLimits = { records: 32, bytes: MAX_DETECT_BYTES }

export interface Batch {
  ops: FeedOps
  bytes: Uint8Array
  /** The record after the batch. */
  next: number
  /** Records the connection has now. */
  total: number
  /** Directions whose end (FIN, reset, close) the batch passes on. */
  ended: Direction[]
  /** The connection has records from file offset `until` on, left for later. */
  stopped: boolean
}

const DIRS: Direction[] = ['client', 'server']

/**
 * A rule record (its direction and details) on a client's request that never reached the
 * target: where the request starts, and who answered it. A server session's own answer is
 * not one: it is in its server stream, where the request is paired with it.
 */
function answerOf(dir: Direction | undefined, details: Record<string, unknown> | undefined, time: number, kind: ConnectionKind): { offset: number; json: Uint8Array } | undefined {
  const info = details as Partial<RuleEventInfo> | undefined
  if (dir !== 'client' || !info || typeof info.offset !== 'number' || typeof info.action !== 'string' || !endedHere({ action: info.action, message: String(info.message ?? '') }, false)) return undefined
  if (kind !== 'proxy' && info.deliveredSize !== undefined) return undefined
  const by: AnsweredBy = { rule: String(info.rule ?? ''), label: String(info.label ?? ''), action: info.action, message: String(info.message ?? '') }
  const got = answerGot(info, time)
  if (got !== undefined) by.got = got
  return { offset: info.offset, json: new TextEncoder().encode(JSON.stringify(by)) }
}

/** An HTTP/2 rule stage's `renumber` record (its streams went to the target under ids of its own): what the decoder needs of it, as JSON. */
function renumberOf(details: Record<string, unknown> | undefined): Uint8Array | undefined {
  const info = details as Partial<RuleEventInfo> | undefined
  if (info?.action !== 'renumber') return undefined
  const n = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
  const told: Renumbering | undefined =
    n(info.stream) && n(info.targetStream)
      ? { stream: info.stream, targetStream: info.targetStream }
      : n(info.goaway)
        ? { goaway: info.goaway, refused: Array.isArray(info.refused) ? info.refused.filter(n).slice(0, MAX_REFUSED) : [] }
        : undefined
  return told !== undefined ? new TextEncoder().encode(JSON.stringify(told)) : undefined
}

/**
 * The batch from record `from`; `want` is where each direction's decoding needs bytes from,
 * `ended` which directions have been ended already (an end is passed on once); `detecting`
 * while the protocol is still to be told; `most` records at most.
 */
export async function readBatch(view: CaptureView, connId: number, kind: ConnectionKind, from: number, want: Record<Direction, number>, ended: Record<Direction, boolean>, until?: number, detecting = false, most = BATCH_RECORDS): Promise<Batch> {
  const { total, records, stopped, payload } = await view.decodeRecords(connId, from, Math.min(most, BATCH_RECORDS), want, BATCH_BYTES, until, detecting ? DETECT : undefined)
  return batchOf(records, payload, from, total, stopped, ended, kind)
}

/** What a rule record tells the decoder (an answered request, HTTP/2 streams renumbered), as an op's bytes. */
interface Answer {
  offset: number
  json: Uint8Array
  renumber: boolean
}

function answerFor(records: DecodeRecords, i: number, kind: ConnectionKind): Answer | undefined {
  const answered = answerOf(records.dir(i), records.info(i), records.time(i), kind)
  if (answered) return { offset: answered.offset, json: answered.json, renumber: false }
  const json = renumberOf(records.info(i))
  return json !== undefined ? { offset: 0, json, renumber: true } : undefined
}

/**
 * The batch of records read: a synchronous step apart from the read it waits for, so V8
 * compiles it on its own and quickly (see capture/query/decode-records.ts). Its bytes are the
 * records' payload as read, in record order, not copied again (a record of a direction already
 * ended is left there, unfed); a rule's answer, rare, goes after them in a copy.
 */
function batchOf(records: DecodeRecords, payload: Uint8Array, from: number, total: number, stopped: boolean, ended: Record<Direction, boolean>, kind: ConnectionKind): Batch {
  const ops = new FeedOps()
  const endedNow: Direction[] = []
  const done = { client: ended.client, server: ended.server }
  // A request a rule answered (the target never got it): what the decoder learns of it, for
  // HTTP/1 to pair no response with it; and HTTP/2 streams the target got under other ids.
  let answers: Map<number, Answer> | undefined
  let extra = 0
  for (let i = 0; i < records.count; i++) {
    const answer = records.kind(i) === 'rule' ? answerFor(records, i, kind) : undefined
    if (answer) {
      ;(answers ??= new Map()).set(i, answer)
      extra += answer.json.length
    }
  }
  let bytes = payload
  if (extra > 0) {
    bytes = new Uint8Array(payload.length + extra)
    bytes.set(payload)
  }
  let at = payload.length
  for (let i = 0; i < records.count; i++) {
    // Most batches have no rule records: no lookup a record.
    const answer = answers?.get(i)
    if (answer) {
      bytes.set(answer.json, at)
      ops.push('client', at, answer.json.length, answer.offset, records.time(i), !answer.renumber, answer.renumber)
      at += answer.json.length
      continue
    }
    const kind = records.kind(i)
    const dir = records.dir(i)
    if (kind === 'data' && dir !== undefined) {
      const bytesAt = records.bytesAt(i)
      if (bytesAt < 0 || done[dir]) continue
      const n = records.bytesLength(i)
      ops.push(dir, bytesAt, n, records.offset(i) + records.length(i) - n, records.time(i))
      continue
    }
    // A gap ends its direction for the decoder: what follows it is not read from offsets that
    // would skip the missing bytes, and what it cut is incomplete.
    const ends: Direction[] = (kind === 'fin' || kind === 'gap') && dir !== undefined ? [dir] : kind === 'reset' || kind === 'close' ? DIRS : []
    for (const d of ends) {
      if (done[d]) continue
      done[d] = true
      endedNow.push(d)
      ops.push(d, 0, kind === 'gap' ? GAP_OP : END_OP, 0, records.time(i))
    }
  }
  return { ops, bytes, next: from + records.count, total, ended: endedNow, stopped }
}
