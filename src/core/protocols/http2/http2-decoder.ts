// Decodes both directions of an HTTP/2 connection passively, from the frames as they were
// on the wire (as Wireshark does): nothing is downgraded or re-encoded. Each stream's header
// blocks go through its sender's HPACK context (one per direction, in order), its DATA
// frames become the body's ranges, and the stream becomes an exchange: request, 1xx
// responses, the final response, trailers, and what ended it (END_STREAM, RST_STREAM, a
// GOAWAY that left it unprocessed). Pushed streams are exchanges whose request is the
// PUSH_PROMISE. Exchanges are numbered in the order their requests began, and forgotten
// once final. Hostile input is bounded and becomes a problem at its offset, never a throw.
// Where HTTP/2 traffic rules sent the client's streams to the target under ids of its own (a
// held request overtaken), their `renumber` records say so: the target's frames are read
// with the client's ids (renumbered-streams.ts), and its GOAWAY ends the streams the record
// names. The Frames view still shows each frame's id as it was on the wire. A stream a rule or
// the script ended in the target's place (its `rule` record, which follows the request's
// HEADERS) gets nothing from the target: it is marked `answeredBy`, and an answer the client
// got (a mock's) makes it whole, as on HTTP/1 (the answer itself is the record's).

import type { Direction } from '../../../shared/direction'
import { h2ErrorName, MAX_H2_DATA_RANGES, type AnsweredBy, type DecodeProblem, type H2StreamEnd, type HttpExchange, type HttpHeader, type HttpMessage, type ProtocolSummary } from '../../../shared/protocol-types'
import { exchangeSummary, snapshot } from '../exchange-snapshot'
import { answersClient, type ExchangeSink } from '../stream-decoder'
import { endedHere, type RuleEventInfo } from '../../../shared/rules/rule-types'
import { settingsOf } from './frame-info'
import { dataOf, F_END_HEADERS, F_END_STREAM, F_PADDED, F_PRIORITY, FRAME_HEADER, FrameReader, T_CONTINUATION, T_DATA, T_GOAWAY, T_HEADERS, T_PUSH_PROMISE, T_RST_STREAM, T_SETTINGS } from './frame-reader'
import type { RawFrame } from './raw-frame'
import { fragmentOf, HeaderBlock, payloadAt } from './header-block'
import { HpackDecoder } from './hpack/hpack-decoder'
import { RenumberedStreams, type Renumbering } from './renumbered-streams'

/** Problems one connection reports: past them one more says the rest are not listed. */
export const MAX_PROBLEMS = 100
/** Streams tracked at once: past this a peer opens streams faster than any server would allow, and the rest are not decoded. */
export const MAX_OPEN_STREAMS = 10_000
const SETTINGS_HEADER_TABLE_SIZE = 1
const MAX_STREAM = 0x7fffffff

export interface Http2DecoderOptions {
  /** Where each direction's frames start (after an h2c upgrade: past the 101). */
  start?: Partial<Record<Direction, number>>
  /** The client's bytes begin with the connection preface (from the connection's start, or after an h2c upgrade). */
  preface?: boolean
  /** The index of the first exchange (after an h2c upgrade: past the HTTP/1.1 ones). */
  firstIndex?: number
  /** h2c: the HTTP/1.1 request that asked for the upgrade, which is stream 1's request (RFC 9113 section 3.1 of RFC 7540). */
  upgradeRequest?: HttpMessage
  /** Every frame, as read (the Frames view). */
  onFrame?: (f: RawFrame) => void
}

interface Entry {
  ex: HttpExchange
  /** Each side may still send on the stream. */
  open: Record<Direction, boolean>
  /** A rule or the script answered the client in the target's place (AnsweredBy): the exchange needs no response of the target's. */
  answered?: boolean
}

const other = (dir: Direction): Direction => (dir === 'client' ? 'server' : 'client')
const u31 = (b: Uint8Array, at: number): number => (((b[at] & 0x7f) << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0
const u32 = (b: Uint8Array, at: number): number => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3]

export class Http2Decoder {
  private readonly readers: Record<Direction, FrameReader>
  /** HPACK contexts by the direction whose blocks they decode. */
  private readonly hpack: Record<Direction, HpackDecoder> = { client: new HpackDecoder(), server: new HpackDecoder() }
  /** Where a direction's HPACK context was lost (a block not decoded): its later blocks cannot be read. */
  private readonly lost: Partial<Record<Direction, number>> = {}
  private readonly blocks: Partial<Record<Direction, HeaderBlock>> = {}
  /** A stream whose block was stopped as a flood: its further CONTINUATIONs are let pass unsaid. */
  private readonly flooding: Partial<Record<Direction, number>> = {}
  private problemCount = 0
  private readonly streams = new Map<number, Entry>()
  /** The highest stream each side opened: a HEADERS on a lower, forgotten one is not a new exchange. */
  private readonly highest: Record<Direction, number> = { client: 0, server: 0 }
  private nextIndex: number
  private readonly changed = new Set<Entry>()
  private problems: DecodeProblem[] = []
  private first: HttpExchange | undefined
  private hadProblem = false
  private tooMany = false
  private readonly ended: Record<Direction, boolean> = { client: false, server: false }
  /** The target's stream ids back to the client's (traffic rules sent held requests under later ids). */
  private readonly renumber = new RenumberedStreams()
  /** The target's last GOAWAY: the streams a `renumber` record says it left end with it. */
  private targetGoaway: H2StreamEnd | undefined
  /** Where final exchanges go at once (ConnectionDecoder.streamFinal). */
  private sink: ExchangeSink | undefined

  constructor(private readonly opts: Http2DecoderOptions = {}) {
    this.nextIndex = opts.firstIndex ?? 0
    const sink = (): ConstructorParameters<typeof FrameReader>[2] => ({
      frame: (f) => this.frame(f),
      problem: (p) => this.problem(p)
    })
    this.readers = {
      client: new FrameReader('client', opts.start?.client ?? 0, sink(), opts.preface ?? true),
      server: new FrameReader('server', opts.start?.server ?? 0, sink(), false)
    }
    if (opts.upgradeRequest) this.openUpgraded(opts.upgradeRequest)
  }

  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void {
    this.readers[dir].push(bytes, offset, time)
  }

  end(dir: Direction): void {
    this.readers[dir].end()
    this.ended[dir] = true
    // What the ended side was still sending is cut short; once both ended, nothing is pending.
    for (const e of this.streams.values()) {
      e.open[dir] = false
      // A side that ended can no longer be answered either: the stream is over.
      if (this.ended.client && this.ended.server) e.open[other(dir)] = false
      this.settle(e)
    }
  }

  wantFrom(dir: Direction): number {
    return this.readers[dir].wantFrom()
  }

  get count(): number {
    return this.nextIndex
  }

  takeChanges(): { exchanges: HttpExchange[]; problems: DecodeProblem[] } {
    const exchanges = [...this.changed].sort((a, b) => a.ex.index - b.ex.index).map((e) => snapshot(e.ex))
    for (const e of this.changed) if (e.ex.state !== 'pending' && e.ex.stream !== undefined) this.streams.delete(e.ex.stream)
    this.changed.clear()
    const problems = this.problems
    this.problems = []
    return { exchanges, problems }
  }

  /** takeChanges with no copies, the exchanges given to `sink` (ConnectionDecoder.takeChangesInto). */
  takeChangesInto(sink: ExchangeSink): DecodeProblem[] {
    for (const e of this.changed) {
      sink.add(e.ex)
      if (e.ex.state !== 'pending' && e.ex.stream !== undefined) this.streams.delete(e.ex.stream)
    }
    this.changed.clear()
    const problems = this.problems
    this.problems = []
    return problems
  }

  streamFinal(sink: ExchangeSink | undefined): void {
    this.sink = sink
  }

  summary(): Omit<ProtocolSummary, 'protocol'> {
    return exchangeSummary(this.first, this.nextIndex, this.hadProblem)
  }

  private problem(p: DecodeProblem): void {
    this.hadProblem = true
    const n = ++this.problemCount
    if (n <= MAX_PROBLEMS) this.problems.push(p)
    else if (n === MAX_PROBLEMS + 1) this.problems.push({ ...p, message: `more than ${MAX_PROBLEMS} problems: the rest are not listed` })
  }

  /**
   * A traffic rule or the script ended the client's stream whose HEADERS start at `offset` in
   * the target's place (ConnectionDecoder.answered): the target never got it, so nothing of it
   * comes from the target, and an answer the client got makes the exchange whole.
   */
  answered(offset: number, by: AnsweredBy): void {
    // A forward that was not made: the stream went to the target after all.
    if (!endedHere({ action: by.action as RuleEventInfo['action'], message: by.message }, true)) return
    for (const e of this.streams.values()) {
      const req = e.ex.request
      if (req === undefined || e.ex.pushedOn !== undefined || req.headRange.offset !== offset) continue
      // A response already begun is the target's: the record is not of this stream.
      if (e.ex.response !== undefined || e.ex.informational.length > 0) return
      e.ex.answeredBy = by
      e.answered = answersClient(by)
      e.open.server = false
      this.changed.add(e)
      return this.settle(e)
    }
  }

  /** The target got the client's streams under ids of its own (traffic rules: a `renumber` record). */
  renumbered(told: Renumbering): void {
    if ('targetStream' in told) return this.renumber.mark(told.stream, told.targetStream)
    // The target's GOAWAY (read already) as the client was told it: the streams it left
    // unprocessed, in the client's ids, and the requests the rules still held, refused.
    const end = this.targetGoaway
    if (end === undefined) return
    const refused = new Set(told.refused)
    const past = this.renumber.any ? told.goaway : MAX_STREAM
    for (const e of this.streams.values()) if (e.ex.stream! % 2 === 1 && (e.ex.stream! > past || refused.has(e.ex.stream!))) this.close(e, end)
  }

  private frame(raw: RawFrame): void {
    this.opts.onFrame?.(raw)
    // The target's frames name the client's streams by its own ids when rules renumbered them.
    const f = raw.dir === 'server' && raw.stream % 2 === 1 && this.renumber.any ? { ...raw, stream: this.renumber.client(raw.stream) } : raw
    const pending = this.blocks[f.dir]
    if (pending) {
      if (f.type === T_CONTINUATION && f.stream === pending.stream) return this.continuation(pending, f)
      // RFC 9113 section 6.10: nothing may come between a block's frames.
      this.blocks[f.dir] = undefined
      this.loseContext(f.dir, f.offset, `a ${f.type === T_CONTINUATION ? 'CONTINUATION of another stream' : 'frame'} came inside stream ${pending.stream}'s header block`)
    }
    switch (f.type) {
      case T_DATA:
        return this.data(f, raw.stream)
      case T_HEADERS:
      case T_PUSH_PROMISE:
        return this.blockStart(f)
      case T_CONTINUATION:
        if (this.flooding[f.dir] === f.stream) {
          if ((f.flags & F_END_HEADERS) !== 0) this.flooding[f.dir] = undefined
          return
        }
        return this.problem({ dir: f.dir, offset: f.offset, message: `a CONTINUATION on stream ${f.stream} follows no HEADERS: ignored` })
      case T_RST_STREAM:
        return this.reset(f)
      case T_GOAWAY:
        return this.goaway(f)
      case T_SETTINGS:
        return this.settings(f)
      default:
    }
  }

  private settings(f: RawFrame): void {
    if (!f.payload || f.stream !== 0) return
    // What a side announces bounds the table of the blocks it receives: the other side's.
    for (const s of settingsOf(f.payload)) if (s.id === SETTINGS_HEADER_TABLE_SIZE) this.hpack[other(f.dir)].setMaxTableSize(s.value)
  }

  private blockStart(f: RawFrame): void {
    const p = f.payload
    if (!p) return this.loseContext(f.dir, f.offset, `stream ${f.stream}'s header block was too long to keep`)
    const push = f.type === T_PUSH_PROMISE
    const skip = push ? 4 : (f.flags & F_PRIORITY) !== 0 ? 5 : 0
    const frag = fragmentOf(p, (f.flags & F_PADDED) !== 0, skip)
    if (!frag || f.stream === 0) return this.loseContext(f.dir, f.offset, `a ${push ? 'PUSH_PROMISE' : 'HEADERS'} frame's lengths do not fit its payload`)
    const promised = push ? u31(p, (f.flags & F_PADDED) !== 0 ? 1 : 0) : undefined
    const block = new HeaderBlock(f.dir, f.stream, f.offset, f.time, !push && (f.flags & F_END_STREAM) !== 0, promised)
    const whole = (f.flags & F_END_HEADERS) !== 0
    if (!block.add(p.subarray(frag.start, frag.end), payloadAt(f.offset, frag.start), f.offset + FRAME_HEADER + f.length, false, !whole)) {
      return this.loseContext(f.dir, f.offset, `stream ${f.stream}'s header block is over ${block.size} bytes: not decoded`)
    }
    if (whole) return this.blockDone(block)
    this.blocks[f.dir] = block
  }

  private continuation(block: HeaderBlock, f: RawFrame): void {
    const fits = f.payload !== undefined && block.add(f.payload, payloadAt(f.offset, 0), f.offset + FRAME_HEADER + f.length, true)
    if (!fits) {
      this.blocks[f.dir] = undefined
      if ((f.flags & F_END_HEADERS) === 0) this.flooding[f.dir] = block.stream
      return this.loseContext(f.dir, f.offset, `stream ${block.stream}'s header block passed ${block.continuations} CONTINUATION frames and ${block.size} bytes (a CONTINUATION flood): not decoded`)
    }
    if ((f.flags & F_END_HEADERS) !== 0) {
      this.blocks[f.dir] = undefined
      this.blockDone(block)
    }
  }

  /** A block that is not decoded leaves its sender's HPACK context unknown: later blocks of that direction cannot be read. */
  private loseContext(dir: Direction, offset: number, why: string): void {
    this.problem({ dir, offset, message: why })
    if (this.lost[dir] === undefined) {
      this.lost[dir] = offset
      this.problem({ dir, offset, message: `the ${dir}'s header compression context is lost here: its later header blocks are not decoded` })
    }
  }

  private blockDone(block: HeaderBlock): void {
    const dir = block.dir
    if (this.lost[dir] !== undefined) return
    const result = this.hpack[dir].decode(block.bytes())
    if (result.error) this.loseContext(dir, block.start, `stream ${block.stream}: ${result.error.message}`)
    if (result.cut) this.problem({ dir, offset: block.start, message: `stream ${block.stream}'s headers decode to more than ${result.cut.limit} bytes: the rest are not kept` })
    const headers = block.headers(result)
    if (block.promised !== undefined) return this.promise(block, headers)
    const entry = this.streams.get(block.stream)
    if (!entry) return this.opened(block, headers)
    const ex = entry.ex
    const mine = dir === 'client' ? ex.request : ex.response
    if (dir === 'server' && !ex.response) return this.responseHead(entry, block, headers)
    if (mine && mine.body.trailers === undefined && !mine.body.complete) {
      // A second block from the same side: its trailers (RFC 9113 section 8.1).
      mine.body = { ...mine.body, trailers: headers }
      this.changed.add(entry)
      if (block.endStream) this.finish(entry, dir, block.end, block.time)
      return
    }
    this.problem({ dir, offset: block.start, message: `stream ${block.stream} sent a header block after it ended: ignored` })
  }

  private opened(block: HeaderBlock, headers: HttpHeader[]): void {
    const dir = block.dir
    if (dir === 'server' || block.stream % 2 === 0) {
      return this.problem({ dir, offset: block.start, message: `HEADERS on stream ${block.stream}, which ${dir === 'server' ? 'no request opened' : 'a client may not open'}: ignored` })
    }
    if (block.stream <= this.highest.client) return this.problem({ dir, offset: block.start, message: `HEADERS on stream ${block.stream}, which was already used: ignored` })
    this.highest.client = block.stream
    const request = message(block, headers, 'request')
    const entry = this.track(block.stream, { index: 0, stream: block.stream, request, informational: [], state: 'pending' }, block.start)
    if (!entry) return
    if (block.endStream) this.finish(entry, 'client', block.end, block.time)
  }

  private promise(block: HeaderBlock, headers: HttpHeader[]): void {
    const promised = block.promised!
    if (block.dir !== 'server' || promised % 2 !== 0 || promised === 0 || promised <= this.highest.server || this.streams.has(promised)) {
      return this.problem({ dir: block.dir, offset: block.start, message: `a PUSH_PROMISE of stream ${promised} that cannot be promised: ignored` })
    }
    this.highest.server = promised
    const request = message(block, headers, 'request')
    // A promised request has no body, and its stream is closed to the client.
    request.body = { ...request.body, complete: true }
    request.endedAt = block.time
    this.track(promised, { index: 0, stream: promised, pushedOn: block.stream, request, informational: [], state: 'pending' }, block.start, { client: false, server: true })
  }

  /** The upgraded HTTP/1.1 request is stream 1, half-closed by the client: its answer comes in HTTP/2. */
  private openUpgraded(request: HttpMessage): void {
    this.highest.client = 1
    this.track(1, { index: 0, stream: 1, request, informational: [], state: 'pending' }, request.startRange.offset, { client: false, server: true })
  }

  private track(stream: number, ex: HttpExchange, offset: number, open: Record<Direction, boolean> = { client: true, server: true }): Entry | undefined {
    if (this.streams.size >= MAX_OPEN_STREAMS) {
      if (!this.tooMany) this.problem({ dir: 'client', offset, message: `more than ${MAX_OPEN_STREAMS} streams are open at once: the rest are not decoded` })
      this.tooMany = true
      return undefined
    }
    ex.index = this.nextIndex++
    const entry: Entry = { ex, open }
    this.streams.set(stream, entry)
    this.first ??= ex
    this.changed.add(entry)
    return entry
  }

  private responseHead(entry: Entry, block: HeaderBlock, headers: HttpHeader[]): void {
    const msg = message(block, headers, 'response')
    const ex = entry.ex
    this.changed.add(entry)
    const status = msg.status ?? 0
    if (status >= 100 && status < 200) {
      ex.informational = [...ex.informational, msg]
      return
    }
    ex.response = msg
    if (block.endStream) this.finish(entry, 'server', block.end, block.time)
  }

  /** A DATA frame; `wireStream`: its stream id as sent (f's is the client's where streams were renumbered). */
  private data(f: RawFrame, wireStream: number): void {
    const entry = this.streams.get(f.stream)
    if (!entry) return
    const msg = f.dir === 'client' ? entry.ex.request : entry.ex.response
    if (!msg || msg.body.complete) {
      return this.problem({ dir: f.dir, offset: f.offset, message: `DATA on stream ${f.stream} ${msg ? 'after its END_STREAM' : 'before its headers'}: ignored` })
    }
    const data = dataOf(f)
    const end = f.offset + FRAME_HEADER + f.length
    if (!data) return this.problem({ dir: f.dir, offset: f.offset, message: `a DATA frame's padding (${f.padLength ?? 0}) is longer than its payload: ignored` })
    const body = msg.body
    if (body.framing === 'none') {
      body.framing = 'h2'
      body.range = { dir: f.dir, offset: f.offset, length: 0 }
      body.chunks = []
      body.chunkTimes = []
    }
    body.range.length = end - body.range.offset
    if (data.length > 0) {
      if (body.chunks!.length < MAX_H2_DATA_RANGES) {
        body.chunks!.push({ dir: f.dir, offset: data.offset, length: data.length })
        body.chunkTimes!.push(f.time)
      } else {
        // Not listed, not lost: the body's reader finds these frames again from the first (body-content.ts).
        body.unlisted ??= { offset: f.offset, stream: wireStream }
        body.chunksOmitted = (body.chunksOmitted ?? 0) + 1
      }
      body.size += data.length
    }
    this.changed.add(entry)
    if ((f.flags & F_END_STREAM) !== 0) this.finish(entry, f.dir, end, f.time)
  }

  private reset(f: RawFrame): void {
    const entry = this.streams.get(f.stream)
    if (!entry || !f.payload || f.payload.length < 4) return
    const code = u32(f.payload, 0)
    this.close(entry, { kind: 'rst_stream', by: f.dir, code, name: h2ErrorName(code), range: { dir: f.dir, offset: f.offset, length: FRAME_HEADER + f.length }, time: f.time })
  }

  /** Streams the GOAWAY's receiver opened past its last stream were never processed: they end there. */
  private goaway(f: RawFrame): void {
    const p = f.payload
    if (!p || p.length < 8) return
    const last = u31(p, 0)
    const code = u32(p, 4)
    const end: H2StreamEnd = { kind: 'goaway', by: f.dir, code, name: h2ErrorName(code), range: { dir: f.dir, offset: f.offset, length: FRAME_HEADER + f.length }, time: f.time }
    const theirs = f.dir === 'server' ? 1 : 0
    if (theirs === 1) this.targetGoaway = end
    // Renumbered: which of the client's streams it left is the `renumber` record's to say (it follows).
    const told = theirs === 1 && this.renumber.any && last !== MAX_STREAM
    if (!told) for (const e of this.streams.values()) if (e.ex.stream! % 2 === theirs && e.ex.stream! > last) this.close(e, end)
    if (code !== 0) this.problem({ dir: f.dir, offset: f.offset, message: `the ${f.dir} ended the connection with GOAWAY ${end.name}` })
  }

  private close(entry: Entry, end: H2StreamEnd): void {
    entry.ex.ended ??= end
    entry.open.client = false
    entry.open.server = false
    this.changed.add(entry)
    this.settle(entry)
  }

  /** END_STREAM from `dir`: its message is whole. */
  private finish(entry: Entry, dir: Direction, end: number, time: number): void {
    const msg = dir === 'client' ? entry.ex.request : entry.ex.response
    if (msg) {
      msg.body.complete = true
      msg.endedAt = time
      if (msg.body.framing === 'none') msg.body.range = { dir, offset: end, length: 0 }
    }
    entry.open[dir] = false
    this.changed.add(entry)
    this.settle(entry)
  }

  private settle(entry: Entry): void {
    const ex = entry.ex
    const requestDone = !ex.request || ex.request.body.complete
    const responseDone = ex.response?.body.complete === true || entry.answered === true
    const live = entry.open.client || entry.open.server
    const state = requestDone && responseDone ? 'complete' : live ? 'pending' : 'incomplete'
    if (state !== ex.state) {
      ex.state = state
      this.changed.add(entry)
    }
    // Final: given away now and forgotten, as a take would (ConnectionDecoder.streamFinal);
    // a frame on the stream after this is one on a forgotten stream.
    if (this.sink !== undefined && state !== 'pending' && this.changed.delete(entry)) {
      this.sink.add(ex)
      if (ex.stream !== undefined) this.streams.delete(ex.stream)
    }
  }
}

/** A message from a decoded header block: its pseudo-headers give the method and path, or the status; the start line is made from them. */
function message(block: HeaderBlock, headers: HttpHeader[], kind: 'request' | 'response'): HttpMessage {
  const pseudo = (name: string): string | undefined => headers.find((h) => h.name === name)?.value
  const range = block.range
  const msg: HttpMessage = {
    dir: block.dir,
    startLine: '',
    startRange: range,
    version: 'HTTP/2',
    headers,
    headRange: range,
    body: { framing: 'none', range: { dir: block.dir, offset: block.end, length: 0 }, size: 0, complete: block.endStream },
    startedAt: block.time,
    ...(block.endStream ? { endedAt: block.time } : {})
  }
  if (kind === 'request') {
    const method = pseudo(':method') ?? ''
    const target = method === 'CONNECT' && pseudo(':path') === undefined ? (pseudo(':authority') ?? '') : (pseudo(':path') ?? '')
    msg.method = method
    msg.target = target
    msg.startLine = `${method} ${target} HTTP/2`
  } else {
    const status = Number(pseudo(':status'))
    msg.status = Number.isInteger(status) ? status : 0
    msg.startLine = `HTTP/2 ${pseudo(':status') ?? ''}`
  }
  return msg
}
