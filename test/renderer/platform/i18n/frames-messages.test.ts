/// <reference types="vite/client" />
// The Frames view's messages and the exchange lists' new ones (protocol, stream, filter help)
// exist in both languages, key for key, and every key the views use is there.
import { describe, expect, it } from 'vitest'
import frames from '../../../../src/renderer/src/platform/i18n/messages/frames'
import exchanges from '../../../../src/renderer/src/platform/i18n/messages/exchanges'
import http from '../../../../src/renderer/src/platform/i18n/messages/http'
import detail from '../../../../src/renderer/src/platform/i18n/messages/detail'
import { EXCHANGE_WORDS } from '../../../../src/shared/protocol-types'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(['../../../../src/renderer/src/features/frames/*.{vue,ts}', '../../../../src/renderer/src/features/exchanges/*.{vue,ts}', '../../../../src/renderer/src/features/http/*.{vue,ts}'], {
  query: '?raw',
  import: 'default',
  eager: true
}) as Record<string, string>

describe('Frames view and exchange list messages', () => {
  it('have the same keys in English and Chinese', () => {
    for (const part of [frames, exchanges]) expect(keys(part['zh-CN'] as Tree).sort()).toEqual(keys(part.en as Tree).sort())
  })

  it('have every key the views use', () => {
    const known = new Set([...keys(frames.en as Tree), ...keys(exchanges.en as Tree), ...keys(http.en as Tree), ...keys(detail.en as Tree)])
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('((?:frames|exchanges|httpView|detail)\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used).toContain('frames.label')
    expect(used.filter((k) => !known.has(k))).toEqual([])
    // Keys made from a value: each value has its words.
    for (const col of ['index', 'time', 'dir', 'type', 'stream', 'length', 'flags', 'info']) expect(known.has(`frames.col.${col}`)).toBe(true)
    for (const p of ['http1', 'h2', 'h2c', 'grpc', 'grpc-web']) expect(known.has(`exchanges.protocol.${p}`)).toBe(true)
    for (const k of ['rst_stream', 'goaway']) expect(known.has(`httpView.ended.${k}`) && known.has(`httpView.endedShort.${k}`)).toBe(true)
  })

  it('name every filter word of the exchange list in its help, proto: and its values included, in both languages', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const help = exchanges[lang].exchanges.filterHelp
      for (const word of [...EXCHANGE_WORDS, 'conn', 'proto']) expect(help).toContain(`${word}:`)
      for (const value of ['h2', 'http1', 'ws', 'grpc']) expect(help).toContain(value)
      expect(exchanges[lang].exchanges.filterPlaceholder).toContain('proto:h2')
    }
  })
})
