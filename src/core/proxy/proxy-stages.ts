// What sits between a proxy's two legs, per connection: its breakpoints first (they hold and
// edit what the sender sent), then its toxics (they shape what is let go). A proxy with
// neither gives its connections no stage, so they keep the fast path; when it gets its first
// rule, the connections already open get their stages too, so a breakpoint set while a client
// is connected holds that client's next message. Traffic rules that can match no traffic of a
// connection (each names another target or client) leave it on the fast path too; any change
// of the rules then gives the connections so left their stages.

import type { BreakRule } from '../../shared/break-types'
import type { Toxic } from '../../shared/fault-types'
import type { LiveCapture } from '../capture/write/live-capture'
import { BreakRegistry } from '../breakpoint/break-registry'
import { breakPair } from '../breakpoint/break-direction'
import type { HeldQueue } from '../breakpoint/held-queue'
import { ToxicRegistry } from '../fault/toxic-registry'
import { downToxic, toxicPair } from '../fault/toxic-connection'
import { chainPair } from './chain-stages'
import type { ForwardStages } from './forward-stage'
import type { FrameSpec } from '../../shared/message-types'
import type { RulesState } from '../../shared/rules/rule-args'
import { targetPort } from '../../shared/endpoint'
import { TrafficRules } from '../rules/traffic-rules'
import { trafficPair } from '../rules/traffic-pair'
import { forwardSenders } from '../rules/forward-senders'

/** `make`'s value, made on the first call. */
function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined
  return () => (value ??= { v: make() }).v
}

export interface ProxyRulesDeps {
  capture: LiveCapture
  held: HeldQueue
  /** A proxy's breakpoints or toxics changed (or their counters moved). */
  breaksChanged(proxyId: string, rules: BreakRule[]): void
  toxicsChanged(proxyId: string, toxics: Toxic[]): void
  /** A proxy's traffic rules changed, or one acted. */
  trafficChanged?(proxyId: string, state: RulesState): void
  /** A rules file's edit was not taken. */
  warn?(message: string): void
  /** The built script worker, where it is not beside the engine (tests run from source). */
  scriptWorkerFile?: string
  /** How a proxy's connection is cut into messages when chosen (its `--frame`, "decode as"), for message breakpoints. */
  framing?(connId: number, proxyId: string): FrameSpec | undefined
}

export class ProxyRules {
  readonly breaks: BreakRegistry
  readonly toxics: ToxicRegistry
  /** Traffic rules (mock, rewrite, forward, fail): they act first, on what the sender sent. */
  readonly traffic: TrafficRules
  /** Called when the proxy goes from no rule to some, or when rules change while some connection has none: its open connections get their stages. */
  onFirstRule: () => void = () => {}
  private hadRules = false
  /** A connection was given no stage as none of the rules could match it: a change of the rules looks again. */
  private skipped = false
  /** The traffic rules' revision last seen (a rule acting is no change of what may match). */
  private trafficRevision = 0

  constructor(
    readonly proxyId: string,
    private readonly deps: ProxyRulesDeps
  ) {
    this.breaks = new BreakRegistry(proxyId)
    this.toxics = new ToxicRegistry(proxyId)
    this.traffic = new TrafficRules({ warn: (message) => deps.warn?.(message), ...(deps.scriptWorkerFile !== undefined ? { scriptWorkerFile: deps.scriptWorkerFile } : {}) })
    this.breaks.watch(() => {
      deps.breaksChanged(proxyId, this.breaks.list())
      this.review()
    })
    this.toxics.watch(() => {
      deps.toxicsChanged(proxyId, this.toxics.list())
      this.review()
    })
    this.traffic.set.watch(() => {
      deps.trafficChanged?.(proxyId, this.traffic.state())
      const revision = this.traffic.set.revision
      const changed = revision !== this.trafficRevision
      this.trafficRevision = revision
      this.review(changed)
    })
  }

  private get any(): boolean {
    return this.breaks.size + this.toxics.size > 0 || this.traffic.active
  }

  private review(changed = true): void {
    const has = this.any
    const again = changed && this.skipped
    if (has && (!this.hadRules || again)) {
      this.skipped = false
      this.onFirstRule()
    }
    this.hadRules = has
  }

  /** Each connection's stages, or none while the proxy has no rule that can act on it (the fast path). */
  readonly stages: ForwardStages = (connId) => {
    if (!this.any) return undefined
    const { capture, held } = this.deps
    // A connection's facts do not change: looked up once, not for every request.
    const conn = once(() => {
      const target = capture.targetOf(connId)
      const port = target === undefined ? undefined : targetPort(target)
      const host = target?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
      return { client: capture.clientOf(connId), ...(host !== undefined ? { targetHost: host } : {}), ...(port !== undefined ? { targetPort: port } : {}) }
    })
    // Traffic rules that all name another target (or client) than this connection's cost it
    // nothing: with no script, breakpoint or toxic, it keeps the fast path, until a change of
    // the rules looks again (review).
    if (this.traffic.script === undefined && this.breaks.size + this.toxics.size === 0 && capture.targetOf(connId) !== undefined && !this.traffic.set.mayMatchConnection(conn())) {
      this.skipped = true
      return undefined
    }
    const picks = (id: number, predicate: Parameters<LiveCapture['picks']>[1]): boolean => capture.picks(id, predicate)
    const breaks = breakPair(connId, {
      registry: this.breaks,
      queue: held,
      picks: (id, entry) => entry.compiled.picks === undefined || picks(id, entry.compiled.picks),
      framing: {
        framing: () => this.deps.framing?.(connId, this.proxyId),
        port: () => {
          const target = capture.targetOf(connId)
          return target === undefined ? undefined : targetPort(target)
        }
      }
    })
    const shaped = chainPair(breaks, toxicPair(this.toxics, connId, picks))
    if (!this.traffic.active) return shaped
    const baseDir = this.traffic.baseDir
    const traffic = trafficPair({
      rules: this.traffic.set,
      connId,
      ...(this.traffic.script !== undefined ? { script: this.traffic.script } : {}),
      conn,
      ...(baseDir !== undefined ? { baseDir } : {}),
      ...forwardSenders(capture),
      framing: () => this.deps.framing?.(connId, this.proxyId),
      port: () => {
        const target = capture.targetOf(connId)
        return target === undefined ? undefined : targetPort(target)
      }
    })
    return chainPair(traffic, shaped)
  }

  /** Why a new connection is refused now (a `down` toxic), or undefined. */
  readonly refusal = (): ReturnType<typeof downToxic> => downToxic(this.toxics)
}
