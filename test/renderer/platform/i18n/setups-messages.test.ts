/// <reference types="vite/client" />
// The setups messages exist in both languages, key for key, and every key the Setups menu,
// its dialogs and the bar use is there, including the keys made from values (the kinds of
// a part, the counts, the notes).
import { describe, expect, it } from 'vitest'
import setups from '../../../../src/renderer/src/platform/i18n/messages/setups'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob('../../../../src/renderer/src/features/setups/*.{vue,ts}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>

describe('setups messages', () => {
  const known = new Set(keys(setups.en as Tree))

  it('have the same keys in English and Chinese', () => {
    expect(keys(setups['zh-CN'] as Tree).sort()).toEqual(keys(setups.en as Tree).sort())
  })

  it('have every key the setups views use', () => {
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('(setups\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(40)
    expect(used.filter((k) => !known.has(k))).toEqual([])
  })

  it('have the keys made from values', () => {
    const made = [
      ...['proxies', 'servers', 'clients'].map((k) => `setups.count.${k}`),
      ...['proxy', 'server', 'client'].map((k) => `setups.kind.${k}`),
      ...['toxic', 'breakpoint', 'part'].map((k) => `setups.failure.${k}`),
      ...['saved', 'imported'].map((k) => `setups.note.${k}`)
    ]
    expect(made.filter((k) => !known.has(k))).toEqual([])
  })
})
