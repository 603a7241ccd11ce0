// The one rule for how a replayed response's headers differ from the recorded ones, used by
// HTTP replay (its verdict, the CLI and the UI) and by a whole-capture replay: headers are
// paired by name (case-insensitive); a name sent twice is compared as its list of values;
// the same headers in another order is a note, not a difference; Date, Age and Expires,
// the framing headers (the body's comparison covers them) and the names a user says may
// differ are shown but not counted.

import { FRAMING_RESPONSE_HEADERS, VOLATILE_RESPONSE_HEADERS, type HeaderComparison, type HeaderDifference } from '../../shared/response-comparison-types'

interface Header {
  name: string
  value: string
}

const VOLATILE = new Set(VOLATILE_RESPONSE_HEADERS)
const FRAMING = new Set(FRAMING_RESPONSE_HEADERS)

interface Named {
  name: string
  values: string[]
}

/** Each name once, in the order it first came, with all its values in order. */
function byName(headers: readonly Header[]): Map<string, Named> {
  const out = new Map<string, Named>()
  for (const h of headers) {
    const key = h.name.toLowerCase()
    const named = out.get(key)
    if (named === undefined) out.set(key, { name: h.name, values: [h.value] })
    else named.values.push(h.value)
  }
  return out
}

/**
 * Two lists of one header's values say the same: equal line by line, or once joined with
 * ", " (RFC 9110 5.3: a list sent as several field lines is the one line), but Set-Cookie,
 * whose lines cannot be joined (RFC 6265 3).
 */
function sameValues(key: string, a: string[], b: string[]): boolean {
  if (a.length === b.length && a.every((v, i) => v === b[i])) return true
  return key !== 'set-cookie' && a.join(', ') === b.join(', ')
}

/** Compares `replayed` with `recorded`; `ignore` names headers (any case) whose differences are not counted. */
export function compareHeaders(recorded: readonly Header[], replayed: readonly Header[], ignore: readonly string[] = []): HeaderComparison {
  const rules = new Set(ignore.map((n) => n.trim().toLowerCase()))
  const was = byName(recorded)
  const now = byName(replayed)
  const ignoredAs = (key: string): HeaderDifference['ignored'] => (VOLATILE.has(key) ? 'volatile' : FRAMING.has(key) ? 'framing' : rules.has(key) ? 'rule' : undefined)
  const row = (key: string, name: string, a: string[], b: string[]): HeaderDifference => {
    const change = a.length === 0 ? 'added' : b.length === 0 ? 'removed' : sameValues(key, a, b) ? 'same' : 'changed'
    const r: HeaderDifference = { name, recorded: a, replayed: b, change }
    const ignored = ignoredAs(key)
    if (ignored !== undefined) r.ignored = ignored
    return r
  }

  // A removed name goes after the replayed row of the last recorded name before it that is still there.
  const removedAfter = new Map<string, string[]>()
  let anchor = ''
  for (const key of was.keys()) {
    if (now.has(key)) {
      anchor = key
      continue
    }
    const list = removedAfter.get(anchor)
    if (list === undefined) removedAfter.set(anchor, [key])
    else list.push(key)
  }
  const rows: HeaderDifference[] = []
  const pushRemoved = (after: string): void => {
    for (const key of removedAfter.get(after) ?? []) rows.push(row(key, was.get(key)!.name, was.get(key)!.values, []))
  }
  pushRemoved('')
  for (const [key, h] of now) {
    rows.push(row(key, h.name, was.get(key)?.values ?? [], h.values))
    pushRemoved(key)
  }

  const common = (names: Iterable<string>, other: Map<string, Named>): string[] => [...names].filter((k) => other.has(k))
  const order = common(was.keys(), now)
  const reordered = common(now.keys(), was).some((k, i) => k !== order[i])
  return { rows, differing: rows.filter((r) => r.change !== 'same' && r.ignored === undefined).length, reordered }
}
