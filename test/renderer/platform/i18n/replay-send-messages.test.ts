/// <reference types="vite/client" />
// The New request composer's messages exist in both languages, key for key; every key its
// components use is there (a missing one would show as its key), and none is left unused.
import { describe, expect, it } from 'vitest'
import messages from '../../../../src/renderer/src/platform/i18n/messages/replay-send'
import { HTTP_VERSIONS } from '../../../../src/renderer/src/features/replay/send/new-request-store'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(['../../../../src/renderer/src/features/replay/send/*.vue', '../../../../src/renderer/src/features/detail/DetailPane.vue'], {
  query: '?raw',
  import: 'default',
  eager: true
}) as Record<string, string>

/** Keys the components build from a value: each HTTP version's name, and the header rows' texts (ui/form/HeaderRows.vue takes them by the prefix `replaySend`). */
const HEADER_ROWS = ['headersTable', 'name', 'value', 'actions', 'headerName', 'headerValue', 'remove', 'add']
const BUILT = [...HTTP_VERSIONS.map((v) => `replaySend.versions.${v}`), ...HEADER_ROWS.map((k) => `replaySend.${k}`)]

describe('new request messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(messages['zh-CN'] as Tree).sort()).toEqual(keys(messages.en as Tree).sort())
  })

  it('have every key the composer uses, and no other', () => {
    const known = keys(messages.en as Tree)
    const used = new Set([...Object.values(SOURCES).flatMap((source) => [...source.matchAll(/'(replaySend\.[\w.-]+)'/g)].map((m) => m[1])), ...BUILT])
    expect(used.size).toBeGreaterThan(30)
    expect([...used].filter((k) => !known.includes(k))).toEqual([])
    expect(known.filter((k) => !used.has(k))).toEqual([])
  })
})
