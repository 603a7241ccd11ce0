/// <reference types="vite/client" />
// The HTTP and WebSocket views' messages exist in both languages, key for key, and every
// key their components use is there (a missing one would show as its key).
import { DETAIL_TABS } from '../../../../src/renderer/src/features/connections/selection-store'
import { describe, expect, it } from 'vitest'
import http from '../../../../src/renderer/src/platform/i18n/messages/http'
import detail from '../../../../src/renderer/src/platform/i18n/messages/detail'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(['../../../../src/renderer/src/features/http/**/*.vue', '../../../../src/renderer/src/features/websocket/*.vue'], {
  query: '?raw',
  import: 'default',
  eager: true
}) as Record<string, string>

describe('HTTP and WebSocket view messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(http['zh-CN'] as Tree).sort()).toEqual(keys(http.en as Tree).sort())
  })

  it('have every key the views use, and the tabs are named in both languages', () => {
    const known = new Set([...keys(http.en as Tree), ...keys(detail.en as Tree)])
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('((?:httpView|wsView|detail)\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(40)
    expect(used.filter((k) => !known.has(k))).toEqual([])
    for (const lang of ['en', 'zh-CN'] as const) expect(Object.keys(detail[lang].detail.tab)).toEqual([...DETAIL_TABS])
  })
})
