// One proxy's toxics (fault injection), as toxic.* adds, changes and removes them. The
// stages of its connections (toxic-connection.ts) read the entries live, so a change reaches
// the open connections at their next chunk; those with timers of their own (timeout,
// reset_peer) are told at once through `watch`.

import { TOXIC_ATTRIBUTES, type Toxic, type ToxicSpec, type ToxicStream } from '../../shared/fault-types'
import { ERROR_CODES } from '../../shared/errors'
import { UserError } from '../net/net-errors'

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

  constructor(private readonly proxyId: string) {}

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
    if (spec.match !== undefined) entry.match = checkedMatch(spec.match)
    this.entries.push(entry)
    this.changed()
    return copyOf(entry)
  }

  update(name: string, change: ToxicChange): Toxic {
    const entry = this.entry(name)
    const attributes = change.attributes !== undefined ? checkedAttributes(entry.type, { ...entry.attributes, ...change.attributes }) : undefined
    if (change.match !== undefined) entry.match = checkedMatch(change.match)
    if (attributes !== undefined) entry.attributes = attributes
    if (change.toxicity !== undefined) entry.toxicity = change.toxicity
    if (change.enabled !== undefined) entry.enabled = change.enabled
    if (change.stream !== undefined) entry.stream = change.stream
    this.changed()
    return copyOf(entry)
  }

  remove(name: string): void {
    const at = this.entries.indexOf(this.entry(name))
    this.entries.splice(at, 1)
    this.changed()
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

/** Matching connections by filter words is not built yet: refusing it beats applying the toxic to every connection. */
function checkedMatch(match: string): string {
  if (match.trim() === '') return match
  throw new UserError('a toxic\'s match is not supported yet: leave it out (the toxic then applies to every connection of the proxy)', ERROR_CODES.EINVAL)
}
