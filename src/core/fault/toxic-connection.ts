// What one proxied connection's toxics share between its two directions: which toxics apply
// to it (toxicity is drawn once per connection and toxic, and again when the toxic is
// updated, as Toxiproxy runs an updated toxic afresh), and the timeout toxic, which acts on
// the whole connection on a timer: it starts when the toxic comes into force, starts again
// with every chunk it drops, closes the connection when it fires, when the sender ends, or
// when the toxic is removed (Toxiproxy's Cleanup). The per-direction work on bytes,
// reset_peer included, is toxic-direction.ts's.
//
// A proxy with no toxic and no breakpoint gives its connections no stage at all, so they keep
// the fast path (forward-stage.ts); its first rule gives the open ones their stages too
// (proxy-stages.ts). The stages read the registry live, so any later change reaches them.

import type { FaultEventInfo, ToxicStream } from '../../shared/fault-types'
import type { StagePair, StagePort } from '../proxy/forward-stage'
import type { Predicate } from '../capture/query/connection-query'
import type { ToxicEntry, ToxicRegistry } from './toxic-registry'
import { ToxicDirection } from './toxic-direction'
import { fault } from './fault-record'
import { timerMs } from '../net/timer-ms'

/** The toxic stages of one connection of the proxy whose toxics `registry` holds (read live: a change reaches it). */
export function toxicPair(registry: ToxicRegistry, connId: number, picks: ConnectionPicks): StagePair {
  const conn = new ToxicConnection(registry, connId, picks)
  return { client: conn.upstream, server: conn.downstream }
}

/** A reason to refuse a new connection of the proxy (a `down` toxic in force), or undefined. */
export function downToxic(registry: ToxicRegistry): FaultEventInfo | undefined {
  for (const t of registry.active) {
    if (t.type !== 'down' || !t.enabled || !chosen(t.toxicity)) continue
    t.affected++
    return { toxic: t.name, type: 'down', message: `refused by toxic ${t.name}`, effect: 'refused' }
  }
  return undefined
}

const chosen = (toxicity: number): boolean => toxicity >= 1 || (toxicity > 0 && Math.random() < toxicity)

interface Decision {
  toxicity: number
  revision: number
  on: boolean
}

interface Timed {
  timer: NodeJS.Timeout | undefined
  /** The toxic's revision the timer was started for: an update starts it again. */
  revision: number
}

/** Whether the list's filter predicate picks connection `connId` as it stands now. */
export type ConnectionPicks = (connId: number, predicate: Predicate) => boolean

export class ToxicConnection {
  readonly upstream = new ToxicDirection(this, 'upstream')
  readonly downstream = new ToxicDirection(this, 'downstream')
  private readonly decisions = new Map<ToxicEntry, Decision>()
  /** The timeout toxics now in force, each with its timer. */
  private readonly timed = new Map<ToxicEntry, Timed>()
  private unwatch: (() => void) | undefined
  private over = false

  constructor(
    private readonly registry: ToxicRegistry,
    private readonly connId: number,
    private readonly picks: ConnectionPicks
  ) {}

  /** Called by each direction's stage as the connection starts. */
  opened(): void {
    if (this.unwatch !== undefined || this.upstream.port === undefined || this.downstream.port === undefined) return
    this.unwatch = this.registry.watch(() => this.review())
    this.review()
  }

  /** The toxics that now apply to `stream` of this connection (and to `chunk`, when given), in the registry's order. */
  inForce(stream: Exclude<ToxicStream, 'both'>, chunk?: Buffer): ToxicEntry[] {
    const out: ToxicEntry[] = []
    for (const t of this.registry.active) {
      if (t.enabled && (t.stream === stream || t.stream === 'both') && this.applies(t) && (chunk === undefined || this.takes(t, chunk))) out.push(t)
    }
    return out
  }

  /** A toxic with `text:` words acts on the chunks that hold them (or, negated, do not). */
  private takes(t: ToxicEntry, chunk: Buffer): boolean {
    const match = this.registry.matchOf(t)
    return match === undefined || match.texts.every(({ bytes, negated }) => chunk.includes(bytes) !== negated)
  }

  /** The timeout toxic in force on `stream` that stops its data, if any. */
  silencer(stream: Exclude<ToxicStream, 'both'>): ToxicEntry | undefined {
    for (const t of this.timed.keys()) if (t.type === 'timeout' && (t.stream === stream || t.stream === 'both')) return t
    return undefined
  }

  /** Drawn once per toxic (again when it is updated), and counted on it when it applies; its match's connection words are asked each time (a connection's SNI comes after it opens). */
  private applies(t: ToxicEntry): boolean {
    const picks = this.registry.matchOf(t)?.picks
    if (picks !== undefined && !this.picks(this.connId, picks)) return false
    const known = this.decisions.get(t)
    const revision = this.registry.revisionOf(t)
    if (known !== undefined && known.toxicity === t.toxicity && known.revision === revision) return known.on
    const on = chosen(t.toxicity)
    if (on && known?.on !== true) t.affected++
    this.decisions.set(t, { toxicity: t.toxicity, revision, on })
    return on
  }

  /** A timeout in force dropped a chunk: Toxiproxy's timer is made anew on every chunk, so the close comes `timeout` after the last one. The sender's FIN closes at once. */
  silenced(t: ToxicEntry, what: 'chunk' | 'fin'): void {
    const timed = this.timed.get(t)
    if (timed === undefined || this.over) return
    if (what === 'fin') return this.act(fault(t, `closed by toxic ${t.name}: the sender ended`, 'closed'), t.stream)
    timed.timer?.refresh()
  }

  /**
   * After every change of the registry: starts the timers of timeout toxics that came into
   * force and again for those updated; a timeout removed or paused closes the connection, as
   * Toxiproxy's Cleanup does; the directions let go of what a delaying toxic that left held.
   */
  private review(): void {
    if (this.over) return
    const now = new Set<ToxicEntry>()
    for (const t of this.registry.active) {
      if (t.type === 'timeout' && t.enabled && this.applies(t)) now.add(t)
    }
    for (const [t, timed] of this.timed) {
      if (now.has(t)) continue
      clearTimeout(timed.timer)
      this.timed.delete(t)
      const removed = !this.registry.active.includes(t)
      if (removed || !t.enabled) return this.act(fault(t, `closed by toxic ${t.name}: it was ${removed ? 'removed' : 'paused'}`, 'closed'), t.stream)
    }
    for (const t of now) {
      const timed = this.timed.get(t)
      if (timed === undefined || timed.revision !== this.registry.revisionOf(t)) this.start(t, timed)
    }
    this.upstream.review()
    this.downstream.review()
  }

  /** Toxiproxy's timeout: the data is dropped from now on; 0 drops it until the toxic goes or the sender ends. */
  private start(t: ToxicEntry, old: Timed | undefined): void {
    clearTimeout(old?.timer)
    const ms = t.attributes.timeout ?? 0
    const timed: Timed = { timer: undefined, revision: this.registry.revisionOf(t) }
    this.timed.set(t, timed)
    this.portOf(t.stream).event('fault', fault(t, ms > 0 ? `data dropped, closing ${ms} ms after the last chunk` : 'data dropped until the toxic is removed', 'stopped', { ms }))
    if (ms > 0) timed.timer = setTimeout(() => this.act(fault(t, `closed by toxic ${t.name} after ${ms} ms`, 'closed', { ms }), t.stream), timerMs(ms))
  }

  /** Closes both sides with a FIN (what Toxiproxy's closed stub leads to), recording why. */
  private act(info: FaultEventInfo & Record<string, unknown>, stream: ToxicStream): void {
    if (this.over) return
    const port = this.portOf(stream)
    port.event('fault', info)
    port.close()
  }

  /** The port a connection-wide toxic records through: its stream's (both: the client's). */
  private portOf(stream: ToxicStream): StagePort {
    return (stream === 'downstream' ? this.downstream.port : this.upstream.port)!
  }

  /** The connection is over: its timers and its watch end. */
  closed(): void {
    if (this.over) return
    this.over = true
    this.unwatch?.()
    for (const timed of this.timed.values()) clearTimeout(timed.timer)
    this.timed.clear()
  }
}
