// One connection's packets, an event at a time, so the pcapng writer can interleave many
// connections in time order as a sniffer saw them. A cursor holds a page of the
// connection's events and, while it writes a data event, one segment's bytes.
//
// The proxy passes each side's bytes on as they came, but for one change of its own: a
// request that came to the forward proxy as absolute-form HTTP (`GET http://host/path`,
// Proxy-Connection) reached the origin in origin-form, without the proxy's headers
// (absolute-form-stage.ts). The capture keeps the client's bytes; the upstream leg carries
// them as the origin got them, through the same stage, so the file shows what went over
// each socket.

import { DIRECTIONS, tcpscopeResetOf, type CaptureEvent, type ConnectionSummary, type Direction } from '../../shared/capture-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { ExportProgress } from './export-progress'
import type { ExportSink } from './export-sink'
import { legsOf, type Addressing, type Leg } from './flow-legs'
import type { Micros } from './tcp-synth'
import { keptPieces } from './kept-bytes'
import { gapInfoOf } from '../capture/format/record-payloads'
import { AsOriginGot, absoluteFormOrigin } from '../proxy/forward/as-origin-got'

/** Events a cursor reads at once: small, since every open connection holds a page. */
const EVENT_PAGE = 256

export class ConnectionPackets {
  private readonly legs: Leg[]
  private readonly pending: Buffer[] = []
  private events: CaptureEvent[] = []
  private at = 0
  private from = 0
  private done = false
  /** Client bytes the capture holds so far: the upstream leg sends those that came before it connected. */
  private clientBytes = 0
  /** An absolute-form connection's client bytes as its origin got them, for the upstream leg; dropped after a gap (its heads can no longer be found). */
  private asOrigin: AsOriginGot | undefined
  /** The stage refused the client's bytes: the origin got none after them. */
  private originRefused = false

  constructor(
    private readonly view: CaptureView,
    private readonly conn: ConnectionSummary,
    addressing: Addressing,
    /** Wall time in ms of monotonic time 0 (the capture's start): one clock for every connection. */
    private readonly base: number
  ) {
    this.legs = legsOf(conn, addressing, (b) => this.pending.push(b))
    const origin = absoluteFormOrigin(conn)
    if (origin !== undefined) this.asOrigin = new AsOriginGot(origin)
  }

  /** The time of the next event, or undefined when the connection has no more. */
  async next(): Promise<Micros | undefined> {
    if (this.legs.length === 0) return undefined
    if (this.at >= this.events.length && !this.done) {
      this.events = await this.view.readEvents(this.conn.id, this.from, EVENT_PAGE)
      this.from += this.events.length
      this.at = 0
      this.done = this.events.length < EVENT_PAGE
    }
    const e = this.events[this.at]
    return e === undefined ? undefined : this.micros(e)
  }

  private micros(e: CaptureEvent): Micros {
    return Math.max(0, Math.round((this.base + e.mono) * 1000))
  }

  /** Writes the packets of the next event (after next() said there is one). */
  async write(sink: ExportSink, progress: ExportProgress): Promise<void> {
    const e = this.events[this.at++]
    const at = this.micros(e)
    const side = e.dir === 'server' ? 1 : 0
    const legs = this.legs
    switch (e.kind) {
      case 'open':
      case 'connected':
        for (const leg of legs) {
          if (leg.opensAt !== e.kind || leg.open) continue
          leg.flow.handshake(at)
          leg.open = true
          if (leg.sent < this.clientBytes) await this.send(sink, leg, 'client', leg.sent, this.clientBytes, at)
          leg.sent = this.clientBytes
        }
        break
      case 'data':
      case 'gap': {
        // A gap goes through as its bytes would have (send() turns it into sequence numbers only).
        const dir = e.dir ?? 'client'
        const gap = e.kind === 'gap' ? gapInfoOf(e.info) : undefined
        if (e.kind === 'gap' && gap === undefined) break
        const start = gap?.offset ?? e.offset ?? 0
        const end = start + (gap?.bytes ?? e.length ?? 0)
        // The proxy passes bytes on after it got them: the sender's leg comes first.
        for (const leg of dir === 'client' ? legs : [...legs].reverse()) {
          // Nothing crosses a leg after its reset (what the target sent after tcpscope reset the client went nowhere).
          if (!leg.open || leg.closed) continue
          if (dir === 'client') {
            await this.send(sink, leg, dir, Math.max(leg.sent, start), end, at)
            leg.sent = Math.max(leg.sent, end)
          } else await this.send(sink, leg, dir, start, end, at)
        }
        if (dir === 'client') this.clientBytes = Math.max(this.clientBytes, end)
        progress.step(end - start)
        break
      }
      case 'fin':
        for (const leg of side === 0 ? legs : [...legs].reverse()) leg.fin(side, at)
        break
      case 'reset':
        for (const leg of side === 0 ? legs : [...legs].reverse()) leg.reset(side, at)
        break
      case 'action':
        // A person's RST to one side, drawn when it was sent (the connection may end much later).
        if (e.info?.action === 'rst') this.resetByTcpscope(e.dir === 'server' ? 'client' : 'server', at)
        break
      case 'close': {
        // A reset tcpscope made (a rule, a breakpoint, a toxic): an RST to each side it reset, unless drawn already.
        const reset = e.info?.end === 'tcpscope-reset' ? tcpscopeResetOf(e.info.reset) : undefined
        for (const to of DIRECTIONS) if (reset?.rst[to] === true) this.resetByTcpscope(to, at)
        break
      }
    }
    await this.drain(sink)
  }

  /**
   * tcpscope sent `to` an RST: on the leg that reaches `to`, from the address at that leg's
   * other end, as `to` saw it (the client one from the address it connected to, the target
   * one from the proxy's local address).
   */
  private resetByTcpscope(to: Direction, at: Micros): void {
    const leg = this.legs.find((l) => l.opensAt === (to === 'client' ? 'open' : 'connected'))
    leg?.reset(to === 'client' ? 1 : 0, at)
  }

  private async drain(sink: ExportSink): Promise<void> {
    for (const b of this.pending.splice(0)) await sink.write(b)
  }

  /** Bytes [from, to) of `dir` onto a leg, a segment at a time. */
  private async send(sink: ExportSink, leg: Leg, dir: Direction, from: number, to: number, at: Micros): Promise<void> {
    const side = dir === 'client' ? 0 : 1
    const toOrigin = dir === 'client' && leg.opensAt === 'connected'
    for await (const piece of keptPieces(this.view, this.conn.id, dir, from, to, leg.flow.maxPayload)) {
      // A gap is no packet, but its bytes count in the sequence numbers: "previous segment not captured".
      if ('gap' in piece) {
        if (toOrigin) this.asOrigin = undefined
        leg.flow.notCaptured(side, piece.gap)
      } else if (toOrigin && this.asOrigin !== undefined) {
        for (const b of this.originGot(piece.bytes)) for (let i = 0; i < b.length; i += leg.flow.maxPayload) leg.flow.data(side, at, b.subarray(i, i + leg.flow.maxPayload))
      } else leg.flow.data(side, at, piece.bytes)
      await this.drain(sink)
    }
  }

  /**
   * Client bytes as the origin got them. Bytes the stage cannot read (the proxy refused them,
   * and recorded that) never reached the origin: from there, nothing more goes on its leg.
   */
  private originGot(bytes: Buffer): Buffer[] {
    if (this.originRefused) return []
    try {
      return this.asOrigin!.pass(bytes)
    } catch {
      this.originRefused = true
      return []
    }
  }
}
