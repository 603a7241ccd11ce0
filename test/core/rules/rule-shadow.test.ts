import { describe, expect, it } from 'vitest'
import type { Matcher, RuleSpec } from '../../../src/shared/rules/rule-types'
import { compileMatcher } from '../../../src/core/rules/rule-match'
import { shadowedRules, TextTests } from '../../../src/core/rules/rule-shadow'
import { RuleSet } from '../../../src/core/rules/rule-set'

const rule = (match: Matcher): RuleSpec => ({ match, steps: [{ delay: 1 }] })
const request = (headers: { name: string; value: string }[]) => ({
  conn: { client: '127.0.0.1:5000' },
  request: { method: 'GET', path: '/', query: new URLSearchParams(), host: 'example.test', headers }
})

describe('shadowedRules', () => {
  it('keeps both conditions of one header a rule names twice in different case', () => {
    const both: Matcher = { http: { headers: { 'X-A': '1', 'x-a': '2' } } }
    const one: Matcher = { http: { headers: { 'x-a': '2' } } }
    // The matcher asks both of the header: a request with only `x-a: 2` passes the later rule, not the earlier.
    const only2 = request([{ name: 'x-a', value: '2' }])
    expect(compileMatcher(both, 'rules[0].match')(only2)).toBe(false)
    expect(compileMatcher(one, 'rules[1].match')(only2)).toBe(true)
    expect(shadowedRules([rule(both), rule(one)]).hidden).toEqual([])
  })

  it('still finds a header condition in another case, one of several the later rule gives', () => {
    const earlier: Matcher = { http: { headers: { 'X-A': '2' } } }
    const later: Matcher = { http: { headers: { 'x-a': '2', 'X-a': '1' } } }
    expect(shadowedRules([rule(earlier), rule(later)]).hidden).toEqual([{ rule: 1, by: 0 }])
    // Each of the earlier rule's spellings covered by one of the later's.
    expect(shadowedRules([rule({ http: { headers: { 'X-A': '1', 'x-a': '2' } } }), rule(later)]).hidden).toEqual([{ rule: 1, by: 0 }])
  })
})

describe('RuleSet.list: a rule an earlier one hides', () => {
  const tag: RuleSpec = { name: 'tag requests', match: { http: { path: { prefix: '/' } } }, steps: [{ delay: 1 }] }
  const other: RuleSpec = { name: 'to the other server', match: { http: { path: { prefix: '/other/' } } }, steps: [{ reset: true }] }

  it("is reported with the id of the rule that hides it, as the rules are switched now", () => {
    // What the front ends read (rules.list, rules-updated): the panel and every --rules warn of it.
    const set = new RuleSet()
    set.set([tag, other])
    const [a, b] = set.list()
    expect(a.hiddenBy).toBeUndefined()
    expect(b.hiddenBy).toBe(a.id)
    // Off, the earlier rule hides nothing; on again, it does.
    set.setEnabled(a.id, false)
    expect(set.list().map((r) => r.hiddenBy)).toEqual([undefined, undefined])
    set.setEnabled(a.id, true)
    expect(set.list()[1].hiddenBy).toBe(a.id)
    // In the other order, neither hides the other.
    set.set([other, tag])
    expect(set.list().map((r) => r.hiddenBy)).toEqual([undefined, undefined])
  })
})

/**
 * The costliest shape: every earlier regex must run on every later exact text. The first half
 * regex paths, the second exact ones, of which `/api/v3/x` (rule n/2) is one the regex of
 * rule 3 takes: hidden by it.
 */
function regexThenExact(n: number): RuleSpec[] {
  return Array.from({ length: n }, (_, i) => rule({ http: { path: i < n / 2 ? { regex: `^/api/v${i}/.*` } : i === n / 2 ? '/api/v3/x' : `/other/${i}` } }))
}

describe('the check for hidden rules, as it runs in the engine at every change of the rules', () => {
  it('compiles each regex once a check, and none again at a switch, for 1,000 rules', () => {
    // Unbounded here, to see it whole: once per pair, it compiled 250,000 regexes (7.5 s).
    // Counted where the check compiles (a module mock would not count in the suite's shared module graph).
    const texts = new TextTests()
    const set = new RuleSet({ shadowBudget: Infinity, shadowTexts: texts })
    set.set(regexThenExact(1000))
    // The 500 regexes of the list, once each.
    expect(texts.compiled).toBeGreaterThan(0)
    expect(texts.compiled).toBeLessThanOrEqual(500)
    const list = set.list()
    expect(list.flatMap((r, i) => (r.hiddenBy !== undefined ? [[i, list.findIndex((x) => x.id === r.hiddenBy)]] : []))).toEqual([[500, 3]])
    const before = texts.compiled
    set.setEnabled(list[3].id, false)
    expect(set.list()[500].hiddenBy).toBeUndefined()
    set.setEnabled(list[3].id, true)
    expect(set.list()[500].hiddenBy).toBe(list[3].id)
    expect(texts.compiled).toBe(before)
  })

  it('stops past its budget: what it found stands, a regex is compiled at most once, and it says where it stopped', () => {
    const rules = regexThenExact(1000)
    const texts = new TextTests()
    const first = shadowedRules(rules, { texts })
    expect(first.stoppedAt).toBeGreaterThan(500)
    expect(first.stoppedAt).toBeLessThan(1000)
    expect(first.hidden).toEqual([{ rule: 500, by: 3 }])
    expect(texts.compiled).toBeGreaterThan(0)
    expect(texts.compiled).toBeLessThanOrEqual(500)
    // Nested all/any cost far more per pair: bounded all the same.
    const nested = (i: number, depth: number): Matcher => (depth === 0 ? { http: { path: `/p${i}` } } : { [depth % 2 === 1 ? 'any' : 'all']: Array.from({ length: 6 }, () => nested(i, depth - 1)) }) as Matcher
    const deep = shadowedRules(Array.from({ length: 300 }, (_, i) => rule(nested(i, 3))))
    expect(deep.stoppedAt).toBeLessThan(150)
  })

  it('compares only matchers with a kind in common, and still finds one of several kinds that hides another', () => {
    const rules = [rule({ connection: { targetPort: 443 } }), rule({ any: [{ resp: { command: 'GET' } }, { http: { path: { prefix: '/' } } }] }), rule({ websocket: { text: 'x' } }), rule({ http: { path: '/a' } }), rule({ resp: { command: 'get', key: { regex: 'k' } } })]
    expect(shadowedRules(rules).hidden).toEqual([{ rule: 3, by: 1 }, { rule: 4, by: 1 }])
  })

  it('says once that it stopped, not at every switch; again once the rules, fewer, were checked whole', () => {
    const warned: string[] = []
    const set = new RuleSet({ warn: (m) => warned.push(m), shadowBudget: 1500 })
    const rules = Array.from({ length: 60 }, (_, i) => rule({ http: { path: i === 30 ? '/a/b' : { prefix: `/p${i}/` } } }))
    rules[10] = rule({ http: { path: { prefix: '/a/' } } })
    set.set(rules)
    expect(warned).toEqual([`rules ${set.hiddenUncheckedFrom! + 1} to 60 were not checked for an earlier rule that hides them: 60 rules are too many to compare while traffic flows`])
    // What it reached before stopping is told.
    expect(set.hiddenUncheckedFrom).toBeGreaterThan(30)
    expect(set.hiddenUncheckedFrom).toBeLessThan(60)
    expect(set.list()[30].hiddenBy).toBe(set.list()[10].id)
    set.setEnabled(set.list()[0].id, false)
    set.set(rules)
    expect(warned).toHaveLength(1)
    set.set(rules.slice(0, 12))
    expect(set.hiddenUncheckedFrom).toBeUndefined()
    set.set(rules)
    expect(warned).toHaveLength(2)
  })
})
