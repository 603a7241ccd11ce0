import { describe, expect, it } from 'vitest'
import type { Matcher, RuleSpec } from '../../../src/shared/rules/rule-types'
import { compileMatcher } from '../../../src/core/rules/rule-match'
import { shadowedRules } from '../../../src/core/rules/rule-shadow'
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
    expect(shadowedRules([rule(both), rule(one)])).toEqual([])
  })

  it('still finds a header condition in another case, one of several the later rule gives', () => {
    const earlier: Matcher = { http: { headers: { 'X-A': '2' } } }
    const later: Matcher = { http: { headers: { 'x-a': '2', 'X-a': '1' } } }
    expect(shadowedRules([rule(earlier), rule(later)])).toEqual([{ rule: 1, by: 0 }])
    // Each of the earlier rule's spellings covered by one of the later's.
    expect(shadowedRules([rule({ http: { headers: { 'X-A': '1', 'x-a': '2' } } }), rule(later)])).toEqual([{ rule: 1, by: 0 }])
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
