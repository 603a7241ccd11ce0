// A connection's `rule` records as the delivered byte stream needs them (delivered-stream.ts):
// each with where the message it acted on starts, and how far each direction's recorded
// data had come when it was written (a rule's answer to a client's message went to the
// client there). Read with decodeRecords, which takes data records from the index without
// reading their bytes and reads only the other records' headers (and a rule record's
// details): a connection of a million chunks and a few rule records costs an index walk.
//
// A breakpoint's edit changed what the receiver got as a rewrite does: its `break` record
// (action `edited`) keeps the held message's place and the bytes forwarded instead, so it is
// read here as a rewrite by that breakpoint (`by: 'break'`), and every delivered view (the
// HTTP tab, the byte views, the exports, replay) shows what was really forwarded. A person
// holds each one, so they are few: each break record's details are read on their own.
// An HTTP/2 edit is kept as its header lines and body (h2-text-form.ts), not as frames: it
// is read as a rewrite only where that form is read (export/delivered.ts).
//
// What was delivered is not kept here (up to 1 MiB a record): a read of the delivered stream
// reads the record again, and keeps the last few it read. The records of a connection are
// kept for a few connections per capture, and a live connection's are read on from where
// they stopped once it has more records (as connection-turns.ts grows its turn lists).

import type { BreakEventInfo } from '../../shared/break-types'
import type { Direction } from '../../shared/capture-types'
import { MAX_DELIVERED_RECORDS } from '../../shared/delivered-stream-types'
import type { RuleEventInfo } from '../../shared/rules/rule-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { CLIENT_PREFACE } from '../protocols/http2/frame-reader'

/** One rule record: what it says (what it delivered left out), and where. */
export interface StreamAct {
  info: Omit<RuleEventInfo, 'delivered'>
  dir: Direction
  /** Where the message it acted on starts in `dir`. */
  offset: number
  /** The record's index among the connection's records (to read what it delivered again). */
  index: number
  /** Each direction's recorded bytes when it was written. */
  ends: Record<Direction, number>
  /** When it was written. */
  time: number
  /** A breakpoint's edit (a `break` record), read as a rewrite by that breakpoint. */
  by?: 'break'
  /** An HTTP/2 breakpoint's edit: what it kept is the text form (header lines, a blank line, the body), not frames. */
  form?: 'h2-text'
}

export interface ConnActs {
  /** Records read so far. */
  cover: number
  end: Record<Direction, number>
  acts: StreamAct[]
  /** Rule records read (those whose place is unknown too). */
  records: number
  /** The client's stream opens with HTTP/2's preface; undefined until it has that many bytes. */
  h2?: boolean
}

/**
 * Where the message a record acted on starts in its direction. One without an offset
 * (written before records carried it) acted on the message that ends where that direction's
 * data before it (`end`) ends.
 */
export function actOffset(info: Pick<RuleEventInfo, 'offset' | 'size'>, end: number): number | undefined {
  return info.offset ?? (info.size !== undefined && end >= info.size ? end - info.size : undefined)
}

/** A breakpoint's `edited` record as a rule's rewrite says it: the held message's place, and what was forwarded instead. */
export function breakEditInfo(b: Partial<BreakEventInfo>): Omit<RuleEventInfo, 'delivered'> | undefined {
  if (b.action !== 'edited' || typeof b.rule !== 'string' || typeof b.offset !== 'number' || typeof b.size !== 'number' || typeof b.sentSize !== 'number') return undefined
  const info: Omit<RuleEventInfo, 'delivered'> = { rule: b.rule, label: b.rule, action: 'rewrite', by: 'break', message: String(b.message ?? 'edited'), offset: b.offset, size: b.size, deliveredSize: b.sentSize }
  if (typeof b.sentSha256 === 'string') info.deliveredSha256 = b.sentSha256
  if (typeof b.summary === 'string') info.summary = b.summary
  return info
}

/** Whether a record kept what it delivered (not only its size and SHA-256): actBytes reads it. */
export const keptBytes = (info: Pick<RuleEventInfo, 'deliveredSize' | 'deliveredSha256'>): boolean => info.deliveredSize !== undefined && info.deliveredSha256 === undefined

/** Records read per decodeRecords call. */
const RECORD_PAGE = 5000
/** Connections whose records are kept, per capture. */
const KEPT = 16
/** Delivered bytes of records read again, kept per connection. */
const KEPT_BYTES = 4

interface Entry {
  acts: ConnActs
  growing?: Promise<ConnActs>
  /** Record index → what it delivered, most recently read last. */
  bytes: Map<number, Buffer>
  /** The acts by place (actsByPlace), grouped up to `count` of them. */
  places?: { of: ConnActs; count: number; map: Map<string, StreamAct[]> }
}

const byView = new WeakMap<CaptureView, Map<number, Entry>>()

function entryOf(view: CaptureView, connId: number): Entry {
  let conns = byView.get(view)
  if (conns === undefined) byView.set(view, (conns = new Map()))
  let e = conns.get(connId)
  if (e !== undefined) conns.delete(connId)
  else e = { acts: { cover: 0, end: { client: 0, server: 0 }, acts: [], records: 0 }, bytes: new Map() }
  conns.set(connId, e)
  while (conns.size > KEPT) conns.delete(conns.keys().next().value!)
  return e
}

async function grow(view: CaptureView, connId: number, a: ConnActs): Promise<ConnActs> {
  const skipData = { client: Infinity, server: Infinity }
  for (;;) {
    // Past the bound nothing more is read: the map says there are too many.
    if (a.records > MAX_DELIVERED_RECORDS) return a
    const page = await view.decodeRecords(connId, a.cover, RECORD_PAGE, skipData, Infinity)
    const records = page.records
    for (let i = 0; i < records.count; i++) {
      const kind = records.kind(i)
      const dir = records.dir(i)
      if (kind === 'data' && dir !== undefined) a.end[dir] = records.offset(i) + records.length(i)
      if (kind === 'break' && dir !== undefined) {
        const act = await breakAct(view, connId, a.cover + i, dir, a.end, records.time(i))
        if (act !== undefined) {
          a.records++
          a.acts.push(act)
        }
        continue
      }
      const details = records.info(i)
      if (kind !== 'rule' || dir === undefined || details === undefined) continue
      a.records++
      const { delivered: _bytes, ...info } = details as unknown as RuleEventInfo
      const offset = actOffset(info, a.end[dir])
      if (offset !== undefined) a.acts.push({ info, dir, offset, index: a.cover + i, ends: { ...a.end }, time: records.time(i) })
    }
    a.cover += records.count
    if (records.count === 0 || a.cover >= page.total) break
  }
  if (a.h2 === undefined && a.end.client >= CLIENT_PREFACE.length) {
    const head = await view.readBytes(connId, 'client', 0, CLIENT_PREFACE.length)
    a.h2 = Buffer.compare(head, CLIENT_PREFACE) === 0
  }
  return a
}

/** Break record `index` as an act, when it is an edit. */
async function breakAct(view: CaptureView, connId: number, index: number, dir: Direction, end: Record<Direction, number>, time: number): Promise<StreamAct | undefined> {
  const [event] = await view.readEvents(connId, index, 1)
  const b = event?.kind === 'break' ? (event.info as Partial<BreakEventInfo> | undefined) : undefined
  const info = b && breakEditInfo(b)
  if (b === undefined || info === undefined) return undefined
  return { info, dir, offset: info.offset!, index, ends: { ...end }, time, by: 'break', ...(b.stream !== undefined ? { form: 'h2-text' as const } : {}) }
}

/** The connection's rule records, read on as far as the capture has them now. */
export async function connActs(view: CaptureView, connId: number): Promise<ConnActs> {
  const e = entryOf(view, connId)
  while (e.growing !== undefined) await e.growing
  const p = grow(view, connId, e.acts)
  e.growing = p
  try {
    return await p
  } finally {
    if (e.growing === p) e.growing = undefined
  }
}

/** The key of the message a record acted on: `client:OFFSET` or `server:OFFSET`. */
export const placeKey = (dir: Direction, offset: number): string => `${dir}:${offset}`

/**
 * The connection's records by the message each acted on (placeKey), in the order written:
 * grouped once per connection and grown as its records grow, so that asking for one
 * message's records (every exchange or message of a connection in turn) costs no walk of all.
 */
export async function actsByPlace(view: CaptureView, connId: number): Promise<ReadonlyMap<string, readonly StreamAct[]>> {
  const a = await connActs(view, connId)
  const e = entryOf(view, connId)
  // Grouped from the list read (an entry let go and read again has another).
  if (e.places?.of !== a) e.places = { of: a, count: 0, map: new Map() }
  const places = e.places
  for (; places.count < a.acts.length; places.count++) {
    const act = a.acts[places.count]
    const key = placeKey(act.dir, act.offset)
    const list = places.map.get(key)
    if (list === undefined) places.map.set(key, [act])
    else list.push(act)
  }
  return places.map
}

/** What record `act` delivered (it kept the bytes: `info.delivered` was there). */
export async function actBytes(view: CaptureView, connId: number, act: StreamAct): Promise<Buffer> {
  const e = entryOf(view, connId)
  const kept = e.bytes.get(act.index)
  if (kept !== undefined) return kept
  const [event] = await view.readEvents(connId, act.index, 1)
  const kind = act.by === 'break' ? 'break' : 'rule'
  const b64 = act.by === 'break' ? (event?.info as Partial<BreakEventInfo> | undefined)?.sent : (event?.info as Partial<RuleEventInfo> | undefined)?.delivered
  if (event?.kind !== kind || typeof b64 !== 'string') throw new Error(`record ${act.index} of connection #${connId} is not the ${kind} record it was`)
  const bytes = Buffer.from(b64, 'base64')
  if (bytes.length !== act.info.deliveredSize) throw new Error(`record ${act.index} of connection #${connId} keeps ${bytes.length} bytes, not the ${act.info.deliveredSize} it says`)
  e.bytes.set(act.index, bytes)
  while (e.bytes.size > KEPT_BYTES) e.bytes.delete(e.bytes.keys().next().value!)
  return bytes
}
