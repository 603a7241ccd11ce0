// One proxy's (or mock server's) traffic rules, in the order they are tried: compiled once
// when set, read live by the stages of every open connection, so a reload or an edit reaches
// them at their next message. Each rule counts how often it acted; one with `times` (or
// `once`) is passed over once it has acted that often.

import type { RuleInfo, RuleSpec } from '../../shared/rules/rule-types'
import { checkRule, ruleWhere } from '../../shared/rules/rule-schema'
import { compileConnectionVerdict, compileMatcher, matcherKinds, matcherWords, type CompiledMatcher, type ConnFacts, type MatcherKinds, type Subject, type Verdict } from './rule-match'
import { shadowedRules, TextTests, type ShadowOptions } from './rule-shadow'

export interface RuleEntry {
  readonly id: string
  readonly label: string
  readonly spec: RuleSpec
  readonly match: CompiledMatcher
  /** The matcher from a connection's facts alone: false when nothing on it can match. */
  readonly onConnection: (c: ConnFacts) => Verdict
  readonly kinds: MatcherKinds
  enabled: boolean
  hits: number
  /** Acts left (undefined: no limit). */
  left?: number
}

/** A rule that matched, or one that may once the request's body has come. */
export interface Found {
  entry: RuleEntry
  verdict: Verdict
}

/** A rule's identity across a change of the list: its spec but for `enabled`. */
const sameRuleKey = (spec: RuleSpec): string => JSON.stringify({ ...spec, enabled: undefined })

export interface RuleSetOptions {
  /** One line for the front ends: said once when the rules are too many to check whole for hidden ones. */
  warn?: (message: string) => void
  /** How much the check for hidden rules may do (rule-shadow.ts SHADOW_BUDGET). */
  shadowBudget?: number
  /** The check's compiled regexes, kept from one check to the next (a test passes its own to count them). */
  shadowTexts?: TextTests
}

export class RuleSet {
  private entries: RuleEntry[] = []
  /**
   * Each hidden rule's id, and the id of the earlier rule that hides it: worked out when the
   * list or a switch changes, not at each act (every act sends the list to the front ends).
   */
  private hidden = new Map<string, string>()
  /** The first rule the last check for hidden ones did not reach (it stops past a budget, as it runs on the engine's thread). */
  private uncheckedFrom: number | undefined
  private readonly shadow: ShadowOptions & { texts: TextTests }
  private readonly watchers = new Set<() => void>()
  private next = 1
  /** Bumped by every change of the rules or their source (not by a rule acting): what may match has changed. */
  revision = 0

  constructor(private readonly opts: RuleSetOptions = {}) {
    this.shadow = { texts: opts.shadowTexts ?? new TextTests(), ...(opts.shadowBudget !== undefined ? { budget: opts.shadowBudget } : {}) }
  }

  /** Rules from this one on (numbered from 0) were not checked for an earlier one that hides them. */
  get hiddenUncheckedFrom(): number | undefined {
    return this.uncheckedFrom
  }

  get size(): number {
    return this.entries.length
  }

  /** Whether some enabled rule can match HTTP (only then are a connection's requests framed). */
  get framesHttp(): boolean {
    return this.entries.some((e) => e.enabled && e.kinds.http)
  }

  /** Whether some enabled rule can match a raw connection's messages. */
  get framesMessages(): boolean {
    return this.entries.some((e) => e.enabled && e.kinds.message)
  }

  /** Whether some enabled rule can match WebSocket messages (only then does an upgraded connection go on being cut). */
  get framesWebSocket(): boolean {
    return this.entries.some((e) => e.enabled && e.kinds.websocket)
  }

  /** Replaces every rule (a rules file loaded or reloaded; the UI's list saved). Throws a ValidationError naming the rule, and then changes nothing. */
  set(specs: readonly unknown[]): void {
    const entries = specs.map((raw, i) => {
      const where = ruleWhere(i, raw)
      const spec = checkRule(raw, where)
      const match = compileMatcher(spec.match, `${where}.match`)
      return { spec, match, onConnection: compileConnectionVerdict(spec.match, `${where}.match`), kinds: matcherKinds(spec.match) }
    })
    // A rule that is still there (the same but for `enabled`: a move, a reload of a file with
    // other rules edited) keeps its id and what it has done.
    const kept = new Map<string, RuleEntry[]>()
    for (const e of this.entries) {
      const key = sameRuleKey(e.spec)
      kept.set(key, [...(kept.get(key) ?? []), e])
    }
    this.entries = entries.map(({ spec, match, onConnection, kinds }) => {
      const old = kept.get(sameRuleKey(spec))?.shift()
      if (old !== undefined) return { ...old, spec, match, onConnection, kinds, enabled: spec.enabled ?? true }
      const left = spec.once === true ? 1 : spec.times
      return {
        id: `r${this.next++}`,
        label: spec.name ?? matcherWords(spec.match),
        spec,
        match,
        onConnection,
        kinds,
        enabled: spec.enabled ?? true,
        hits: 0,
        ...(left !== undefined ? { left } : {})
      }
    })
    this.shadow.texts.settle()
    this.findHidden()
    this.revision++
    this.changed()
  }

  list(): RuleInfo[] {
    return this.entries.map((e) => {
      const by = this.hidden.get(e.id)
      return { id: e.id, label: e.label, spec: e.spec, enabled: e.enabled, hits: e.hits, ...(e.left !== undefined ? { left: e.left } : {}), ...(by !== undefined ? { hiddenBy: by } : {}) }
    })
  }

  /** Which rules an earlier one hides, as the rules are switched now. */
  private findHidden(): void {
    const { hidden, stoppedAt } = shadowedRules(this.specs(), this.shadow)
    this.hidden = new Map(hidden.map(({ rule, by }) => [this.entries[rule].id, this.entries[by].id]))
    // Said once, not at every switch or save while the rules stay too many.
    if (stoppedAt !== undefined && this.uncheckedFrom === undefined) {
      this.opts.warn?.(`rules ${stoppedAt + 1} to ${this.entries.length} were not checked for an earlier rule that hides them: ${this.entries.length} rules are too many to compare while traffic flows`)
    }
    this.uncheckedFrom = stoppedAt
  }

  specs(): RuleSpec[] {
    return this.entries.map((e) => ({ ...e.spec, enabled: e.enabled }))
  }

  setEnabled(id: string, enabled: boolean): boolean {
    const e = this.entries.find((x) => x.id === id)
    if (e === undefined) return false
    e.enabled = enabled
    this.findHidden()
    this.revision++
    this.changed()
    return true
  }

  /**
   * The first rule that matches `s`, of those that can match `kind`; with `undecided`, a rule
   * whose verdict waits for the body stops the search (it may yet be the one).
   */
  find(s: Subject, kind: keyof MatcherKinds): Found | undefined {
    for (const entry of this.entries) {
      if (!entry.enabled || !entry.kinds[kind] || entry.left === 0) continue
      const verdict = entry.match(s)
      if (verdict !== false) return { entry, verdict }
    }
    return undefined
  }

  /** Whether some rule may match traffic on a connection with these facts (false: none can, whatever it carries). */
  mayMatchConnection(c: ConnFacts): boolean {
    return this.entries.some((e) => e.enabled && e.left !== 0 && e.onConnection(c) !== false)
  }

  /** `entry` acted: counted, and one act fewer left. */
  acted(entry: RuleEntry): void {
    entry.hits++
    if (entry.left !== undefined) entry.left = Math.max(0, entry.left - 1)
    this.changed()
  }

  /** Tells the watchers without a change of the rules (their source's state moved). */
  touch(): void {
    this.revision++
    this.changed()
  }

  watch(changed: () => void): () => void {
    this.watchers.add(changed)
    return () => this.watchers.delete(changed)
  }

  private changed(): void {
    for (const w of [...this.watchers]) w()
  }
}
