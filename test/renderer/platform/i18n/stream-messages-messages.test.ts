/// <reference types="vite/client" />
// The Messages tab's and "Decode as…"'s words exist in both languages, key for key; every key
// the feature uses is there; each framing the dialog offers has its words; and the connection
// filter's words name the message protocols proto: takes.
import { describe, expect, it } from 'vitest'
import streamMessages from '../../../../src/renderer/src/platform/i18n/messages/stream-messages'
import detail from '../../../../src/renderer/src/platform/i18n/messages/detail'
import common from '../../../../src/renderer/src/platform/i18n/messages/common'
import { FRAME_CHOICES } from '../../../../src/renderer/src/features/messages/frame-draft'
import { MESSAGE_PROTOCOLS } from '../../../../src/shared/message-types'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(['../../../../src/renderer/src/features/messages/*.{vue,ts}', '../../../../src/renderer/src/features/exports/ContextActions.vue'], {
  query: '?raw',
  import: 'default',
  eager: true
}) as Record<string, string>

describe('Messages tab and Decode as… messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(streamMessages['zh-CN'] as Tree).sort()).toEqual(keys(streamMessages.en as Tree).sort())
  })

  it('have every key the feature uses, and words for every framing offered', () => {
    const known = new Set([...keys(streamMessages.en as Tree), ...keys(detail.en as Tree)])
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('((?:msgView|decodeAs|detail)\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used).toContain('msgView.decodeAs')
    expect(used.filter((k) => !known.has(k))).toEqual([])
    for (const k of FRAME_CHOICES) expect(known.has(`decodeAs.kinds.${k}`)).toBe(true)
    for (const s of ['detected', 'chosen', 'owner', 'none']) expect(known.has(`msgView.source.${s}`)).toBe(true)
  })

  it('say that field: names a field bare or by its dotted path, in both languages', () => {
    // The help said only field:NAME=VALUE, as if a nested field could only be named bare.
    for (const lang of ['en', 'zh-CN'] as const) {
      for (const help of [streamMessages[lang].msgView.filterHelp, streamMessages[lang].msgView.filterHelpPlain]) {
        expect(help).toContain('field:')
        expect(help).toContain('payload.seq')
        expect(help).toContain('payload.tags[1].k')
      }
    }
    expect(streamMessages.en.msgView.filterHelpPlain).toContain('dotted path')
    expect(streamMessages['zh-CN'].msgView.filterHelpPlain).toContain('点分路径')
  })

  it('list the message protocols among the connection filter\'s proto: words, in both languages', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const help = common[lang].toolbar.filterHelp
      for (const p of MESSAGE_PROTOCOLS) expect(help).toContain(p)
      expect(help).toContain('proto:')
    }
  })
})
