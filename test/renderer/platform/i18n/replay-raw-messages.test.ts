/// <reference types="vite/client" />
// The raw replay panel's messages exist in both languages, key for key; every key its
// components use is there (a missing one would show as its key), and none is left unused.
import { describe, expect, it } from 'vitest'
import messages from '../../../../src/renderer/src/platform/i18n/messages/replay-raw'
import { REPLAY_STRATEGIES } from '../../../../src/shared/replay-types'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  [
    '../../../../src/renderer/src/features/replay/raw/*.vue'
  ],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

/** Keys the components build from a value: each strategy's name and explanation (the engine's, and by message), each refusal, each editor mode. */
const BUILT = [
  ...[...REPLAY_STRATEGIES, 'messages'].flatMap((s) => [`replayRaw.options.strategies.${s}`, `replayRaw.options.explain.${s}`]),
  ...['nothingSent', 'tooLarge', 'tooManyEdits'].map((r) => `replayRaw.refusal.${r}`),
  'replayRaw.editor.text',
  'replayRaw.editor.hex'
]

describe('raw replay messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(messages['zh-CN'] as Tree).sort()).toEqual(keys(messages.en as Tree).sort())
  })

  it('have every key the panel uses, and no other', () => {
    const known = keys(messages.en as Tree).map((k) => `replayRaw.${k.replace(/^replayRaw\./, '')}`)
    const used = new Set([...Object.values(SOURCES).flatMap((source) => [...source.matchAll(/'(replayRaw\.[\w.-]+)'/g)].map((m) => m[1])), ...BUILT])
    expect(used.size).toBeGreaterThan(40)
    expect([...used].filter((k) => !known.includes(k))).toEqual([])
    expect(known.filter((k) => !used.has(k))).toEqual([])
  })
})
