/// <reference types="vite/client" />
// The HTTP replay's messages exist in both languages, key for key, and every key its
// components use is there (a missing one would show as its key), the per-mode and per-view
// names included.
import { describe, expect, it } from 'vitest'
import messages from '../../../../src/renderer/src/platform/i18n/messages/replay-http'
import { EDITOR_MODES, RESULT_VIEWS } from '../../../../src/renderer/src/features/replay/http/replay-http-store'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  [
    '../../../../src/renderer/src/features/replay/http/HttpReplay*.vue',
    '../../../../src/renderer/src/features/replay/http/ReplayOptionsBar.vue',
    '../../../../src/renderer/src/features/replay/http/RequestEditorPane.vue',
    '../../../../src/renderer/src/features/replay/http/StructuredRequestEditor.vue',
    '../../../../src/renderer/src/features/replay/http/ResponseComparison.vue',
    '../../../../src/renderer/src/features/replay/http/Repeat*.vue',
    '../../../../src/renderer/src/features/replay/http/SequenceRun.vue',
    '../../../../src/renderer/src/features/replay/ElapsedNote.vue'
  ],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

describe('HTTP replay messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(messages['zh-CN'] as Tree).sort()).toEqual(keys(messages.en as Tree).sort())
  })

  it('have every key the panel uses', () => {
    const known = new Set(keys(messages.en as Tree))
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('(replayHttp\.[\w.-]+)'/g)].map((m) => m[1]))
    const named = [...EDITOR_MODES.flatMap((m) => [`replayHttp.editor.mode.${m}`, `replayHttp.editor.label.${m}`]), ...RESULT_VIEWS.map((v) => `replayHttp.results.view.${v}`)]
    expect(used.length).toBeGreaterThan(60)
    expect([...used, ...named].filter((k) => !known.has(k))).toEqual([])
  })
})
