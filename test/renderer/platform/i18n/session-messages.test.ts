/// <reference types="vite/client" />
// The sessions and composer messages exist in both languages, key for key, and every key
// their components use is there (a missing one would show as its key).
import { describe, expect, it } from 'vitest'
import sessions from '../../../../src/renderer/src/platform/i18n/messages/sessions'
import composer from '../../../../src/renderer/src/platform/i18n/messages/composer'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(['../../../../src/renderer/src/features/sessions/forms/*.vue', '../../../../src/renderer/src/ui/form/*.vue', '../../../../src/renderer/src/features/sessions/composer/*.vue', '../../../../src/renderer/src/features/sessions/*.vue'], {
  query: '?raw',
  import: 'default',
  eager: true
}) as Record<string, string>

describe('sessions and composer messages', () => {
  it('have the same keys in English and Chinese', () => {
    for (const part of [sessions, composer]) expect(keys(part['zh-CN'] as Tree).sort()).toEqual(keys(part.en as Tree).sort())
  })

  it('have every key the forms, the sidebar and the composer use', () => {
    const known = new Set([...keys(sessions.en as Tree), ...keys(composer.en as Tree)])
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('((?:form|sessions|composer)\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(50)
    expect(used.filter((k) => !known.has(k))).toEqual([])
  })
})
