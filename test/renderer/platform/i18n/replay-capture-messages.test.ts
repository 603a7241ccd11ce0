/// <reference types="vite/client" />
// The whole-capture replay and recorded-server messages exist in both languages, key for key,
// and every key their components use is there (a missing one would show as its key).
import { describe, expect, it } from 'vitest'
import messages from '../../../../src/renderer/src/platform/i18n/messages/replay-capture'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  [
    '../../../../src/renderer/src/features/replay/capture/ReplayCapture*.vue',
    '../../../../src/renderer/src/features/replay/RecordedServer*.vue',
    '../../../../src/renderer/src/features/exports/ContextActions.vue',
    '../../../../src/renderer/src/features/sessions/RecordedServersSection.vue',
    '../../../../src/renderer/src/features/connections/ConnectionList.vue'
  ],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

describe('replay capture messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(messages['zh-CN'] as Tree).sort()).toEqual(keys(messages.en as Tree).sort())
  })

  it('have every key the dialog, the menu and the sidebar use', () => {
    const known = new Set(keys(messages.en as Tree))
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('(replayCapture\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(40)
    expect(used.filter((k) => !known.has(k))).toEqual([])
  })
})
