/// <reference types="vite/client" />
// The messages of Intercept ▸ "A command…" exist in both languages, key for key, and every
// key its form, sidebar section and output panel use is there, including the keys made from
// values (the form's problems, the streams' headings).
import { describe, expect, it } from 'vitest'
import commands from '../../../../src/renderer/src/platform/i18n/messages/commands'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(['../../../../src/renderer/src/features/commands/*.{vue,ts}', '../../../../src/renderer/src/features/tls/InterceptMenu.vue'], {
  query: '?raw',
  import: 'default',
  eager: true
}) as Record<string, string>

describe('command messages', () => {
  const known = new Set(keys(commands.en as Tree))

  it('have the same keys in English and Chinese', () => {
    expect(keys(commands['zh-CN'] as Tree).sort()).toEqual(keys(commands.en as Tree).sort())
  })

  it('have every key the command parts of the UI use, and the keys made from values', () => {
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('(commands\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(30)
    const made = ['empty', 'unclosedQuote', 'operator'].map((p) => `commands.form.problem.${p}`).concat(['stdout', 'stderr'].map((s) => `commands.output.${s}`))
    expect([...used, ...made].filter((k) => !known.has(k))).toEqual([])
  })
})
