/// <reference types="vite/client" />
// The byte editor's (its component and its view) and the comparisons' messages exist in both
// languages, key for key; every key they use is there (a missing one would show as its key)
// and none is left unused.
import { describe, expect, it } from 'vitest'
import messages from '../../../../src/renderer/src/platform/i18n/messages/replay-parts'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  ['../../../../src/renderer/src/features/replay/editor/ByteEditor.vue', '../../../../src/renderer/src/features/replay/editor/byte-editor-view.ts', '../../../../src/renderer/src/features/replay/diff/*.vue', '../../../../src/renderer/src/features/replay/raw/TurnDifference.vue'],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

/** Keys built from a value: the encoding shown, a header's or JSON value's change, why a header is not counted, a byte-diff side. */
const BUILT = [
  ...['utf-8', 'latin1'].map((e) => `replayParts.editor.encoding.${e}`),
  ...['same', 'changed', 'added', 'removed'].map((c) => `replayParts.headers.changes.${c}`),
  ...['volatile', 'framing', 'rule'].map((k) => `replayParts.headers.ignored.${k}`),
  ...['recorded', 'replayed'].map((s) => `replayParts.diff.${s}`)
]

describe('replay parts messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(messages['zh-CN'] as Tree).sort()).toEqual(keys(messages.en as Tree).sort())
  })

  it('have every key the components use, and no other', () => {
    const known = keys(messages.en as Tree)
    // Every quoted key, passed to t() directly or chosen in a ternary first.
    const used = new Set([...Object.values(SOURCES).flatMap((source) => [...source.matchAll(/'(replayParts\.[\w.-]+)'/g)].map((m) => m[1])), ...BUILT])
    expect([...used].filter((k) => !known.includes(k))).toEqual([])
    expect(known.filter((k) => !used.has(k))).toEqual([])
  })
})
