// One proxy's toxics (fault injection), as toxic.* adds, changes and removes them. The
// stages of its connections (toxic-connection.ts) read the entries live, so a change reaches
// the open connections at their next chunk; those with timers of their own (timeout,
// reset_peer) are told at once through `watch`.

import { TOXIC_ATTRIBUTES, toxicSpecOf, type Toxic, type ToxicSpec, type ToxicStream } from '../../shared/fault-types'
import { ERROR_CODES } from '../../shared/errors'
import { UserError } from '../net/net-errors'
import { parseFlowFilter, type Predicate } from '../capture/query/connection-query'

/**
 * A toxic's `match`, compiled: the list's filter words pick connections (`client:10.0.0.5
 * port:6379 sni:api`), and `text:` words pick the chunks it acts on (`text:PING`, `-text:PING`).
 */
export interface ToxicMatch {
  picks?: Predicate
  texts: Array<{ bytes: Buffer; negated: boolean }>
}

/** A change of toxic.update: the fields given change, the rest stay. */
export interface ToxicChange {
  toxicity?: number
  attributes?: Record<string, number>
  enabled?: boolean
  stream?: ToxicStream
  match?: string
}

/** The registry's own copy of a toxic; stages read it and count `affected` on it. */
export type ToxicEntry = Toxic

export class ToxicRegistry {
  /** In the order they were added, which is the order they apply in. */
  private readonly entries: ToxicEntry[] = []
  private readonly watchers = new Set<() => void>()
  private readonly matches = new Map<ToxicEntry, ToxicMatch>()
  /** Bumped by every update: Toxiproxy runs an updated toxic afresh (toxicity drawn again, timeout's timer restarted). */
  private readonly revisions = new WeakMap<ToxicEntry, number>()

  constructor(private readonly proxyId: string) {}

  /** The compiled match of a toxic that has one. */
  matchOf(entry: ToxicEntry): ToxicMatch | undefined {
    return this.matches.get(entry)
  }

  /** How many times the toxic was updated. */
  revisionOf(entry: ToxicEntry): number {
    return this.revisions.get(entry) ?? 0
  }

  get size(): number {
    return this.entries.length
  }

  /** The live entries, for stages (not to be changed but through the registry). */
  get active(): readonly ToxicEntry[] {
    return this.entries
  }

  list(): Toxic[] {
    return this.entries.map(copyOf)
  }

  get(name: string): Toxic {
    return copyOf(this.entry(name))
  }

  add(spec: ToxicSpec): Toxic {
    const stream = spec.stream ?? 'downstream'
    const name = spec.name ?? `${spec.type}_${stream}`
    if (this.entries.some((e) => e.name === name)) {
      throw new UserError(`proxy ${this.proxyId} already has a toxic named "${name}": give this one another name, or change that one with toxic.update`, ERROR_CODES.EEXIST)
    }
    const entry: ToxicEntry = {
      name,
      type: spec.type,
      stream,
      toxicity: spec.toxicity ?? 1,
      attributes: checkedAttributes(spec.type, spec.attributes ?? {}),
      enabled: spec.enabled ?? true,
      affected: 0
    }
    const match = spec.match !== undefined ? compileMatch(spec.match, spec.type) : undefined
    if (match !== undefined) {
      entry.match = spec.match
      this.matches.set(entry, match)
    }
    this.entries.push(entry)
    this.changed()
    return copyOf(entry)
  }

  update(name: string, change: ToxicChange): Toxic {
    const entry = this.entry(name)
    const attributes = change.attributes !== undefined ? checkedAttributes(entry.type, { ...entry.attributes, ...change.attributes }) : undefined
    if (change.match !== undefined) {
      const match = compileMatch(change.match, entry.type)
      if (match === undefined) {
        delete entry.match
        this.matches.delete(entry)
      } else {
        entry.match = change.match
        this.matches.set(entry, match)
      }
    }
    if (attributes !== undefined) entry.attributes = attributes
    if (change.toxicity !== undefined) entry.toxicity = change.toxicity
    if (change.enabled !== undefined) entry.enabled = change.enabled
    if (change.stream !== undefined) entry.stream = change.stream
    this.revisions.set(entry, this.revisionOf(entry) + 1)
    this.changed()
    return copyOf(entry)
  }

  remove(name: string): void {
    const at = this.entries.indexOf(this.entry(name))
    this.matches.delete(this.entries[at])
    this.entries.splice(at, 1)
    this.changed()
  }

  /** Whether a toxic picks connections by the list's filter, which reads the capture's index (the main thread's only). */
  get picksConnections(): boolean {
    return this.entries.some((e) => this.matches.get(e)?.picks !== undefined)
  }

  /**
   * Becomes a copy of another thread's registry (a forwarding worker's, proxy/workers/):
   * entries kept by name, so its open connections' stages read the change live.
   */
  mirror(toxics: Toxic[]): void {
    for (const e of [...this.entries]) if (!toxics.some((t) => t.name === e.name)) this.remove(e.name)
    for (const t of toxics) {
      if (!this.entries.some((e) => e.name === t.name)) this.add(toxicSpecOf(t))
      else this.update(t.name, { toxicity: t.toxicity, attributes: t.attributes, enabled: t.enabled, stream: t.stream, match: t.match ?? '' })
    }
  }

  /** Calls `changed` after every add, update and remove, until the returned function is called. */
  watch(changed: () => void): () => void {
    this.watchers.add(changed)
    return () => this.watchers.delete(changed)
  }

  private entry(name: string): ToxicEntry {
    const entry = this.entries.find((e) => e.name === name)
    if (entry === undefined) {
      const names = this.entries.map((e) => e.name)
      throw new UserError(`proxy ${this.proxyId} has no toxic named "${name}"${names.length > 0 ? ` (it has ${names.join(', ')})` : ' (it has none)'}`, 'ENOENT')
    }
    return entry
  }

  private changed(): void {
    for (const w of [...this.watchers]) w()
  }
}

/** What add() refuses about a toxic itself (its attributes, its match), whatever the proxy already has. */
export function checkToxicSpec(spec: ToxicSpec): void {
  checkedAttributes(spec.type, spec.attributes ?? {})
  if (spec.match !== undefined) compileMatch(spec.match, spec.type)
}

const copyOf = (e: ToxicEntry): Toxic => ({ ...e, attributes: { ...e.attributes } })

/** Missing attributes are 0, as in Toxiproxy; one the type does not have is a mistake worth a line. */
function checkedAttributes(type: Toxic['type'], given: Record<string, number>): Record<string, number> {
  const known = TOXIC_ATTRIBUTES[type]
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      const takes = known.length > 0 ? `it takes ${known.join(', ')}` : 'it takes none'
      throw new UserError(`toxic ${type} has no attribute "${key}": ${takes}`, ERROR_CODES.EINVAL)
    }
  }
  if (type === 'corrupt' && (given.probability ?? 0) > 1) throw new UserError(`toxic corrupt: probability is a chance per byte, from 0 to 1 (got ${given.probability})`, ERROR_CODES.EINVAL)
  const out: Record<string, number> = {}
  for (const key of known) out[key] = given[key] ?? 0
  return out
}

/** A match's words, checked once: an empty match is none; words that need decoding cannot be known while bytes pass. */
function compileMatch(match: string, type: Toxic['type']): ToxicMatch | undefined {
  if (match.trim() === '') return undefined
  // Each refusal starts "toxic match:", the subject a form puts it under (shared/error-subject.ts).
  let parsed
  try {
    parsed = parseFlowFilter(match, "a toxic's match takes connection words (client:, port:, sni:, id:) and text:")
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`toxic match: ${err.message}`, err.code)
    throw err
  }
  const timed = type === 'timeout' || type === 'reset_peer' || type === 'down'
  if (timed && parsed.texts.length > 0) throw new UserError(`toxic match: a ${type} toxic acts on whole connections: its match takes connection words (client:, port:, sni:, id:), not text:`, ERROR_CODES.EINVAL)
  if (type === 'down' && parsed.predicate !== undefined) throw new UserError('toxic match: a down toxic refuses connections before they are known: it takes no match', ERROR_CODES.EINVAL)
  return { picks: parsed.predicate, texts: parsed.texts.map((t, i) => ({ bytes: Buffer.from(t), negated: parsed.negated[i] })) }
}
