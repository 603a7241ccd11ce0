// One direction of a connection under toxics (a ForwardStage, forward-stage.ts): each chunk
// passes the toxics in force on its stream, in the registry's order, and goes out on a
// schedule of its own, as Toxiproxy's toxics/*.go would send it (docs/faults.md has the
// table). latency delays it from the time it was read, slicer bisects it into pieces with a
// pause after each, bandwidth sends a slice of 100 ms worth at a time, slow_close delays the
// FIN after the last byte, corrupt flips bits, limit_data passes its bytes and then closes
// the connection, reset_peer drops the first chunk it gets and resets the connection
// `timeout` later, and a timeout in force (toxic-connection.ts) drops what comes.
// Everything leaves in the order it came. A delaying toxic that leaves (removed, paused)
// lets what it held go at once, as Toxiproxy's "don't drop any data on the floor" does.
// What this keeps waiting is bounded: past HOLD_BYTES the sender is not read until the
// schedule has sent it down again, so a slowed upload holds about that much, not all of it.

import type { ToxicStream } from '../../shared/fault-types'
import type { ForwardStage, StagePort } from '../proxy/forward-stage'
import { fault } from './fault-record'
import { timerMs } from '../net/timer-ms'
import type { ToxicEntry } from './toxic-registry'
import { corruptBytes } from './corrupt-bytes'

/** Kept waiting beyond this, the sender is held (a few chunks of 64 KiB: enough for any rate a test or a person sets). */
export const HOLD_BYTES = 1024 * 1024
/** Sent within this many ms of its time: a timer is no finer than that anyway. */
const SLACK_MS = 1

interface Scheduled {
  /** performance.now() at which it goes out. */
  at: number
  bytes?: Buffer
  /** Done once what came before it is sent: a FIN, a close. */
  then?: (port: StagePort) => void
  /** Kept at its time when a delaying toxic leaves: reset_peer's reset, which nothing stops once it started. */
  fixed?: boolean
}

/** What a direction asks of its connection (ToxicConnection): which toxics are in force, and when it opens and closes. */
export interface DirectionToxics {
  opened(): void
  closed(): void
  inForce(stream: Exclude<ToxicStream, 'both'>, chunk?: Buffer): ToxicEntry[]
  silencer(stream: Exclude<ToxicStream, 'both'>): ToxicEntry | undefined
  /** A timeout in force dropped a chunk (its timer starts again) or saw the sender's FIN (it closes now). */
  silenced(t: ToxicEntry, what: 'chunk' | 'fin'): void
}

export class ToxicDirection implements ForwardStage {
  port: StagePort | undefined
  private queue: Scheduled[] = []
  private head = 0
  private queuedBytes = 0
  private held = false
  /** When the last scheduled item goes out; nothing is scheduled before it. */
  private last = 0
  private timer: NodeJS.Timeout | undefined
  /** Nothing more passes: limit_data closed the connection, or reset_peer is about to reset it. */
  private stopped = false
  /** The toxics that delayed what waits in the queue: when they all leave, it goes at once. */
  private readonly delayers = new Set<ToxicEntry>()
  /** Bytes passed so far per limit_data toxic. */
  private readonly passed = new Map<ToxicEntry, number>()
  /** The rate last recorded per bandwidth toxic, so a throttle is recorded once, not per chunk. */
  private readonly rates = new Map<ToxicEntry, number>()
  private dropNoted = false

  constructor(
    private readonly conn: DirectionToxics,
    private readonly stream: Exclude<ToxicStream, 'both'>
  ) {}

  open(port: StagePort): void {
    this.port = port
    this.conn.opened()
  }

  data(chunk: Buffer, port: StagePort): void {
    if (this.stopped) return
    const silencer = this.conn.silencer(this.stream)
    if (silencer !== undefined) {
      // Toxiproxy's timeout drops what comes while it is in force; recorded once per spell.
      if (!this.dropNoted) port.event('fault', fault(silencer, 'dropping data while the timeout is in force', 'dropping'))
      this.dropNoted = true
      this.conn.silenced(silencer, 'chunk')
      return
    }
    this.dropNoted = false
    const toxics = this.conn.inForce(this.stream, chunk)
    if (toxics.length === 0 && this.head === this.queue.length) return void port.send(chunk)
    let bytes = chunk
    let delay = 0
    let slicer: ToxicEntry | undefined
    let bandwidth: ToxicEntry | undefined
    let limited: ToxicEntry | undefined
    let resetter: ToxicEntry | undefined
    for (const t of toxics) {
      const a = t.attributes
      if (t.type === 'corrupt') {
        const { out, flips } = corruptBytes(bytes, a.probability)
        bytes = out
        if (flips > 0) port.event('fault', fault(t, `corrupted ${flips} bit${flips === 1 ? '' : 's'} in ${bytes.length} B`, 'corrupted', { count: flips, bytes: bytes.length }))
      } else if (t.type === 'latency') {
        delay += latencyMs(a.latency, a.jitter)
      } else if (t.type === 'reset_peer') {
        // Toxiproxy's reset_peer takes the chunk and never passes it on: the toxics after it never see it.
        resetter = t
        break
      } else if (t.type === 'slicer') slicer = t
      else if (t.type === 'bandwidth') bandwidth = t
      else if (t.type === 'limit_data' && limited === undefined) {
        const passed = this.passed.get(t) ?? 0
        const room = Math.max(0, a.bytes - passed)
        if (bytes.length >= room) {
          bytes = bytes.subarray(0, room)
          limited = t
        }
        this.passed.set(t, passed + bytes.length)
      }
    }
    const now = performance.now()
    // From the time the chunk was read, as Toxiproxy's latency measures from the chunk's timestamp: a chunk that queued behind another does not wait its delay again.
    let at = Math.max(this.last, now + delay)
    if (delay > 0) {
      const latency = toxics.find((t) => t.type === 'latency')!
      this.delayers.add(latency)
      port.event('fault', fault(latency, `delayed ${Math.round(delay)} ms`, 'delayed', { ms: Math.round(delay) }))
    }
    if (resetter !== undefined) return this.resetAfter(resetter, at)
    const pieces = slicer !== undefined ? slicerPieces(bytes, slicer.attributes.average_size, slicer.attributes.size_variation) : [bytes]
    if (slicer !== undefined) this.delayers.add(slicer)
    if (slicer !== undefined && pieces.length > 1) port.event('fault', fault(slicer, `sliced into ${pieces.length} pieces`, 'sliced', { count: pieces.length }))
    const rate = bandwidth !== undefined ? bandwidth.attributes.rate : 0
    if (bandwidth !== undefined && this.rates.get(bandwidth) !== rate) {
      this.rates.set(bandwidth, rate)
      port.event('fault', rate > 0 ? fault(bandwidth, `throttled to ${rate} KB/s`, 'throttled', { rate }) : fault(bandwidth, 'unthrottled (rate 0)', 'unthrottled'))
    }
    if (bandwidth !== undefined && rate > 0) this.delayers.add(bandwidth)
    // Toxiproxy's slicer waits its delay (µs) after every piece, the last too, before it takes the next chunk.
    const pauseMs = slicer !== undefined ? slicer.attributes.delay / 1000 : 0
    for (const piece of pieces) {
      // Toxiproxy's bandwidth sends rate*100 bytes (100 ms worth; its KB is 1000 bytes) at a time, each once the link has had
      // time to carry it. Times are absolute here, so what a timer oversleeps is made up on the next piece, as Toxiproxy's
      // carried `sleep` remainder does.
      for (const part of rate > 0 ? fixedPieces(piece, rate * 100) : [piece]) {
        if (rate > 0) at = Math.max(at, this.last) + part.length / rate
        this.schedule({ at, bytes: part })
      }
      if (pauseMs > 0) at = this.pause(at + pauseMs)
    }
    if (limited !== undefined) {
      this.stopped = true
      const t = limited
      this.schedule({ at, then: (p) => (p.event('fault', fault(t, `limited at ${t.attributes.bytes} B, closed`, 'limited', { bytes: t.attributes.bytes })), p.close()) })
    }
    this.pump()
  }

  fin(port: StagePort): void {
    if (this.stopped) return
    const silencer = this.conn.silencer(this.stream)
    // Toxiproxy's timeout closes the connection as soon as its sender ends.
    if (silencer !== undefined) return this.conn.silenced(silencer, 'fin')
    const toxics = this.conn.inForce(this.stream)
    const now = performance.now()
    // Toxiproxy's reset_peer takes the end of input as its first chunk: it waits its timeout and resets all the same.
    const resetter = toxics.find((t) => t.type === 'reset_peer')
    if (resetter !== undefined) return this.resetAfter(resetter, now)
    const slow = toxics.find((t) => t.type === 'slow_close')
    const delay = slow?.attributes.delay ?? 0
    if (slow !== undefined && delay > 0) {
      this.delayers.add(slow)
      port.event('fault', fault(slow, `FIN delayed ${delay} ms`, 'fin-delayed', { ms: delay }))
    }
    // The delay starts once the bytes before the FIN are out, as the FIN reaches Toxiproxy's slow_close after them.
    this.schedule({ at: Math.max(now, this.last) + delay, then: (p) => p.end() })
    this.pump()
  }

  /** reset_peer got its first chunk (dropped) or the FIN: after `timeout` ms, and after what was sent before, both sides are reset. */
  private resetAfter(t: ToxicEntry, from: number): void {
    this.stopped = true
    this.schedule({ at: Math.max(from, this.last) + t.attributes.timeout, fixed: true, then: (p) => (p.event('fault', fault(t, `reset by toxic ${t.name}`, 'reset')), p.reset('toxic')) })
    this.pump()
  }

  /**
   * Told by the connection after every change of the registry: once no toxic that delayed
   * what waits here is in force any more, it goes now (Toxiproxy's removed latency, bandwidth
   * or slicer passes what it held on at once; a removed slow_close closes at once).
   */
  review(): void {
    if (this.delayers.size === 0) return
    const still = new Set(this.conn.inForce(this.stream))
    let left = false
    for (const t of this.delayers) {
      if (still.has(t)) continue
      this.delayers.delete(t)
      left = true
    }
    if (!left || this.delayers.size > 0) return
    const now = performance.now()
    let i = this.head
    for (; i < this.queue.length && this.queue[i].fixed !== true; i++) this.queue[i].at = Math.min(this.queue[i].at, now)
    if (i === this.queue.length) this.last = Math.min(this.last, now)
    this.pump()
  }

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.queue = []
    this.head = 0
    this.conn.closed()
  }

  /** Nothing is scheduled before `until` (slicer's pause after a piece); returns it. */
  private pause(until: number): number {
    this.last = Math.max(this.last, until)
    return this.last
  }

  private schedule(item: Scheduled): void {
    item.at = Math.max(item.at, this.last)
    this.last = item.at
    this.queue.push(item)
    if (item.bytes === undefined) return
    this.queuedBytes += item.bytes.length
    if (!this.held && this.queuedBytes > HOLD_BYTES) {
      this.held = true
      this.port?.hold(true)
    }
  }

  /** Sends what is due, then waits for the next. */
  private readonly pump = (): void => {
    clearTimeout(this.timer)
    this.timer = undefined
    const port = this.port
    if (port === undefined) return
    const now = performance.now()
    while (this.head < this.queue.length && this.queue[this.head].at <= now + SLACK_MS) {
      const item = this.queue[this.head++]
      if (item.bytes !== undefined) {
        this.queuedBytes -= item.bytes.length
        port.send(item.bytes)
      }
      item.then?.(port)
    }
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    }
    if (this.held && this.queuedBytes <= HOLD_BYTES / 2) {
      this.held = false
      port.hold(false)
    }
    if (this.head < this.queue.length) {
      this.timer = setTimeout(this.pump, timerMs(this.queue[this.head].at - now))
    }
  }
}

/** A chunk's delay under latency: Toxiproxy draws the jitter as a whole number of ms in [-jitter, jitter); below 0 it goes at once. */
export function latencyMs(latency: number, jitter: number): number {
  const j = Math.floor(jitter)
  return Math.max(0, latency + (j > 0 ? Math.floor(Math.random() * 2 * j) - j : 0))
}

/**
 * Toxiproxy's slicer: a piece longer than `average + variation` is cut in two at its middle,
 * moved by up to `variation` either way, and each half again; so pieces come out between
 * about half the average and `average + variation`. Two cases where Toxiproxy's Go code
 * crashes are made safe: an average below 1 passes the chunk whole (Go recurses without
 * end), and the cut stays inside the piece (a variation over half a piece panics in Go).
 */
export function slicerPieces(bytes: Buffer, average: number, variation: number): Buffer[] {
  if (!(average >= 1)) return [bytes]
  const v = Math.max(0, Math.floor(variation))
  const out: Buffer[] = []
  // Depth-first with an explicit stack, right half pushed first so pieces come out in order.
  const stack: Array<[number, number]> = [[0, bytes.length]]
  while (stack.length > 0) {
    const [start, end] = stack.pop()!
    if (end - start - average <= v) {
      out.push(bytes.subarray(start, end))
      continue
    }
    let mid = start + Math.floor((end - start) / 2)
    if (v > 0) mid += Math.floor(Math.random() * 2 * v) - v
    mid = Math.min(end - 1, Math.max(start + 1, mid))
    stack.push([mid, end], [start, mid])
  }
  return out
}

/** Consecutive pieces of `size` bytes, the last one shorter. */
function fixedPieces(bytes: Buffer, size: number): Buffer[] {
  if (bytes.length <= size) return [bytes]
  const out: Buffer[] = []
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size))
  return out
}
