// A parsed `.ksy` message as the one field tree: every field by its `.ksy` name, in the
// order it was read, its value as shown (integers, floats, strings in their encoding, byte
// arrays as hex, enums as `name (number)`, nested types as groups named by their type,
// repeated fields as `[i]`), and its bytes' range from the message's first byte, taken
// from the debug positions the compiled code keeps. Instances follow a type's fields; one
// that could not be computed from the message's bytes says why. A field inside a
// processed substream (`process: xor`, `zlib`) has no bytes of its own in the message:
// it points at the whole of the field it was decoded from.

import type { MessageField } from '../../../shared/message-types'
import { FieldTree, childrenOf } from '../messages/field-tree'
import { plainValue } from '../messages/field-values'
import type { Span } from '../messages/field-reader'
import { KSY_MAX_DEPTH, type CompiledKsy, type KsyDebug, type KsyObject } from './ksy-types'


/** A field's value as shown: an enum by its name and number (one it does not hold, by the enum's `.ksy` name), anything else as a plain value. */
function valueOf(ksy: CompiledKsy, v: unknown, debug: KsyDebug | undefined): string {
  if ((typeof v === 'number' || typeof v === 'bigint') && debug?.enumName) {
    const name = ksy.parser.enumOf(debug.enumName)?.[String(v)]
    if (typeof name === 'string') return `${name.toLowerCase()} (${v})`
    const cls = debug.enumName.replace(/^.*\./, '')
    return `${v} (not in ${ksy.types.get(cls) ?? cls})`
  }
  return plainValue(v) ?? ''
}

const isStruct = (v: unknown): v is KsyObject => v !== null && typeof v === 'object' && '_debug' in v && '_io' in v

export class KsyFieldWalk {
  readonly tree = new FieldTree()
  private readonly rootBuffer: ArrayBufferLike
  private readonly rootOffset: number
  private readonly seen = new Set<object>()

  constructor(
    private readonly ksy: CompiledKsy,
    root: KsyObject
  ) {
    const g = root._io
    this.rootBuffer = g._buffer
    this.rootOffset = g._byteOffset
  }

  /** The `.ksy` name of the compiled code's field name. */
  private nameOf(js: string): string {
    return this.ksy.names.get(js) ?? js.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  }

  private typeOf(obj: KsyObject): string {
    const cls = (obj.constructor as { name?: string } | undefined)?.name ?? ''
    return this.ksy.types.get(cls) ?? cls
  }

  /** Where an object's own stream starts in the message; undefined for a processed substream (bytes of its own). */
  private base(obj: KsyObject): number | undefined {
    const g = obj._io as KsyObject['_io'] | undefined
    if (!g || g._buffer !== this.rootBuffer) return undefined
    return g._byteOffset - this.rootOffset
  }

  private span(base: number | undefined, d: { start?: number; end?: number } | undefined, fallback: Span | undefined): Span | undefined {
    if (base === undefined || d?.start === undefined) return fallback
    const end = d.end ?? d.start
    return { offset: base + d.start, length: Math.max(0, end - d.start) }
  }

  /** Adds `obj`'s fields (then its instances) to `to`. */
  walk(obj: KsyObject, to: MessageField[], depth: number, fallback: Span | undefined): void {
    if (depth > KSY_MAX_DEPTH || this.seen.has(obj)) return
    this.seen.add(obj)
    const base = this.base(obj)
    const debug = obj._debug ?? {}
    for (const key of Object.keys(debug)) {
      if (key.startsWith('_')) continue
      const d = debug[key]
      this.value(this.nameOf(key), obj[key], d, base, to, depth, fallback)
    }
    // Instances: those computed (their cache `_m_NAME` set), and those that could not be.
    for (const key of Object.keys(debug)) {
      if (!key.startsWith('_m_')) continue
      const js = key.slice(3)
      const errText = obj.__instErr?.[js]
      const name = this.nameOf(js)
      if (errText !== undefined) this.tree.add(name, `(not computed: ${errText})`, undefined, to)
      else this.value(name, obj[key], debug[key], base, to, depth, fallback)
    }
    for (const [js, errText] of Object.entries(obj.__instErr ?? {})) {
      if (!(`_m_${js}` in debug)) this.tree.add(this.nameOf(js), `(not computed: ${errText})`, undefined, to)
    }
  }

  private value(name: string, v: unknown, d: KsyDebug | undefined, base: number | undefined, to: MessageField[], depth: number, fallback: Span | undefined): void {
    const span = this.span(base, d, fallback)
    if (Array.isArray(v)) {
      const g = this.tree.group(name, `[${v.length}]`, span, to)
      if (!g) return
      for (let i = 0; i < v.length && !this.tree.budget.cut; i++) this.value(`[${i}]`, v[i], d?.arr?.[i] ? { ...d.arr[i], ...(d.enumName ? { enumName: d.enumName } : {}) } : undefined, base, childrenOf(g), depth + 1, span)
      return
    }
    if (isStruct(v)) {
      const g = this.tree.group(name, this.typeOf(v), span, to)
      if (g) this.walk(v, childrenOf(g), depth + 1, span)
      return
    }
    this.tree.add(name, valueOf(this.ksy, v, d), span, to)
  }
}

/** The message's field tree: the top-level object's fields and instances, within MESSAGE_MAX_FIELDS. */
export function ksyFields(ksy: CompiledKsy, root: KsyObject): { fields: MessageField[]; cut: boolean } {
  const walk = new KsyFieldWalk(ksy, root)
  walk.walk(root, walk.tree.fields, 0, undefined)
  return { fields: walk.tree.fields, cut: walk.tree.budget.cut }
}
