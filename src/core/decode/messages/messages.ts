// Raw connections' messages for front ends (msg.page) and "decode as" (frame.set): which
// framing a connection is cut with, its index of messages (kept for the connections
// looked at last, fed as they grow), and each page's messages described from their bytes.

import { LIVE_CAPTURE, type ConnectionSummary, type Direction } from '../../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import {
  formatFrameSpec,
  MESSAGE_DECODE_BYTES,
  MESSAGE_PROTOCOLS,
  type FrameSpec,
  type MessagePage,
  type MessageProtocol,
  type StreamMessage
} from '../../../shared/message-types'
import type { DecodeProblem } from '../../../shared/protocol-types'
import { targetPort } from '../../../shared/endpoint'
import { readRanges } from '../../../shared/read-spans'
import type { CaptureView } from '../../capture/query/capture-queries'
import { NotKeptError } from '../../capture/read/capture-reader'
import type { OwnerRecord } from '../../capture/format/record-payloads'
import { codecFor, MAX_RECOGNISE_BYTES, recogniseMessages } from '../../protocols/messages/message-decoders'
import { field, shown } from '../../protocols/messages/field-values'
import { ENDED_INSIDE } from '../../protocols/messages/message-cutter'
import { loadFraming, namesHostFile } from './framing-files'
import { FramingRules, framingOf, type Framing } from './framing-rules'
import { MAX_INDEXED_MESSAGES, MessageIndex } from './message-index'
import { parseMessageFilter } from './message-filter'
import { deliveredMessage, messageFacts } from './message-delivered'
import { actsByPlace } from '../delivered-acts'
import type { DeliveredMessageFactsPage, DeliveredMessageView } from '../../../shared/delivered-types'

export interface MessageQuery {
  connId: number
  from?: number
  limit?: number
  frame?: string
  filter?: string
  fields?: boolean
}

const DEFAULT_PAGE = 100
/** Indexes kept per capture: the connections looked at last. */
const KEPT_INDEXES = 32

export class Messages {
  readonly rules = new FramingRules()
  private readonly indexes = new Map<string, Map<string, MessageIndex>>()

  /** Whether a capture file is one a front end uploaded (engine.ts says, from its uploads). */
  uploaded: (path: string) => boolean = () => false

  constructor(
    /** Told when a framing chosen changed what a capture's connection list shows. */
    private readonly chosen: (captureId: string) => void = () => undefined
  ) {}

  /** "Decode as": checks the framing, keeps it, and forgets indexes cut another way. */
  async choose(view: CaptureView, connId: number, frame: string, owner: boolean): Promise<{ framing: string }> {
    const conn = await this.connection(view, connId)
    const spec = frame.trim() === '' ? undefined : framingOf(frame)
    await loadFraming(spec)
    if (spec && !codecFor(spec) && spec.kind !== 'none') throw new UserError(`--frame ${frame}: ${spec.kind === 'protocol' ? spec.protocol : spec.kind} is not decoded yet`)
    if (owner) this.rules.chooseForOwner(view.id, conn.ownerId, spec)
    // The connection's own choice gives way to its owner's new rule, or is the choice itself.
    this.rules.choose(view.id, connId, owner ? undefined : spec)
    this.chosen(view.id)
    const framing = await this.framingFor(view, conn)
    return { framing: formatFrameSpec(framing.spec) }
  }

  /** A proxy's or session's own `--frame` (undefined: none), for its connections in the live capture. */
  setOwnerRule(ownerId: string, frame: string | undefined): void {
    this.rules.setRunning(ownerId, frame === undefined || frame === '' ? undefined : framingOf(frame))
  }

  /** A proxy's framing in the live capture as a setup keeps it (`--frame`), whether it was started with it or given it by "decode as". */
  ownerFraming(ownerId: string): string | undefined {
    const spec = this.rules.ofOwner(LIVE_CAPTURE, ownerId)
    return spec ? formatFrameSpec(spec) : undefined
  }

  /** What a connection is cut with: chosen, its owner's, what its bytes or port say, or none. */
  async framingFor(view: CaptureView, conn: ConnectionSummary): Promise<Framing> {
    const ruled = this.rules.of(view.id, conn, view.info().live) ?? (await this.recordedFraming(view, conn.ownerId))
    if (ruled) return ruled
    const protocol = await this.recognise(view, conn)
    return protocol ? { spec: { kind: 'protocol', protocol }, source: 'detected' } : { spec: { kind: 'none' }, source: 'none' }
  }

  /** The owner's --frame as its owner record kept it (a capture file remembers it), when this host may read what it names. */
  async recordedFraming(view: CaptureView, ownerId: string): Promise<Framing | undefined> {
    return (await this.recordedFramings(view)).get(ownerId)
  }

  /**
   * Every owner's recorded framing by owner id, read once for a page of the list (a file's owner
   * records are one JSON text: parsing it per row cost a parse per row). Owner records a
   * hostile or damaged file cannot give are as if there were none: its connections still list.
   */
  async recordedFramings(view: CaptureView): Promise<Map<string, Framing>> {
    const out = new Map<string, Framing>()
    let owners: OwnerRecord[]
    try {
      owners = await view.owners()
    } catch {
      return out
    }
    for (const o of owners) {
      if (!o.frame) continue
      try {
        const spec = framingOf(o.frame)
        // A `.ksy` or script an uploaded file names is a path on this host that the file chose,
        // not the user (who may not read this host's files, let alone run them): never read
        // because such a file says so. "Decode as" can still name one, where reading the host's
        // files is allowed.
        if (!namesHostFile(spec) || !this.uploaded(view.info().path)) out.set(o.id, { spec, source: 'owner' })
      } catch {
        // A file's framing this version cannot read: as if there were none.
      }
    }
    return out
  }

  /** The protocol a connection's first bytes (or its port) say, as the live decoder would: its summary's `carries` when decoded. */
  private async recognise(view: CaptureView, conn: ConnectionSummary): Promise<MessageProtocol | undefined> {
    const carried = conn.protocol?.carries
    if (carried && (MESSAGE_PROTOCOLS as readonly string[]).includes(carried)) return carried as MessageProtocol
    if (conn.protocol && conn.protocol.protocol !== 'raw' && conn.protocol.protocol !== 'unknown') return undefined
    const first = async (dir: Direction): Promise<Uint8Array> => {
      if (conn.bytes[dir] === 0) return new Uint8Array(0)
      try {
        return new Uint8Array(await view.readBytes(conn.id, dir, 0, Math.min(conn.bytes[dir], MAX_RECOGNISE_BYTES)))
      } catch (err) {
        // The capture kept none of its first bytes (a gap): there is nothing to recognise.
        if (err instanceof NotKeptError) return new Uint8Array(0)
        throw err
      }
    }
    // Both sides read at once: a page of a connection not yet decoded asks this each time.
    const [client, server] = await Promise.all([first('client'), first('server')])
    return recogniseMessages(client, server, targetPort(conn.target))
  }

  async page(view: CaptureView, q: MessageQuery, signal?: AbortSignal): Promise<MessagePage> {
    const conn = await this.connection(view, q.connId)
    const framing: Framing = q.frame !== undefined && q.frame.trim() !== '' ? { spec: framingOf(q.frame), source: 'chosen' } : await this.framingFor(view, conn)
    const from = q.from ?? 0
    const limit = q.limit ?? DEFAULT_PAGE
    const filter = parseMessageFilter(q.filter)
    const base = { connId: q.connId, framing: formatFrameSpec(framing.spec), source: framing.source, from }
    await loadFraming(framing.spec)
    const codec = codecFor(framing.spec)
    if (!codec) return { ...base, total: 0, of: 0, messages: [], problems: [] }
    const index = this.index(view.id, q.connId, codec, framing.spec)
    await index.follow(view, q.connId, signal)
    if (signal?.aborted) throw new UserError('message list cancelled', ERROR_CODES.ECANCELED)
    const problems: DecodeProblem[] = index.full ? [{ dir: 'client', offset: 0, message: `the list stops at ${MAX_INDEXED_MESSAGES.toLocaleString('en')} messages` }] : []
    const pending = index.pending()
    const all = index.size + pending.length
    const messageAt = (i: number): StreamMessage => (i < index.size ? index.get(i) : pending[i - index.size])
    if (!filter) {
      const picked: StreamMessage[] = []
      for (let i = from; i < Math.min(all, from + limit); i++) picked.push(messageAt(i))
      await this.describe(view, q.connId, index, picked, q.fields === true)
      return { ...base, total: all, of: all, messages: picked, problems }
    }
    // Filtered: the index's words first, then (for text:) each candidate described, in batches.
    const messages: StreamMessage[] = []
    let total = 0
    const batch: StreamMessage[] = []
    const flush = async (): Promise<void> => {
      await this.describe(view, q.connId, index, batch, q.fields === true || filter.textTest !== undefined)
      for (const m of batch) {
        if (filter.textTest && !filter.textTest(m)) continue
        if (total >= from && messages.length < limit) messages.push(q.fields === true ? m : { ...m, fields: undefined })
        total++
      }
      batch.length = 0
      if (signal?.aborted) throw new UserError('message list cancelled', ERROR_CODES.ECANCELED)
    }
    for (let i = 0; i < all; i++) {
      if (i < index.size && !filter.indexTest(index, i)) continue
      if (!filter.textTest) {
        if (total >= from && messages.length < limit) messages.push(messageAt(i))
        total++
        continue
      }
      batch.push(messageAt(i))
      if (batch.length >= 200) await flush()
    }
    if (batch.length) await flush()
    if (!filter.textTest) await this.describe(view, q.connId, index, messages, q.fields === true)
    for (const m of messages) if (q.fields !== true) delete m.fields
    return { ...base, total, of: all, messages, problems }
  }

  /** Message `index` as its receiver got it, where a rule or the script acted on it (message-delivered.ts). */
  async delivered(view: CaptureView, q: { connId: number; message: number; frame?: string }): Promise<DeliveredMessageView> {
    const { conn, codec, all, messageAt } = await this.followed(view, q)
    if (q.message >= all) throw new UserError(`connection #${q.connId} has no message ${q.message + 1} (it has ${all})`)
    return deliveredMessage(view, q.connId, messageAt(q.message), codec, conn.kind)
  }

  /** A page of messages' changes, as delivered() says them without what was delivered: the framing, index and records looked up once for the page. */
  async changes(view: CaptureView, q: { connId: number; from?: number; limit?: number; frame?: string }): Promise<DeliveredMessageFactsPage> {
    const { conn, all, messageAt } = await this.followed(view, q)
    const from = q.from ?? 0
    const places = await actsByPlace(view, q.connId)
    const messages: DeliveredMessageFactsPage['messages'] = []
    for (let i = from; i < Math.min(all, from + (q.limit ?? DEFAULT_PAGE)); i++) messages.push(messageFacts(places, messageAt(i), conn.kind).facts)
    return { from, total: all, messages }
  }

  /** A cut connection's index, followed to the capture's end: how many messages it has, and each by its place in the list. */
  private async followed(view: CaptureView, q: { connId: number; frame?: string }) {
    const conn = await this.connection(view, q.connId)
    const framing: Framing = q.frame !== undefined && q.frame.trim() !== '' ? { spec: framingOf(q.frame), source: 'chosen' } : await this.framingFor(view, conn)
    await loadFraming(framing.spec)
    const codec = codecFor(framing.spec)
    if (!codec) throw new UserError(`connection #${q.connId} is not cut into messages: choose a framing ("decode as") first`)
    const index = this.index(view.id, q.connId, codec, framing.spec)
    await index.follow(view, q.connId)
    const pending = index.pending()
    const messageAt = (i: number): StreamMessage => (i < index.size ? index.get(i) : pending[i - index.size])
    return { conn, codec, all: index.size + pending.length, messageAt }
  }

  /** Fills each message's summary (and fields) from its first MESSAGE_DECODE_BYTES (shared/read-spans.ts says how they are read). */
  private async describe(view: CaptureView, connId: number, index: MessageIndex, list: StreamMessage[], withFields: boolean): Promise<void> {
    const ranges = list.map((m) => ({ dir: m.dir, offset: m.range.offset, length: Math.min(m.range.length, MESSAGE_DECODE_BYTES) }))
    // A copy, as codecs are given: what a read returns may be a view of the reader's own buffers.
    const read = async (dir: Direction, offset: number, length: number): Promise<Uint8Array> => new Uint8Array(await view.readBytes(connId, dir, offset, length))
    await readRanges(ranges, read, (k, bytes) => describeMessage(index, list[k], bytes, withFields))
  }

  private index(capture: string, connId: number, codec: NonNullable<ReturnType<typeof codecFor>>, spec: FrameSpec): MessageIndex {
    let kept = this.indexes.get(capture)
    if (!kept) this.indexes.set(capture, (kept = new Map()))
    const key = `${connId} ${formatFrameSpec(spec)}`
    let index = kept.get(key)
    if (index) {
      // The most recently used last: the first is the one to let go.
      kept.delete(key)
    } else {
      index = new MessageIndex(codec, formatFrameSpec(spec))
      if (kept.size >= KEPT_INDEXES) kept.delete(kept.keys().next().value!)
    }
    kept.set(key, index)
    return index
  }

  private async connection(view: CaptureView, connId: number): Promise<ConnectionSummary> {
    const conn = await view.connection(connId)
    if (!conn) throw new UserError(`no connection #${connId} in this capture`, ERROR_CODES.ENOCONN)
    return conn
  }

  forget(capture: string): void {
    this.indexes.delete(capture)
    this.rules.forget(capture)
  }
}

/** Fills `m`'s summary (and fields) from `msg`, its first bytes. */
function describeMessage(index: MessageIndex, m: StreamMessage, msg: Uint8Array, withFields: boolean): void {
  if (m.error !== undefined && !m.incomplete) {
    // Bytes the framing said are no message (skipped, or where cutting stopped): the codec's
    // reading of them would contradict that (a script's describe() read noise as a reading).
    // A message the stream ended inside is one: what it holds so far is read as usual.
    m.summary = m.error
    if (withFields) {
      m.fields = [field('bytes', shown(msg), 0, msg.length)]
      if (m.range.length > msg.length) m.fieldsCut = true
    }
    return
  }
  const note = m.index < index.size ? index.note(m.index) : {}
  let d
  try {
    d = index.describe(m.dir, msg, note, m.range.length, !m.incomplete)
  } catch (err) {
    d = { summary: `not decoded: ${(err as Error).message}`, fields: [], error: (err as Error).message }
  }
  m.summary = m.error && !d.summary ? m.error : d.summary
  // The codec's reading of where it ended (`the stream ended inside this blob_msg message: EOFError: …`) says more than the cutter's.
  if (d.error !== undefined && (m.error === undefined || m.error === ENDED_INSIDE)) m.error = d.error
  if (withFields) {
    m.fields = d.fields
    if (d.fieldsCut || m.range.length > MESSAGE_DECODE_BYTES) m.fieldsCut = true
  }
}
