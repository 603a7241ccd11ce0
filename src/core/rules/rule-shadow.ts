// Rules an earlier rule hides: the first rule that matches acts (rule-set.ts find), so a rule
// after one that matches everything it matches never acts. Told only when certain: a matcher
// "covers" another here only when each condition of the first is one the second also has, or
// one its own condition implies (prefix `/` covers `/api/user`; any method covers GET). A
// case this cannot decide counts as not covered, so there is never a false warning.
//
// It runs in the engine at every change of a proxy's rules (a load, a save, a switch), so its
// cost is bounded. Every pair of rules may need comparing, and an earlier rule's regex or glob
// must be run on a later rule's exact text: compiled once per check (RE2 compiles in about
// 100-200 µs; once per pair, 1,000 rules held the thread 7.5 s), pairs with no kind of matcher
// in common are skipped, and past a budget of work the check stops where it is (its findings
// so far stand; the rest go unchecked, as the warning is only advice).

import type { HttpMatch, Matcher, RuleSpec, TextMatch } from '../../shared/rules/rule-types'
import { compileText, type TextTest } from './text-match'

/** A later rule (its index) that never acts, and the earlier one that hides it. */
export interface Shadowed {
  rule: number
  by: number
}

export interface ShadowCheck {
  hidden: Shadowed[]
  /** Past the budget, the first rule not checked (it and those after it may be hidden, unsaid). */
  stoppedAt?: number
}

/**
 * Compiled regexes kept from one check to the next: a switch, or a save that leaves most rules
 * as they were, compiles nothing again. Those of a list that is gone are let go (settle()).
 */
export class TextTests {
  /** By kind (glob, regex) and fold, then text: no key is built per look-up, as one is made for most pairs. */
  private now: Map<string, TextTest>[] = []
  private before: Map<string, TextTest>[] = []
  /** Compilations made (each costs the budget COMPILE_COST). */
  compiled = 0

  /** A regex's or glob's test, `text` its normal form (normal()). */
  test(m: TextMatch, text: Text, fold: boolean): TextTest {
    const slot = (text[0] === 'regex' ? 2 : 0) + (fold ? 1 : 0)
    const now = (this.now[slot] ??= new Map())
    let t = now.get(text[1])
    if (t !== undefined) return t
    t = this.before[slot]?.get(text[1])
    if (t === undefined) {
      t = compileText(m, 'rule', { caseInsensitive: fold })
      this.compiled++
    }
    now.set(text[1], t)
    return t
  }

  /** A new list of rules: what the checks of this one do not use again is let go at the next. */
  settle(): void {
    this.before = this.now
    this.now = []
  }
}

/**
 * Work a check may do, in comparisons (a matcher with another, or a text with another): 0.1-0.2
 * µs each for flat matchers, up to 0.4 µs through nested all/any, measured on a loaded 2-core
 * machine, so 50-200 ms at most. 500 rules whose first half are regex paths and second half
 * exact ones (each regex to run on each text) take 375,000 with the regexes' compilations; of
 * 1,000 such rules, the first 500 are checked, and about 700 at a switch (compiled already).
 */
export const SHADOW_BUDGET = 500_000
/** A regex's compilation, in comparisons: RE2 compiles a short one in 75-150 µs, a longer one in 300. */
const COMPILE_COST = 500

export interface ShadowOptions {
  /** Kept from the checks before (a RuleSet keeps one). */
  texts?: TextTests
  budget?: number
}

/** Every rule an earlier, enabled rule with no act limit hides (numbered from 0, in file order), as far as the budget goes. */
export function shadowedRules(rules: readonly RuleSpec[], opts: ShadowOptions = {}): ShadowCheck {
  const cover = new Cover(opts.texts ?? new TextTests(), opts.budget ?? SHADOW_BUDGET)
  const kinds = rules.map((r) => leafKinds(r.match))
  const acting = rules.flatMap((r, j) => (r.enabled !== false && r.once !== true && r.times === undefined ? [j] : []))
  const hidden: Shadowed[] = []
  let i = 1
  try {
    for (; i < rules.length; i++) {
      for (const j of acting) {
        if (j >= i) break
        // Only a matcher with a kind in common can cover another (leafKinds).
        if ((kinds[j] & kinds[i]) === 0 || !cover.covers(rules[j].match, rules[i].match)) continue
        hidden.push({ rule: i, by: j })
        break
      }
    }
  } catch (err) {
    if (err !== OUT_OF_BUDGET) throw err
    return { hidden, stoppedAt: i }
  }
  return { hidden }
}

const KIND_BITS = { not: 1, http: 2, grpc: 4, resp: 8, message: 16, websocket: 32, connection: 64 } as const

/**
 * The kinds of leaf matcher in `m`, as bits. Covering never crosses kinds: `a` covers `b` when
 * they are the same, or through an all/any part (never empty) that covers or is covered, or two
 * leaves of one kind; so a pair with no kind in common is not covered.
 */
function leafKinds(m: Matcher): number {
  if ('all' in m) return m.all.reduce((bits, x) => bits | leafKinds(x), 0)
  if ('any' in m) return m.any.reduce((bits, x) => bits | leafKinds(x), 0)
  // Checked rules have one of these; anything else still covers what is the same as it.
  return KIND_BITS[Object.keys(m)[0] as keyof typeof KIND_BITS] ?? 128
}

/** Thrown out of a comparison once the budget is spent. */
const OUT_OF_BUDGET = new Error('out of budget')

/** One check's comparisons: its compiled texts, the JSON of each part (compared often), and what it has left to spend. */
class Cover {
  private readonly json = new WeakMap<object, string>()

  constructor(
    private readonly texts: TextTests,
    private left: number
  ) {}

  private spend(cost: number): void {
    this.left -= cost
    if (this.left < 0) throw OUT_OF_BUDGET
  }

  private same(a: unknown, b: unknown): boolean {
    return a === b || this.jsonOf(a) === this.jsonOf(b)
  }

  private jsonOf(x: unknown): string {
    if (typeof x !== 'object' || x === null) return JSON.stringify(x)
    let s = this.json.get(x)
    if (s === undefined) this.json.set(x, (s = JSON.stringify(x)))
    return s
  }

  /** Whether every subject `b` matches, `a` matches too (false when not certain). */
  covers(a: Matcher, b: Matcher): boolean {
    this.spend(1)
    if (this.same(a, b)) return true
    if ('any' in b) return b.any.length > 0 && b.any.every((x) => this.covers(a, x))
    if ('all' in a) return a.all.every((x) => this.covers(x, b))
    if ('any' in a && a.any.some((x) => this.covers(x, b))) return true
    if ('all' in b && b.all.some((x) => this.covers(a, x))) return true
    if ('http' in a && 'http' in b) return this.httpCovers(a.http, b.http)
    if ('grpc' in a && 'grpc' in b) {
      const [x, y] = [a.grpc, b.grpc]
      return (x.method === undefined || x.method === y.method) && (x.service === undefined || x.service === y.service) && (x.field === undefined || this.same(x.field, y.field))
    }
    if ('resp' in a && 'resp' in b) return (a.resp.command === undefined || a.resp.command.toUpperCase() === b.resp.command?.toUpperCase()) && this.textCovers(a.resp.key, b.resp.key)
    if ('message' in a && 'message' in b) {
      const [x, y] = [a.message, b.message]
      const fields = Object.entries(x.fields ?? {}).every(([name, want]) => {
        const have = y.fields?.[name]
        return typeof want === 'number' || typeof want === 'boolean' ? want === have : have !== undefined && typeof have !== 'number' && typeof have !== 'boolean' && this.textCovers(want, have)
      })
      return optional(x.dir, y.dir) && optional(x.protocol, y.protocol) && this.textCovers(x.summary, y.summary) && optional(x.regex, y.regex) && optional(x.hex, y.hex) && fields
    }
    if ('websocket' in a && 'websocket' in b) {
      const [x, y] = [a.websocket, b.websocket]
      return optional(x.dir, y.dir) && oneOf(x.opcode, y.opcode, (o) => o) && this.textCovers(x.text, y.text) && pairsCover(x.json, y.json, (p, q) => this.same(p, q))
    }
    if ('connection' in a && 'connection' in b) {
      const [x, y] = [a.connection, b.connection]
      return this.textCovers(x.client, y.client) && this.textCovers(x.targetHost, y.targetHost, true) && optional(x.targetPort, y.targetPort) && this.textCovers(x.sni, y.sni, true) && optional(x.alpn, y.alpn)
    }
    return false
  }

  private httpCovers(a: HttpMatch, b: HttpMatch): boolean {
    // Each of `a`'s header conditions is looked for among all of `b`'s.
    if (a.headers !== undefined && b.headers !== undefined) this.spend(Object.keys(a.headers).length * Object.keys(b.headers).length)
    const pairTest = (fold: boolean) => (p: TextMatch | true, q: TextMatch | true) => p === true || (q !== true && this.textCovers(p, q, fold))
    return (
      oneOf(a.method, b.method, (m) => m.toUpperCase()) &&
      this.textCovers(a.host, b.host, true) &&
      optional(a.port, b.port) &&
      this.textCovers(a.path, b.path) &&
      pairsCover(a.query, b.query, pairTest(false)) &&
      headersCover(a.headers, b.headers, pairTest(false)) &&
      (a.body === undefined || this.same(a.body, b.body))
    )
  }

  /** Whether every text `b` matches, `a` matches too; `a` left out matches anything, `b` left out anything at all. */
  private textCovers(a: TextMatch | undefined, b: TextMatch | undefined, fold = false): boolean {
    if (a === undefined) return true
    if (b === undefined) return false
    this.spend(1)
    const [x, y] = [normal(a), normal(b)]
    if (x[0] === y[0] && x[1] === y[1]) return true
    // A regex or glob is run on one text (folding as `a` folds, so it takes each of its spellings); what else it takes cannot be told.
    if (x[0] === 'glob' || x[0] === 'regex') return y[0] === 'exact' && this.regexTest(a, x, fold)(y[1])
    // The rest: `b`'s every text is `a`'s, starts with it, or holds it.
    const want = fold ? x[1].toLowerCase() : x[1]
    const have = fold ? y[1].toLowerCase() : y[1]
    if (x[0] === 'exact') return y[0] === 'exact' && have === want
    if (x[0] === 'prefix') return (y[0] === 'exact' || y[0] === 'prefix') && have.startsWith(want)
    return y[0] !== 'glob' && y[0] !== 'regex' && have.includes(want)
  }

  private regexTest(m: TextMatch, text: Text, fold: boolean): TextTest {
    const compiled = this.texts.compiled
    const test = this.texts.test(m, text, fold)
    this.spend((this.texts.compiled - compiled) * COMPILE_COST)
    return test
  }
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
  if (a === undefined) return true
  const have = Object.entries(b ?? {}).map(([name, q]) => [name.toLowerCase(), q] as const)
  return Object.entries(a).every(([name, p]) => {
    const lower = name.toLowerCase()
    return have.some(([n, q]) => n === lower && test(p, q))
  })
}

/** A text matcher as its kind and its text (a string read as exact or glob), compared without building an object per pair. */
type Text = readonly ['exact' | 'glob' | 'regex' | 'contains' | 'prefix', string]
function normal(m: TextMatch): Text {
  if (typeof m === 'string') return [m.includes('*') || m.includes('?') ? 'glob' : 'exact', m]
  if ('exact' in m) return ['exact', m.exact]
  if ('glob' in m) return ['glob', m.glob]
  if ('regex' in m) return ['regex', m.regex]
  if ('contains' in m) return ['contains', m.contains]
  return ['prefix', m.prefix]
}
