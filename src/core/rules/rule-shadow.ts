// Rules an earlier rule hides: the first rule that matches acts (rule-set.ts find), so a rule
// after one that matches everything it matches never acts. Told only when certain: a matcher
// "covers" another here only when each condition of the first is one the second also has, or
// one its own condition implies (prefix `/` covers `/api/user`; any method covers GET). A
// case this cannot decide counts as not covered, so there is never a false warning.

import type { HttpMatch, Matcher, RuleSpec, TextMatch } from '../../shared/rules/rule-types'
import { compileText } from './text-match'

/** A later rule (its index) that never acts, and the earlier one that hides it. */
export interface Shadowed {
  rule: number
  by: number
}

/** Every rule an earlier, enabled rule with no act limit hides (numbered from 0, in file order). */
export function shadowedRules(rules: readonly RuleSpec[]): Shadowed[] {
  const out: Shadowed[] = []
  rules.forEach((later, i) => {
    const by = rules.findIndex((earlier, j) => j < i && earlier.enabled !== false && earlier.once !== true && earlier.times === undefined && covers(earlier.match, later.match))
    if (by >= 0) out.push({ rule: i, by })
  })
  return out
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Whether every subject `b` matches, `a` matches too (false when not certain). */
export function covers(a: Matcher, b: Matcher): boolean {
  if (same(a, b)) return true
  if ('any' in b) return b.any.length > 0 && b.any.every((x) => covers(a, x))
  if ('all' in a) return a.all.every((x) => covers(x, b))
  if ('any' in a && a.any.some((x) => covers(x, b))) return true
  if ('all' in b && b.all.some((x) => covers(a, x))) return true
  if ('http' in a && 'http' in b) return httpCovers(a.http, b.http)
  if ('grpc' in a && 'grpc' in b) {
    const [x, y] = [a.grpc, b.grpc]
    return (x.method === undefined || x.method === y.method) && (x.service === undefined || x.service === y.service) && (x.field === undefined || same(x.field, y.field))
  }
  if ('resp' in a && 'resp' in b) return (a.resp.command === undefined || a.resp.command.toUpperCase() === b.resp.command?.toUpperCase()) && textCovers(a.resp.key, b.resp.key)
  if ('message' in a && 'message' in b) {
    const [x, y] = [a.message, b.message]
    const fields = Object.entries(x.fields ?? {}).every(([name, want]) => {
      const have = y.fields?.[name]
      return typeof want === 'number' || typeof want === 'boolean' ? want === have : have !== undefined && typeof have !== 'number' && typeof have !== 'boolean' && textCovers(want, have)
    })
    return optional(x.dir, y.dir) && optional(x.protocol, y.protocol) && textCovers(x.summary, y.summary) && optional(x.regex, y.regex) && optional(x.hex, y.hex) && fields
  }
  if ('websocket' in a && 'websocket' in b) {
    const [x, y] = [a.websocket, b.websocket]
    return optional(x.dir, y.dir) && oneOf(x.opcode, y.opcode, (o) => o) && textCovers(x.text, y.text) && pairsCover(x.json, y.json, (p, q) => same(p, q))
  }
  if ('connection' in a && 'connection' in b) {
    const [x, y] = [a.connection, b.connection]
    return textCovers(x.client, y.client) && textCovers(x.targetHost, y.targetHost, true) && optional(x.targetPort, y.targetPort) && textCovers(x.sni, y.sni, true) && optional(x.alpn, y.alpn)
  }
  return false
}

function httpCovers(a: HttpMatch, b: HttpMatch): boolean {
  const pairTest = (fold: boolean) => (p: TextMatch | true, q: TextMatch | true) => p === true || (q !== true && textCovers(p, q, fold))
  return (
    oneOf(a.method, b.method, (m) => m.toUpperCase()) &&
    textCovers(a.host, b.host, true) &&
    optional(a.port, b.port) &&
    textCovers(a.path, b.path) &&
    pairsCover(a.query, b.query, pairTest(false)) &&
    headersCover(a.headers, b.headers, pairTest(false)) &&
    (a.body === undefined || same(a.body, b.body))
  )
}

/** A condition `a` may leave out; given, `b` must have the same. */
const optional = <T>(a: T | undefined, b: T | undefined): boolean => a === undefined || a === b

/** `a` one value or several (any of them): left out, or `b` given and each of its values among `a`'s. */
function oneOf<T, K>(a: T | T[] | undefined, b: T | T[] | undefined, key: (x: T) => K): boolean {
  if (a === undefined) return true
  if (b === undefined) return false
  const want = new Set((Array.isArray(a) ? a : [a]).map(key))
  const have = Array.isArray(b) ? b : [b]
  return have.length > 0 && have.every((x) => want.has(key(x)))
}

/** Each of `a`'s named conditions is in `b` and covers `b`'s. */
function pairsCover<V>(a: Record<string, V> | undefined, b: Record<string, V> | undefined, test: (p: V, q: V) => boolean): boolean {
  return Object.entries(a ?? {}).every(([name, p]) => b !== undefined && Object.hasOwn(b, name) && test(p, b[name]))
}

/**
 * Header names match in any case, and the matcher keeps each spelling a rule gives (`X-A` and
 * `x-a` are two conditions on one header), so no map by lowered name: one would keep only the
 * last and make `a` look weaker than it is. Each of `a`'s conditions needs one of `b`'s on the
 * same header that it covers.
 */
function headersCover<V>(a: Record<string, V> | undefined, b: Record<string, V> | undefined, test: (p: V, q: V) => boolean): boolean {
  const have = Object.entries(b ?? {}).map(([name, q]) => [name.toLowerCase(), q] as const)
  return Object.entries(a ?? {}).every(([name, p]) => {
    const lower = name.toLowerCase()
    return have.some(([n, q]) => n === lower && test(p, q))
  })
}

type Text = { exact: string } | { glob: string } | { regex: string } | { contains: string } | { prefix: string }
const normal = (m: TextMatch): Text => (typeof m !== 'string' ? m : /[*?]/.test(m) ? { glob: m } : { exact: m })

/** Whether every text `b` matches, `a` matches too; `a` left out matches anything, `b` left out anything at all. */
function textCovers(a: TextMatch | undefined, b: TextMatch | undefined, fold = false): boolean {
  if (a === undefined) return true
  if (b === undefined) return false
  const [x, y] = [normal(a), normal(b)]
  if (same(x, y)) return true
  const n = (s: string): string => (fold ? s.toLowerCase() : s)
  // One text: whether `a` takes it (folding as `a` folds, so it takes each of its spellings).
  if ('exact' in y) return compileText(a, 'match', { caseInsensitive: fold })(y.exact)
  if ('prefix' in x) return 'prefix' in y && n(y.prefix).startsWith(n(x.prefix))
  if ('contains' in x) return ('prefix' in y || 'contains' in y) && n('prefix' in y ? y.prefix : y.contains).includes(n(x.contains))
  return false
}
