// Decodes both directions of an HTTP/1.x connection into exchanges: requests paired with
// responses in order (keep-alive and pipelining), 1xx interim responses kept apart from the
// final one, and the switch away from HTTP after 101 Switching Protocols or a 2xx to
// CONNECT, where each direction's remaining bytes are handed over (remainder) to whatever
// the connection speaks next. Exchanges are kept only until they are final. A request a
// traffic rule answered itself (its `rule` record, fed as `answered`) never reached the
// target: it waits for no response, and the target's responses pair with the others.

import type { Direction } from '../../../shared/capture-types'
import type { AnsweredBy, DecodeProblem, HttpExchange, HttpMessage, ProtocolSummary } from '../../../shared/protocol-types'
import { FRAMING_HEADERS, requestFraming, responseFraming, type Framing } from './body-framing'
import { hasHeader, headerNames, headerTokens, headerValues, type HeaderNames } from './head-parser'
import { MessageReader } from './message-reader'
import { answersClient, NOTHING_MORE, type ExchangeSink } from '../stream-decoder'
import { exchangeSummary, snapshot, SUMMARY_HEADERS } from '../exchange-snapshot'

/** Requests that may wait for their responses at once: past this a client is not speaking HTTP to a server that answers, and holding them all would be unbounded. */
export const MAX_AWAITING_RESPONSES = 1024

interface Entry {
  ex: HttpExchange
  /** Its final response has not begun. */
  awaiting: boolean
  /** Its request asked to switch protocols (Upgrade, CONNECT): the client's next bytes wait for the answer. */
  asksSwitch: boolean
  /** A rule answered it with something the client got (a response, another server's): nothing more is to come. */
  answeredWith?: boolean
}

/** Rule records that came before the request they name was read: at most this many are kept. */
const MAX_EARLY_ANSWERS = 64

export interface Http1DecoderOptions {
  start?: Partial<Record<Direction, number>>
  /** The index of the first exchange (default 0). */
  firstIndex?: number
  /** Keep only these headers of each head (lower-case names), and those this decoder reads itself. */
  onlyHeaders?: readonly string[]
}

/** Where HTTP ended on the connection and what took over. */
export interface Http1Switch {
  /** `websocket`, `tunnel` (a 2xx to CONNECT), or the Upgrade token. */
  upgrade: string
  /** The request that asked for it (h2c's is HTTP/2's stream 1). */
  request?: HttpMessage
  response: HttpMessage
}

/**
 * What reading HTTP/1 needs of a head besides what its caller keeps: framing, the upgrade
 * and, after one to WebSocket, its extensions (connection-decoder.ts), and the summary's.
 */
const OWN_HEADERS = [...FRAMING_HEADERS, 'upgrade', 'sec-websocket-extensions', ...SUMMARY_HEADERS]
/** Each caller's list matched once, not per connection (100,000 connections of one exchange each). */
const kept = new WeakMap<readonly string[], HeaderNames>()

function keptHeaders(names: readonly string[]): HeaderNames {
  let keep = kept.get(names)
  if (!keep) {
    keep = headerNames([...names, ...OWN_HEADERS])
    kept.set(names, keep)
  }
  return keep
}

export class Http1Decoder {
  private readonly client: MessageReader
  private readonly server: MessageReader
  private nextIndex: number
  private readonly awaiting: Entry[] = []
  private clientEntry: Entry | undefined
  private serverEntry: Entry | undefined
  /** The entry the paused client waits on. */
  private pausedFor: Entry | undefined
  private changed = new Set<Entry>()
  private problems: DecodeProblem[] = []
  private first: HttpExchange | undefined
  private hadProblem = false
  /** Answers of requests not read yet, by where each starts (empty unless rules answered on this connection). */
  private readonly early = new Map<number, AnsweredBy>()
  /** Set once HTTP is over on this connection: both readers are detached. */
  switched: Http1Switch | undefined
  /** Where final exchanges go at once (ConnectionDecoder.streamFinal). */
  private sink: ExchangeSink | undefined

  constructor(opts: Http1DecoderOptions = {}) {
    this.nextIndex = opts.firstIndex ?? 0
    const keep = opts.onlyHeaders && keptHeaders(opts.onlyHeaders)
    this.client = new MessageReader(
      'client',
      'request',
      {
        head: (msg) => this.requestHead(msg),
        progress: () => this.clientEntry && this.changed.add(this.clientEntry),
        complete: () => this.requestComplete(),
        problem: (p) => this.problem(p),
        finished: () => this.settleAll()
      },
      opts.start?.client ?? 0,
      keep
    )
    this.server = new MessageReader(
      'server',
      'response',
      {
        head: (msg) => this.responseHead(msg),
        progress: () => this.serverEntry && this.changed.add(this.serverEntry),
        complete: () => this.responseComplete(),
        problem: (p) => this.problem(p),
        finished: () => this.settleAll()
      },
      opts.start?.server ?? 0,
      keep
    )
  }

  private reader(dir: Direction): MessageReader {
    return dir === 'client' ? this.client : this.server
  }

  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void {
    this.reader(dir).push(bytes, offset, time)
  }

  end(dir: Direction, time: number): void {
    this.reader(dir).end(time)
  }

  /** A rule answered the client's request at `offset`: the target never got it (ConnectionDecoder.answered). */
  answered(offset: number, by: AnsweredBy): void {
    const entry = this.awaiting.find((e) => e.ex.request !== undefined && (e.ex.request.headRange.offset === offset || e.ex.request.startRange.offset === offset))
    if (entry) return this.answer(entry, by)
    if (offset < this.client.position || this.early.size >= MAX_EARLY_ANSWERS) return
    this.early.set(offset, by)
  }

  private answer(entry: Entry, by: AnsweredBy): void {
    // A response already begun is the target's: the rule record is not of this request.
    if (!entry.awaiting || entry.ex.informational.length > 0) return
    entry.ex.answeredBy = by
    entry.answeredWith = answersClient(by)
    entry.awaiting = false
    this.awaiting.splice(this.awaiting.indexOf(entry), 1)
    if (this.pausedFor === entry) {
      this.pausedFor = undefined
      this.client.resume()
    }
    this.changed.add(entry)
    this.settle(entry)
  }

  /** The capture kept nothing more of `dir`: reading stops, and a message it cut is incomplete (even one delimited by close). */
  gap(dir: Direction): void {
    this.reader(dir).notKept()
  }

  wantFrom(dir: Direction): number {
    return this.reader(dir).wantFrom()
  }

  /** Once switched: where `dir`'s bytes after HTTP start, those received so far (as they were pushed), and when it ended if it has. */
  remainder(dir: Direction): { offset: number; pieces: Array<{ offset: number; bytes: Uint8Array; time: number }>; ended?: number } {
    const reader = this.reader(dir)
    // A direction that stopped at a problem has no place where its new protocol begins.
    if (reader.stopped) return { offset: NOTHING_MORE, pieces: [] }
    const offset = reader.position - reader.queued
    return { offset, pieces: reader.remainder(), ...(reader.hasEnded ? { ended: reader.endedAt } : {}) }
  }

  /** Exchanges decoded so far. */
  get count(): number {
    return this.nextIndex
  }

  takeChanges(): { exchanges: HttpExchange[]; problems: DecodeProblem[] } {
    const exchanges = [...this.changed].sort((a, b) => a.ex.index - b.ex.index).map((e) => snapshot(e.ex))
    this.changed.clear()
    const problems = this.problems
    this.problems = []
    return { exchanges, problems }
  }

  /** takeChanges with no copies, the exchanges given to `sink` (ConnectionDecoder.takeChangesInto). */
  takeChangesInto(sink: ExchangeSink): DecodeProblem[] {
    for (const e of this.changed) sink.add(e.ex)
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

  private newEntry(request: HttpMessage | undefined): Entry {
    const ex: HttpExchange = { index: this.nextIndex++, ...(request ? { request } : {}), informational: [], state: 'pending' }
    this.first ??= ex
    return { ex, awaiting: true, asksSwitch: false }
  }

  private requestHead(msg: HttpMessage): Framing {
    if (this.awaiting.length >= MAX_AWAITING_RESPONSES) return { problem: `more than ${MAX_AWAITING_RESPONSES} requests wait for a response` }
    const entry = this.newEntry(msg)
    entry.asksSwitch = msg.method === 'CONNECT' || hasHeader(msg.headers, 'upgrade')
    this.awaiting.push(entry)
    this.clientEntry = entry
    this.changed.add(entry)
    if (this.early.size > 0) {
      const by = this.early.get(msg.headRange.offset) ?? this.early.get(msg.startRange.offset)
      for (const at of this.early.keys()) if (at <= msg.headRange.offset) this.early.delete(at)
      if (by) this.answer(entry, by)
    }
    return requestFraming(msg.headers)
  }

  private requestComplete(): void {
    const entry = this.clientEntry
    this.clientEntry = undefined
    if (!entry) return
    if (entry.ex.upgrade !== undefined) this.client.detach()
    else if (entry.asksSwitch && entry.awaiting) {
      this.pausedFor = entry
      this.client.pause()
    }
    this.settle(entry)
  }

  private responseHead(msg: HttpMessage): Framing {
    let entry = this.awaiting[0]
    if (!entry) {
      // A response nobody asked for (the capture began mid-connection, or the server spoke first).
      entry = this.newEntry(undefined)
      this.awaiting.push(entry)
    }
    this.serverEntry = entry
    this.changed.add(entry)
    const ex = entry.ex
    const status = msg.status ?? 0
    const method = ex.request?.method
    if (status >= 100 && status < 200 && status !== 101) {
      ex.informational = [...ex.informational, msg]
      return { kind: 'none' }
    }
    ex.response = msg
    entry.awaiting = false
    this.awaiting.shift()
    if (status === 101) {
      const tokens = headerTokens(msg.headers, 'upgrade')
      ex.upgrade = tokens.includes('websocket') ? 'websocket' : (headerValues(msg.headers, 'upgrade')[0] ?? '')
    } else if (method === 'CONNECT' && status >= 200 && status < 300) {
      ex.upgrade = 'tunnel'
    } else if (this.pausedFor === entry) {
      // The server did not switch: what the client sent next is HTTP again.
      this.pausedFor = undefined
      this.client.resume()
    }
    return responseFraming(status, msg.headers, method)
  }

  private responseComplete(): void {
    const entry = this.serverEntry
    this.serverEntry = undefined
    if (!entry) return
    const ex = entry.ex
    if (ex.upgrade !== undefined && ex.response) {
      this.switched = { upgrade: ex.upgrade, response: ex.response, ...(ex.request ? { request: ex.request } : {}) }
      this.server.detach()
      // A client still sending its request body would leave it unfinished; it has been answered.
      this.client.detach()
      this.pausedFor = undefined
      if (this.clientEntry === entry) this.clientEntry = undefined
    }
    this.settle(entry)
  }

  private problem(p: DecodeProblem): void {
    this.problems.push(p)
    this.hadProblem = true
  }

  /** Gives an exchange its state, and forgets it once nothing more can change it. */
  private settle(entry: Entry): void {
    const ex = entry.ex
    const requestLive = this.clientEntry === entry && !this.client.finished
    const responseLive = ex.upgrade === undefined && (entry.awaiting || this.serverEntry === entry) && !this.server.finished
    const requestDone = !ex.request || ex.request.body.complete
    const responseDone = ex.response?.body.complete === true || entry.answeredWith === true
    const state = ex.upgrade !== undefined ? 'upgraded' : requestDone && responseDone ? 'complete' : requestLive || responseLive ? 'pending' : 'incomplete'
    if (state !== ex.state) {
      ex.state = state
      this.changed.add(entry)
    }
    // Final, and out of every reader's and the pairing's reach: nothing can change it again.
    if (this.sink !== undefined && state !== 'pending' && !entry.awaiting && this.clientEntry !== entry && this.serverEntry !== entry && this.pausedFor !== entry && this.changed.delete(entry)) this.sink.add(ex)
  }

  /** A reader finished: whatever waited on it is settled now. */
  private settleAll(): void {
    for (const e of this.awaiting) this.settle(e)
    if (this.clientEntry) {
      if (this.client.finished) {
        const e = this.clientEntry
        this.clientEntry = undefined
        this.settle(e)
      } else this.settle(this.clientEntry)
    }
    if (this.serverEntry) {
      if (this.server.finished) {
        const e = this.serverEntry
        this.serverEntry = undefined
        this.settle(e)
      } else this.settle(this.serverEntry)
    }
    if (this.server.finished) this.awaiting.length = 0
    if (this.pausedFor && this.server.finished) {
      this.pausedFor = undefined
      this.client.resume()
    }
  }
}
