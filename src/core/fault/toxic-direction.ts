// One direction of a connection under toxics (a ForwardStage, forward-stage.ts): each chunk
// passes the toxics in force on its stream, in the registry's order, and goes out on a
// schedule of its own. latency delays it, slicer cuts it into pieces spaced by its delay,
// bandwidth spaces what goes out by its size, slow_close delays the FIN after the last byte,
// corrupt flips bits, limit_data passes its bytes and then closes the connection, and a
// timeout in force (toxic-connection.ts) drops what comes. Everything leaves in the order it
// came. What this keeps waiting is bounded: past HOLD_BYTES the sender is not read until the
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
}

/** What a direction asks of its connection (ToxicConnection): which toxics are in force, and when it opens and closes. */
export interface DirectionToxics {
  opened(): void
  closed(): void
  inForce(stream: Exclude<ToxicStream, 'both'>, chunk?: Buffer): ToxicEntry[]
  silencer(stream: Exclude<ToxicStream, 'both'>): ToxicEntry | undefined
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
  /** Nothing more passes: limit_data closed the connection. */
  private stopped = false
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
    for (const t of toxics) {
      const a = t.attributes
      if (t.type === 'corrupt') {
        const { out, flips } = corruptBytes(bytes, a.probability)
        bytes = out
        if (flips > 0) port.event('fault', fault(t, `corrupted ${flips} bit${flips === 1 ? '' : 's'} in ${bytes.length} B`, 'corrupted', { count: flips, bytes: bytes.length }))
      } else if (t.type === 'latency') {
        delay += Math.max(0, a.latency + a.jitter * (2 * Math.random() - 1))
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
    let at = Math.max(this.last, now + delay)
    if (delay > 0) port.event('fault', fault(toxics.find((t) => t.type === 'latency')!, `delayed ${Math.round(delay)} ms`, 'delayed', { ms: Math.round(delay) }))
    const pieces = slicer !== undefined ? slice(bytes, slicer.attributes.average_size, slicer.attributes.size_variation) : [bytes]
    if (slicer !== undefined && pieces.length > 1) port.event('fault', fault(slicer, `sliced into ${pieces.length} pieces`, 'sliced', { count: pieces.length }))
    const rate = bandwidth !== undefined ? bandwidth.attributes.rate : 0
    if (bandwidth !== undefined && this.rates.get(bandwidth) !== rate) {
      this.rates.set(bandwidth, rate)
      port.event('fault', rate > 0 ? fault(bandwidth, `throttled to ${rate} KB/s`, 'throttled', { rate }) : fault(bandwidth, 'unthrottled (rate 0)', 'unthrottled'))
    }
    const gapMs = slicer !== undefined ? slicer.attributes.delay / 1000 : 0
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) at += gapMs
      // Toxiproxy's KB is 1000 bytes; a piece leaves once the link has had time to carry it.
      for (const part of rate > 0 ? slice(pieces[i], rate * 100, 0) : [pieces[i]]) {
        if (rate > 0) at = Math.max(at, this.last) + part.length / rate
        this.schedule({ at, bytes: part })
      }
    }
    if (limited !== undefined) {
      this.stopped = true
      const t = limited
      this.schedule({ at, then: (p) => (p.event('fault', fault(t, `limited at ${t.attributes.bytes} B, closed`, 'limited', { bytes: t.attributes.bytes })), p.close()) })
    }
    this.pump()
  }

  fin(port: StagePort): void {
    const slow = this.conn.inForce(this.stream).find((t) => t.type === 'slow_close')
    const delay = slow?.attributes.delay ?? 0
    if (slow !== undefined && delay > 0) port.event('fault', fault(slow, `FIN delayed ${delay} ms`, 'fin-delayed', { ms: delay }))
    this.schedule({ at: performance.now() + delay, then: (p) => p.end() })
    this.pump()
  }

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.queue = []
    this.head = 0
    this.conn.closed()
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

/** Pieces of about `average` bytes, each varying by up to `variation` (Toxiproxy's slicer). */
function slice(bytes: Buffer, average: number, variation: number): Buffer[] {
  if (!(average >= 1) || bytes.length <= average) return [bytes]
  const out: Buffer[] = []
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, Math.round(average + variation * (2 * Math.random() - 1)))
    out.push(bytes.subarray(at, at + size))
    at += size
  }
  return out
}
