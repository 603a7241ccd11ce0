// The structural difference of two JSON documents: every value that changed, was added or
// was removed, named by its path (`$.items[2].name`), in document order. Objects are paired
// by key, arrays by index. The walk keeps its own stack, so a deeply nested document cannot
// overflow the call stack; a value too deep to print is shown as `…`.

import { MAX_JSON_CHANGES, MAX_JSON_PATH_CHARS, MAX_JSON_VALUE_CHARS, type JsonChange } from '../../shared/response-comparison-types'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

const keyPath = (path: string, key: string): string => (IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`)
const shownPath = (path: string): string => (path.length > MAX_JSON_PATH_CHARS ? '$…' + path.slice(path.length - MAX_JSON_PATH_CHARS + 2) : path)

/** Compact JSON of a value, cut at MAX_JSON_VALUE_CHARS. */
function shown(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    // A RangeError: nested past the call stack.
    return '…'
  }
  return text.length > MAX_JSON_VALUE_CHARS ? text.slice(0, MAX_JSON_VALUE_CHARS) + '…' : text
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A value of each document at one place; its path is made only for a value that differs. */
interface Frame {
  a: unknown
  b: unknown
  parent: Frame | undefined
  key: string | number
}

function pathOf(f: Frame): string {
  const keys: Array<string | number> = []
  for (let at: Frame | undefined = f; at?.parent !== undefined; at = at.parent) keys.push(at.key)
  let path = '$'
  for (let i = keys.length - 1; i >= 0; i--) path = typeof keys[i] === 'number' ? `${path}[${keys[i]}]` : keyPath(path, keys[i] as string)
  return shownPath(path)
}

/** The values that differ from `recorded` to `replayed` (the first MAX_JSON_CHANGES), and how many do in all. */
export function jsonChanges(recorded: unknown, replayed: unknown): { changes: JsonChange[]; count: number } {
  const changes: JsonChange[] = []
  let count = 0
  const note = (f: Frame, change: JsonChange['change']): void => {
    count++
    if (changes.length >= MAX_JSON_CHANGES) return
    const c: JsonChange = { path: pathOf(f), change }
    if (f.a !== undefined) c.recorded = shown(f.a)
    if (f.b !== undefined) c.replayed = shown(f.b)
    changes.push(c)
  }
  // Children are pushed last to first, so they come off the stack in document order.
  const stack: Frame[] = [{ a: recorded, b: replayed, parent: undefined, key: '' }]
  while (stack.length > 0) {
    const f = stack.pop()!
    const { a, b } = f
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = Math.max(a.length, b.length) - 1; i >= 0; i--) stack.push({ a: a[i], b: b[i], parent: f, key: i })
    } else if (isObject(a) && isObject(b)) {
      const added = Object.keys(b).filter((k) => !Object.hasOwn(a, k))
      for (let i = added.length - 1; i >= 0; i--) stack.push({ a: undefined, b: b[added[i]], parent: f, key: added[i] })
      const keys = Object.keys(a)
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ a: a[keys[i]], b: Object.hasOwn(b, keys[i]) ? b[keys[i]] : undefined, parent: f, key: keys[i] })
    } else if (a === undefined) note(f, 'added')
    else if (b === undefined) note(f, 'removed')
    else if (a !== b) note(f, 'changed')
  }
  return { changes, count }
}
