// One proxy's breakpoints, as break.* adds, changes and removes them. The stages of its
// connections (break-direction.ts) read the rules live, so a change reaches the open
// connections at their next chunk or message. Each rule counts what it did.

import type { BreakRule, BreakRuleSpec } from '../../shared/break-types'
import { DEFAULT_BREAK_TIMEOUT_MS, defaultBreakStream } from '../../shared/break-types'
import { UserError } from '../net/net-errors'
import { compileMatch, isHttpMatch, type CompiledMatch } from './break-match'

/** A change of break.update: the fields given change, the rest stay ('' clears an HTTP field or the filter). */
export type BreakChange = Partial<Omit<BreakRuleSpec, 'match'>>

/** The registry's own rule: the contract's view, plus its compiled match. */
export interface BreakEntry {
  rule: BreakRule
  compiled: CompiledMatch
}

export class BreakRegistry {
  /** In the order they were added, which is the order they are tried in. */
  private readonly entries: BreakEntry[] = []
  private readonly watchers = new Set<() => void>()
  private next = 1

  constructor(readonly proxyId: string) {}

  get size(): number {
    return this.entries.length
  }

  /** The live entries, for stages. */
  get active(): readonly BreakEntry[] {
    return this.entries
  }

  /** Whether an enabled HTTP rule exists: only then are a connection's messages framed. */
  get framesHttp(): boolean {
    return this.entries.some((e) => e.rule.enabled && isHttpMatch(e.rule.match))
  }

  /** Whether an enabled message rule exists: only then is a raw connection cut into messages. */
  get framesMessages(): boolean {
    return this.entries.some((e) => e.rule.enabled && e.rule.match === 'message')
  }

  list(): BreakRule[] {
    return this.entries.map((e) => ({ ...e.rule }))
  }

  add(spec: BreakRuleSpec): BreakRule {
    const compiled = compileMatch(spec)
    const rule: BreakRule = {
      ...definedFields(spec),
      id: `b${this.next}`,
      stream: spec.stream ?? defaultBreakStream(spec.match),
      match: spec.match,
      timeoutMs: spec.timeoutMs ?? DEFAULT_BREAK_TIMEOUT_MS,
      enabled: spec.enabled ?? true,
      hits: 0,
      heldNow: 0,
      forwarded: 0,
      edited: 0,
      dropped: 0
    }
    this.next++
    this.entries.push({ rule, compiled })
    this.changed()
    return { ...rule }
  }

  update(id: string, change: BreakChange): BreakRule {
    const entry = this.entry(id)
    const merged: BreakRule = { ...entry.rule }
    for (const [key, value] of Object.entries(change) as [keyof BreakChange, unknown][]) {
      if (value === undefined) continue
      if (value === '' && (key === 'method' || key === 'path' || key === 'host' || key === 'status' || key === 'filter')) delete merged[key]
      else (merged as unknown as Record<string, unknown>)[key] = value
    }
    entry.compiled = compileMatch(merged)
    entry.rule = merged
    this.changed()
    return { ...merged }
  }

  remove(id: string): void {
    this.entries.splice(this.entries.indexOf(this.entry(id)), 1)
    this.changed()
  }

  /** The rule `id` (its counters are moved by the Held queue). */
  entry(id: string): BreakEntry {
    const entry = this.entries.find((e) => e.rule.id === id)
    if (entry === undefined) {
      const ids = this.entries.map((e) => e.rule.id)
      throw new UserError(`proxy ${this.proxyId} has no breakpoint "${id}"${ids.length > 0 ? ` (it has ${ids.join(', ')})` : ' (it has none)'}`, 'ENOENT')
    }
    return entry
  }

  /** Calls `changed` after every add, update, remove and counter change, until the returned function is called. */
  watch(changed: () => void): () => void {
    this.watchers.add(changed)
    return () => this.watchers.delete(changed)
  }

  /** A rule's counters moved. */
  changed(): void {
    for (const w of [...this.watchers]) w()
  }
}

/** Requests go upstream and responses downstream; a raw rule watches both ways. */
function definedFields(spec: BreakRuleSpec): Partial<BreakRule> {
  const out: Partial<BreakRule> = {}
  for (const key of ['pattern', 'encoding', 'method', 'path', 'host', 'status', 'filter'] as const) {
    const value = spec[key]
    if (value !== undefined && value !== '') out[key] = value
  }
  return out
}
