// The JSON paths a rule names ($.user.name, $.items[0].price, $['odd key']): read to match a
// body, set to rewrite one. Only member and index steps: enough to point at one value, and
// nothing that could make a rule's cost grow with the document.

export type PathStep = string | number

/** The steps of `path`, or undefined when it is not a path of members and indexes. */
export function parseJsonPath(path: string): PathStep[] | undefined {
  if (!path.startsWith('$')) return undefined
  const steps: PathStep[] = []
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]/y
  re.lastIndex = 1
  while (re.lastIndex < path.length) {
    const at = re.lastIndex
    const m = re.exec(path)
    if (m === null || re.lastIndex === at) return undefined
    steps.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3]))
  }
  return steps
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/** The value at `steps` in `doc`, or undefined. */
export function jsonAt(doc: unknown, steps: readonly PathStep[]): unknown {
  let v = doc
  for (const s of steps) {
    if (typeof s === 'number') {
      if (!Array.isArray(v)) return undefined
      v = v[s]
    } else {
      if (!isObject(v) || Array.isArray(v) || !Object.hasOwn(v, s)) return undefined
      v = v[s]
    }
  }
  return v
}

/** Sets the value at `steps` (made where missing); false when a step meets a value it cannot enter. */
export function setJsonAt(doc: unknown, steps: readonly PathStep[], value: unknown): boolean {
  if (steps.length === 0) return false
  let v = doc
  for (let i = 0; i < steps.length - 1; i++) {
    const s = steps[i]
    if (!isObject(v)) return false
    let next = (v as Record<string | number, unknown>)[s]
    if (!isObject(next)) {
      next = typeof steps[i + 1] === 'number' ? [] : {}
      ;(v as Record<string | number, unknown>)[s] = next
    }
    v = next
  }
  if (!isObject(v)) return false
  ;(v as Record<string | number, unknown>)[steps[steps.length - 1]] = value
  return true
}

/** Whether two JSON values are the same (a rule's expected value against the body's). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
}
