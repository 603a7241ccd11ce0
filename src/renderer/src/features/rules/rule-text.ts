// A rule as the panel's editor holds it: JSON text, the example a new rule starts from, and
// the text read back as one rule (the engine checks the rest, and names the field).

import type { RuleSpec } from '../../../../shared/rules/rule-types'

/** What a new rule starts from. */
export const EXAMPLE_RULE: RuleSpec = {
  name: 'mock the user',
  match: { http: { method: 'GET', path: '/api/user' } },
  steps: [{ respond: { status: 200, json: { id: 1, name: 'Ada' } } }]
}

export const ruleText = (spec: unknown): string => JSON.stringify(spec, null, 2)

export type ParsedRule = { spec: RuleSpec } | { problem: 'notJson'; message: string } | { problem: 'notOne'; what: string }

/** The editor's text as one rule: a JSON object (its fields are the engine's to check). */
export function parseRuleText(text: string): ParsedRule {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { problem: 'notJson', message: (err as Error).message.split('\n')[0] }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'notOne', what: Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value }
  }
  return { spec: value as RuleSpec }
}
