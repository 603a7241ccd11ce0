// What a user's framing script (`--frame script:FILE`) returns, checked before anything
// uses it: the script is code we did not write, so its `frame()` may answer a fraction, a
// string or a length of 4 GiB, and its `describe()` fields past the message's end, names
// that are objects, or a million of them. Every such answer becomes one sentence saying what
// was wrong and what to return instead; what passes is the one field model every decoder
// uses (MessageField: a name, a value as shown, its bytes' range from the message's start).
//
// Two steps, on either side of the thread the script runs in: `boundedCopy` (in the script's
// thread) takes only the keys an answer may have, at most so many values, strings and bytes
// cut, so what crosses to the engine is small whatever the script built; `frameAnswer` and
// `describeAnswer` (in the engine) check that copy.

import { formatBytes } from '../../../shared/human-readable'
import { MESSAGE_MAX_FIELDS, MESSAGE_VALUE_SHOWN, type MessageField } from '../../../shared/message-types'
import { FieldTree, childrenOf } from '../messages/field-tree'
import { escapeHidden, line, plainValue } from '../messages/field-values'

/** Levels of children a described field may have. */
export const SCRIPT_MAX_DEPTH = 48
/** A field's name is at most this long (the rest is cut). */
const MAX_NAME = 200
/** Values copied out of one answer at most: the field budget, with room for the keys around them. */
const MAX_COPIED = MESSAGE_MAX_FIELDS * 8
/** The only keys an answer's objects are read by (a field's, a description's, frame's). */
const KEYS = ['name', 'value', 'offset', 'length', 'children', 'summary', 'fields', 'need', 'skip', 'error'] as const

/** What an unreadable value (a function, a symbol) is copied as: the checks name its kind. */
export interface Unreadable {
  unreadable: string
}

/**
 * A copy of what a script returned that can cross to the engine's thread, bounded: plain
 * values as they are (a string cut to what a field shows, bytes to what hex shows, plus one
 * so the cut is seen), arrays to the field budget, objects by KEYS only, depth bounded.
 * Reading the script's objects runs its getters: a throw there is the script's.
 */
export function boundedCopy(v: unknown): unknown {
  let copied = 0
  const copy = (x: unknown, depth: number): unknown => {
    if (++copied > MAX_COPIED) return undefined
    if (x === null || x === undefined || typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return x
    if (typeof x === 'string') return x.length > MESSAGE_VALUE_SHOWN * 2 ? x.slice(0, MESSAGE_VALUE_SHOWN * 2) : x
    if (x instanceof Uint8Array) return x.slice(0, MESSAGE_VALUE_SHOWN + 1)
    if (typeof x !== 'object') return { unreadable: typeof x } satisfies Unreadable
    if (depth > SCRIPT_MAX_DEPTH + 2) return { unreadable: `nesting deeper than ${SCRIPT_MAX_DEPTH}` } satisfies Unreadable
    if (Array.isArray(x)) {
      const out: unknown[] = []
      for (let i = 0; i < Math.min(x.length, MESSAGE_MAX_FIELDS + 1) && copied <= MAX_COPIED; i++) out.push(copy(x[i], depth + 1))
      return out
    }
    const out: Record<string, unknown> = {}
    for (const key of KEYS) {
      const value = (x as Record<string, unknown>)[key]
      if (value !== undefined) out[key] = copy(value, depth + 1)
    }
    return out
  }
  return copy(v, 0)
}

/** How a value is named in an error: short, on one line. */
function shownAs(v: unknown): string {
  if (v === undefined) return 'nothing (undefined)'
  if (v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v instanceof Uint8Array) return `${v.length} bytes`
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object' && 'unreadable' in v) return `a ${String((v as Unreadable).unreadable)}`
  return 'an object'
}

/**
 * A BigInt a safe number holds, as that number: a length read with DataView.getBigUint64 is
 * one, and was refused as "4", a number that looked right. A bigger one stays a BigInt.
 */
const asNumber = (v: unknown): unknown => (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !('unreadable' in v)
const amount = (n: number): string => `${n.toLocaleString('en-US')} byte${n === 1 ? '' : 's'}`

export type FrameAnswer = { kind: 'length'; length: number } | { kind: 'need'; need: number } | { kind: 'skip'; skip: number; error?: string } | { kind: 'bad'; error: string }

const FRAME_RETURNS = 'return the message\'s length (a whole number > 0), null or { need: N } for more bytes, or { skip: N } for bytes that are no message'

/**
 * frame()'s answer for `avail` bytes: a length (it may be more than is there yet), more bytes
 * needed (`need`: at least avail + 1), bytes to skip (within what is there), or what is wrong.
 */
export function frameAnswer(answer: unknown, avail: number, max: number): FrameAnswer {
  const bad = (why: string): FrameAnswer => ({ kind: 'bad', error: `frame() ${why}` })
  const v = asNumber(answer)
  if (v === null || v === 0) return { kind: 'need', need: avail + 1 }
  if (typeof v === 'number') {
    if (!isWhole(v) || v < 0) return bad(`returned ${shownAs(v)}: ${FRAME_RETURNS}`)
    if (v > max) return bad(`said the message is ${amount(v)}, over the ${formatBytes(max)} message limit`)
    return { kind: 'length', length: v }
  }
  if (!isObject(v)) return bad(`returned ${shownAs(v)}: ${FRAME_RETURNS}`)
  if (v.need !== undefined && v.skip !== undefined) return bad('returned both need and skip: return one of them')
  v.need = asNumber(v.need)
  v.skip = asNumber(v.skip)
  if (v.need !== undefined) {
    if (!isWhole(v.need) || v.need < 0) return bad(`returned { need: ${shownAs(v.need)} }: need is how many bytes it wants in all, a whole number`)
    if (v.need > max) return bad(`needs ${amount(v.need)}, over the ${formatBytes(max)} message limit`)
    return { kind: 'need', need: Math.max(v.need, avail + 1) }
  }
  if (v.skip !== undefined) {
    if (!isWhole(v.skip) || v.skip < 1) return bad(`returned { skip: ${shownAs(v.skip)} }: skip is how many bytes are no message, a whole number > 0`)
    if (v.skip > avail) return bad(`skipped ${amount(v.skip)}, more than the ${amount(avail)} it was given`)
    if (v.error !== undefined && typeof v.error !== 'string') return bad(`returned { skip, error: ${shownAs(v.error)} }: error is a sentence (a string)`)
    return { kind: 'skip', skip: v.skip, ...(typeof v.error === 'string' && v.error.trim() !== '' ? { error: oneLine(v.error) } : {}) }
  }
  return bad(`returned an object without need or skip: ${FRAME_RETURNS}`)
}

export type DescribeAnswer = { summary?: string; fields: MessageField[]; cut: boolean } | { error: string }

/**
 * describe()'s answer for a message of `length` bytes: its summary (none: the default one)
 * and its fields, each range within the message; or what is wrong, naming the field. null or
 * undefined: the script has nothing to say of this message (the default summary, no fields).
 */
export function describeAnswer(v: unknown, length: number): DescribeAnswer {
  if (v === null || v === undefined) return { fields: [], cut: false }
  if (!isObject(v)) return { error: `describe() returned ${shownAs(v)}: return { summary: 'text', fields: [{ name, value, offset, length }] }` }
  let summary: string | undefined
  if (v.summary !== undefined) {
    if (typeof v.summary !== 'string') return { error: `describe() returned summary: ${shownAs(v.summary)}: a summary is a string` }
    summary = line(escapeHidden(oneLine(v.summary)))
  }
  if (v.fields === undefined) return { ...(summary !== undefined ? { summary } : {}), fields: [], cut: false }
  if (!Array.isArray(v.fields)) return { error: `describe() returned fields: ${shownAs(v.fields)}: fields is an array of { name, value, offset, length, children }` }
  const tree = new FieldTree()
  const error = addFields(tree, v.fields, tree.fields, length, '', 0)
  if (error !== undefined) return { error: `describe(): ${error}` }
  return { ...(summary !== undefined ? { summary } : {}), fields: tree.fields, cut: tree.budget.cut }
}

/** Adds `list`'s fields to `to`; the first one that is wrong, as a sentence naming it. */
function addFields(tree: FieldTree, list: unknown[], to: MessageField[], length: number, parent: string, depth: number): string | undefined {
  if (depth > SCRIPT_MAX_DEPTH) return `fields nest deeper than ${SCRIPT_MAX_DEPTH} levels (at ${parent})`
  for (let i = 0; i < list.length && !tree.budget.cut; i++) {
    const f = list[i]
    const at = `${parent}${parent ? '.' : ''}${isObject(f) && typeof f.name === 'string' ? f.name.slice(0, 40) : `[${i}]`}`
    if (!isObject(f)) return `field ${at} is ${shownAs(f)}: a field is { name, value, offset, length, children }`
    if (typeof f.name !== 'string' || f.name.trim() === '') return `field ${at} has no name (a non-empty string)`
    const value = plainValue(f.value)
    if (value === undefined) return `field ${at}'s value is ${shownAs(f.value)}: a value is a string, number, boolean or bytes (group fields with children)`
    const span = spanOf(f, length)
    if (typeof span === 'string') return `field ${at}: ${span}`
    if (f.children !== undefined && !Array.isArray(f.children)) return `field ${at}'s children are ${shownAs(f.children)}: children is an array of fields`
    const name = escapeHidden(oneLine(f.name)).slice(0, MAX_NAME)
    const kids = f.children as unknown[] | undefined
    const added = kids?.length ? tree.group(name, value, span, to) : tree.add(name, value, span, to)
    if (added && typeof f.value === 'string' && f.value.length > MESSAGE_VALUE_SHOWN) added.cut = true
    if (kids?.length) {
      const error = addFields(tree, kids, childrenOf(added), length, at, depth + 1)
      if (error !== undefined) return error
    }
  }
  return undefined
}

/** A field's bytes: none, or an offset and length within the message. */
function spanOf(f: Record<string, unknown>, length: number): { offset: number; length: number } | undefined | string {
  if (f.offset === undefined && f.length === undefined) return undefined
  if (!isWhole(f.offset) || f.offset < 0) return `offset ${shownAs(f.offset)} is not a whole number from 0 (give offset and length together, or neither)`
  if (!isWhole(f.length) || f.length < 0) return `length ${shownAs(f.length)} is not a whole number from 0 (give offset and length together, or neither)`
  if (f.offset + f.length > length) return `offset ${f.offset} + length ${f.length} is past the message's ${amount(length)}`
  return { offset: f.offset, length: f.length }
}

/** A script's sentence on one line, bounded. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat
}
