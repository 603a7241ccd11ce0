// One capture's decoding: per connection, a decoder fed its records in capture order, and
// what it found kept in short (exchanges in the capture's ExchangeTable, WebSocket messages,
// problems, the protocol summary). Connections that grew are decoded in the background, a
// few milliseconds at a time, never on the path that records bytes; a query that needs a
// connection (or all of them) decoded catches up first, for a bounded time.

import type { ProtocolSummary } from '../../shared/protocol-types'
import { targetPort } from '../../shared/endpoint'
import type { CaptureView } from '../capture/query/capture-queries'
import { RECORD_HEADER_SIZE } from '../capture/format/capture-format'
import { DecoderLostError, type DecoderHost } from './decoder-host'
import type { FeedResult } from './decoder-set'
import { readBatch } from './decode-feed'
import { ConnDecoding, flagsOf } from './conn-decoding'
import { ExchangeTable } from './exchange-table'
import { lanesFor } from './decode-lanes'
import { FileWindows, RecentWindows, RunWindows, type RunWindow } from './run-windows'
import { InfoTexts } from './info-texts'
import { ReadPacing } from './read-pacing'
import { LivePacing } from './live-pacing'

/** A background run works at most this long before it lets other work in. */
const SLICE_MS = 5
/** How long a query about one connection waits for its decoding to catch up. */
const CATCH_UP_MS = 5000
/** How often a live capture is checked for connections that grew. */
const POLL_MS = 500

/** How a decode call ended: caught up, out of time, or at the end of its run's window. */
type Outcome = 'done' | 'slice' | 'until'

let nextKey = 1

export class CaptureDecoding {
  readonly table = new ExchangeTable()
  private readonly conns = new Map<number, ConnDecoding>()
  /** Connections with more to decode, in the order they were noticed. */
  private readonly dirty = new Set<number>()
  private running: Promise<void> | undefined
  private readonly idleWaiters: (() => void)[] = []
  private closed = false
  /** A file's run is paced while a person scrolls the list (read-pacing.ts); a live capture's is not. */
  readonly pacing = new ReadPacing()
  private poll: NodeJS.Timeout | undefined
  private later: NodeJS.Timeout | undefined
  /** The run left records it had not the window for: the next one starts at once, unless traffic goes on. */
  private more = false
  /** When a live capture's growth is decoded (live-pacing.ts). */
  private readonly livePacing = new LivePacing()
  /** Connections of the current run not decoded yet. */
  private queued = 0
  /** Where a file's windows lie (a file's runs), and a live capture's (a live run's). */
  private readonly fileWindows: FileWindows
  private readonly recent: RecentWindows
  /** The capture's size at the last sweep, and how many connections it had. */
  private sweptSize = -1
  private sweptRows = 0
  /** changed() was called since the poll last looked. */
  private told = false
  /**
   * Counts changes to what the connection list shows of decoding (a protocol found, an
   * exchange or message added or answered, a problem): a front end refetches the rows on
   * screen when it moves, since nothing else would tell it.
   */
  version = 0
  /** Each connection's Info words, what a plain filter word is looked for in. */
  private readonly info = new InfoTexts(this.conns, this.table)

  constructor(
    readonly view: CaptureView,
    private readonly host: DecoderHost,
    /** Told when `version` moved. */
    private readonly onSummaries: () => void = () => undefined
  ) {
    this.fileWindows = new FileWindows(view)
    this.recent = new RecentWindows(view)
  }

  conn(connId: number): ConnDecoding | undefined {
    return this.conns.get(connId)
  }

  /** Its connections in the order they opened (those looked at so far). */
  connections(): IterableIterator<ConnDecoding> {
    return this.conns.values()
  }

  /**
   * A live capture is looked at every POLL_MS too: connections are told of (changed) only
   * while a front end listens for their events, and decoding must keep up without one.
   */
  follow(): void {
    if (this.poll || this.closed) return
    this.recent.startAt(this.view.info().size)
    let size = -1
    this.poll = setInterval(() => {
      // Told of every change (a front end listens): no pass over every connection is needed.
      if (this.told) {
        this.told = false
        return
      }
      const now = this.view.info().size
      if (now === size || this.running) return
      size = now
      // Paced as growth that was told of is (scheduleLater): while traffic goes on, decoding keeps its share.
      void this.sweep(false)
        .then(() => {
          if (this.dirty.size > 0) this.scheduleLater()
        })
        .catch(() => undefined)
    }, POLL_MS)
    this.poll.unref()
  }

  /** A connection grew or ended (live): decode it soon, in the background. */
  changed(connId: number): void {
    if (this.closed) return
    this.told = true
    this.dirty.add(connId)
    this.scheduleLater()
  }

  /** Live growth is decoded a while after it is noticed (live-pacing.ts). */
  private scheduleLater(): void {
    if (this.running || this.later || this.closed) return
    this.later = setTimeout(() => {
      this.later = undefined
      this.schedule()
    }, this.livePacing.delay())
    this.later.unref()
  }

  /**
   * Every connection whose bytes or end differ from what was decoded is queued (and, with
   * `start`, decoded at once); returns how many connections the capture has. Costs a pass
   * over the index's fields, no reads.
   */
  async sweep(start = true): Promise<number> {
    // A file that was swept has nothing new to find until it grows (a list query sweeps each
    // call; over 100,000 connections the passes cost a sixth of the file's decoding). A live
    // capture is swept each time: an end may be indexed after the bytes that tell of it.
    const size = this.view.info().size
    if (this.poll === undefined && size === this.sweptSize) {
      if (start && this.dirty.size > 0) this.schedule()
      return this.sweptRows
    }
    const rows = await this.view.allRows()
    const f = rows.fields
    for (let row = 0; row < rows.size; row++) {
      const id = f.id(row)
      const c = this.conns.get(id)
      if (c && (c.finished || c.saw(rows.bytes(row, 'client'), rows.bytes(row, 'server'), flagsOf(f.end(row), f.fin(row, 'client'), f.fin(row, 'server'))))) continue
      this.dirty.add(id)
    }
    this.sweptSize = size
    this.sweptRows = rows.size
    if (start && this.dirty.size > 0) this.schedule()
    return rows.size
  }

  /** How many of the capture's connections are decoded as far as they go now. */
  progress(of: number): { done: number; of: number } {
    return { done: Math.max(0, of - this.dirty.size - this.queued), of }
  }

  /** Decodes whatever is queued for at most `ms` (or until done); true when nothing is left. */
  async catchUp(ms: number, signal?: AbortSignal): Promise<boolean> {
    await this.sweep()
    if (this.dirty.size === 0 && !this.running) return true
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
    const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }))
    await Promise.race([idle, timeout, aborted])
    clearTimeout(timer)
    return this.dirty.size === 0 && !this.running
  }

  /**
   * Decodes one connection as far as its records go now, for at most CATCH_UP_MS: a live
   * connection that grows faster than it decodes is answered with what is decoded by then.
   */
  async catchUpConn(connId: number): Promise<ConnDecoding> {
    const c = this.ensure(connId)
    await this.decode(c, CATCH_UP_MS).catch(async (err: unknown) => {
      if (!(err instanceof DecoderLostError)) throw err
      await this.decode(c, CATCH_UP_MS)
    })
    return c
  }

  private ensure(connId: number): ConnDecoding {
    let c = this.conns.get(connId)
    if (!c) {
      c = new ConnDecoding(connId, nextKey++)
      this.conns.set(connId, c)
    }
    return c
  }

  private schedule(): void {
    if (this.running || this.closed) return
    const t0 = performance.now()
    const size0 = this.view.info().size
    this.running = this.runQueue().finally(() => {
      this.running = undefined
      this.queued = 0
      this.livePacing.ran(performance.now() - t0, this.poll !== undefined && this.view.info().size > size0)
      const more = this.more
      this.more = false
      // A file decoded to its end: its Info words are made ahead of a first plain word (a live capture's first word makes them).
      if (this.dirty.size === 0 && !this.closed && !this.view.info().live) this.info.prepare(this.version, () => this.version)
      if (this.dirty.size === 0 || this.closed) for (const w of this.idleWaiters.splice(0)) w()
      else if (this.idleWaiters.length > 0 || (more && !this.livePacing.busy)) this.schedule()
      else this.scheduleLater()
    })
  }

  /**
   * One run over the connections queued when it began: what is queued while it runs waits
   * for the next run (live-pacing.ts), so a connection that keeps growing is decoded in
   * batches of many records, not one record at a time as fast as they come. A live run reads
   * one window; a file's goes through the file's windows to its end (run-windows.ts).
   */
  private async runQueue(): Promise<void> {
    const live = this.poll !== undefined
    const liveUntil = live ? await this.recent.next() : undefined
    // A file's rows at once; one that fails to load is loaded (and its failure met) as its connection is decoded.
    if (!live) await this.view.loadForDecoding().catch(() => undefined)
    const queue = [...this.dirty]
    this.dirty.clear()
    let sliceStart = performance.now()
    this.queued = queue.length
    const windows = new RunWindows(
      queue,
      live ? () => ({ start: 0, until: liveUntil, read: () => Promise.resolve() }) : () => this.fileWindows.next(),
      (w) => {
        if (!live) this.fileWindows.done(w)
      },
      !live,
      (connId, more) => {
        this.queued--
        if (more) {
          this.dirty.add(connId)
          this.more = true
        }
      }
    )
    // Not begun, and opened after one that had nothing in the window: nothing in it either (RunWindow.beyond).
    const passedOver = (connId: number, w: RunWindow): boolean => connId > w.beyond && w.until !== undefined && (this.conns.get(connId)?.cursor ?? 0) === 0
    // A lane decodes one connection after another; lanes overlap one connection's reads and
    // its round trip to the worker with the others' (one lane waited out each in turn: 100,000
    // one-exchange connections decoded at 5,000 a second with both threads mostly idle).
    const closed = (): boolean => this.closed
    const lane = async (_: unknown, index: number): Promise<void> => {
      let job: { connId: number; w: RunWindow } | undefined
      while ((job = await windows.take(closed, passedOver)) !== undefined) {
        const { w } = job
        const c = this.ensure(job.connId)
        const untouched = c.cursor === 0 && w.until !== undefined
        let more = false
        try {
          // A connection is taken as far as the window goes before the next: time slices only let other work in.
          let outcome: Outcome
          while ((outcome = await this.decode(c, SLICE_MS, sliceStart, w, live ? undefined : index)) === 'slice' && !this.closed) {
            await new Promise<void>((resolve) => setImmediate(resolve))
            sliceStart = performance.now()
          }
          // Records past this window were there already: the next window (or run) takes them.
          more = outcome === 'until' && w.until !== undefined && w.until < this.view.info().size
          if (more && untouched && c.cursor === 0) w.beyond = Math.min(w.beyond, c.connId)
        } catch (err) {
          // Its records could not be read (a damaged file): kept as decoded so far; what asks for it is told why.
          if (!(err instanceof DecoderLostError)) {
            c.unreadable = err instanceof Error ? err : new Error(String(err))
            this.finish(c)
          }
        }
        windows.done(w, c.connId, more)
        if (performance.now() - sliceStart >= SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve))
          sliceStart = performance.now()
        }
      }
    }
    const info = this.view.info()
    const lanes = lanesFor(live, info.size, info.connections)
    await Promise.all(Array.from({ length: Math.min(lanes, queue.length) }, lane))
  }

  /**
   * Feeds a connection's records, batch after batch, until caught up with what it had
   * recorded (true) or `ms` after `since` (false). Live growth after that is told apart
   * (changed, or the poll's sweep). In a run, only the records before its window's end; and
   * a file's run's `lane` is paced while a person scrolls the list.
   */
  private decode(c: ConnDecoding, ms: number, since = performance.now(), w?: RunWindow, lane?: number): Promise<Outcome> {
    const body = async (): Promise<Outcome> => {
      const until = w?.until
      while (!c.finished && !this.closed) {
        // Before each batch, not each connection: lanes woken together would each do one.
        const rest = lane === undefined ? undefined : this.pacing.rest(lane, () => this.closed)
        if (rest) await rest
        const s = await this.view.decodeState(c.connId)
        if (!s) return 'done'
        const flags = flagsOf(s.end, s.finClient, s.finServer)
        const batch = await readBatch(this.view, c.connId, s.kind, c.cursor, c.want(), c.ended(), until, c.detecting)
        // Each record read costs its header too: 100,000 one-exchange connections are mostly headers.
        const used = batch.bytes.length + (batch.next - c.cursor) * RECORD_HEADER_SIZE
        this.recent.used += used
        if (w) w.used += used
        // The connection's last records (it is over, and this batch reads to its end): its
        // decoder goes with the answer, and finish() has none to drop.
        const last = batch.next >= batch.total && !batch.stopped && s.end !== 'open'
        let fedLast = false
        // A connection whose records all lie past the run's window has nothing to tell its decoder yet.
        if (batch.ops.length > 0 || (c.protocolCode < 0 && !(batch.stopped && batch.next === c.cursor))) {
          let result: FeedResult
          try {
            result = await this.host.feed(c.key, batch.ops, batch.bytes, c.protocolCode < 0 ? { port: targetPort(s.target) } : undefined, last)
            fedLast = last
          } catch (err) {
            if (err instanceof DecoderLostError) {
              c.restart(nextKey++)
              this.dirty.add(c.connId)
            }
            throw err
          }
          this.apply(c, result)
        }
        for (const dir of batch.ended) {
          if (dir === 'client') c.endedClient = true
          else c.endedServer = true
        }
        c.cursor = batch.next
        if (batch.next >= batch.total && batch.stopped) return 'until'
        if (batch.next >= batch.total) {
          c.seenClient = s.bytesClient
          c.seenServer = s.bytesServer
          c.seenFlags = flags
          if (s.end !== 'open') this.finish(c, fedLast)
          return 'done'
        }
        if (performance.now() - since >= ms) return 'slice'
      }
      return 'done'
    }
    // Nothing under way for the connection (nearly always): begun at once, not a turn later behind a resolved promise.
    const run = c.busy === undefined ? body() : c.busy.then(body)
    const settled = run.then(
      () => undefined,
      () => undefined
    )
    c.busy = settled
    void settled.then(() => {
      if (c.busy === settled) c.busy = undefined
    })
    return run
  }

  /** Something else that the connection list shows of decoding changed (a framing chosen): front ends fetch their rows again. */
  moved(): void {
    this.version++
    this.info.moved()
    this.onSummaries()
  }

  /** Every record is fed and nothing more will come: the decoder (unless its last feed took it) and the feed's state go. */
  private finish(c: ConnDecoding, dropped = false): void {
    c.finished = true
    if (!dropped) this.host.drop(c.key)
  }

  private apply(c: ConnDecoding, r: FeedResult): void {
    if (c.take(r, this.table)) {
      c.infoText = undefined
      this.version++
      this.onSummaries()
    }
  }

  /** What a connection was decoded as so far, in short (the connection list's columns); undefined before decoding looked. */
  summary(c: ConnDecoding): ProtocolSummary | undefined {
    return c.summary(this.table)
  }

  /** What a plain filter word is looked for in (info-texts.ts). */
  infoText(c: ConnDecoding): string {
    return this.info.text(c)
  }

  /** The connections whose Info words hold `word` (lower case), all found at once; undefined for a word tested one by one. */
  infoHolding(word: string): ((connId: number) => boolean) | undefined {
    return this.info.holding(word, this.version)
  }

  close(): void {
    this.closed = true
    this.info.stop()
    clearInterval(this.poll)
    clearTimeout(this.later)
    for (const c of this.conns.values()) if (!c.finished) this.host.drop(c.key)
    for (const w of this.idleWaiters.splice(0)) w()
  }
}

