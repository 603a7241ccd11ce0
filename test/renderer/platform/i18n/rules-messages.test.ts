/// <reference types="vite/client" />
// The messages of traffic rules (the Rules panel, its editor and file, the marks of what a rule
// did, the delivered dialog, the exchange badges) exist in both languages, key for key, and
// every key those parts of the UI use is there (a missing one shows as its key).
import { describe, expect, it } from 'vitest'
import rules from '../../../../src/renderer/src/platform/i18n/messages/rules'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  [
    '../../../../src/renderer/src/features/rules/*.{vue,ts}',
    '../../../../src/renderer/src/features/conversation/*.{vue,ts}',
    '../../../../src/renderer/src/features/exchanges/*.{vue,ts}',
    '../../../../src/renderer/src/features/http/*.{vue,ts}',
    '../../../../src/renderer/src/features/exports/*.{vue,ts}',
    '../../../../src/renderer/src/features/sessions/*.{vue,ts}'
  ],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

describe('rules messages', () => {
  const known = new Set(keys(rules.en as Tree))

  it('have the same keys in English and Chinese', () => {
    expect(keys(rules['zh-CN'] as Tree).sort()).toEqual(keys(rules.en as Tree).sort())
  })

  it('have every key the Rules panel, the marks and the badges use', () => {
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('(rules\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(40)
    expect(used.filter((k) => !known.has(k))).toEqual([])
  })

  it('have the keys made from values', () => {
    const made = [
      ...['client', 'server'].flatMap((d) => [`rules.delivered.sent.${d}`, `rules.delivered.got.${d}`, `rules.words.from.${d}`]),
      ...['mocked', 'rewritten', 'forwarded'].flatMap((k) => [`rules.badge.${k}`, `rules.badge.${k}Name`]),
      ...['close', 'reset', 'drop', 'timeout'].map((a) => `rules.what.${a}`),
      ...['request', 'response'].map((p) => `rules.words.${p}`),
      'rules.editor.mocked',
      'rules.editor.rewriteMade',
      'rules.editor.replyMade'
    ]
    expect(made.filter((k) => !known.has(k))).toEqual([])
  })
})
