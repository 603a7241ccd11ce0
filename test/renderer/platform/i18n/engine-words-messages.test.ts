// The engine's errors said in Chinese (ui/engine-words.ts) read as written once vue-i18n has
// compiled them: none holds a character its message syntax takes for its own ({ } @ $ |),
// which would drop or mangle part of a sentence. Every set phrase a wording names has its
// words. test/core/front/engine-words.test.ts holds each wording to the engine's real error.
import { describe, expect, it } from 'vitest'
import engineWordsMessages from '../../../../src/renderer/src/platform/i18n/messages/engine-words'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { PHRASES } from '../../../../src/renderer/src/ui/engine-words'

type Tree = { [key: string]: string | Tree }
const entries = (tree: Tree, prefix = ''): Array<[string, string]> =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : entries(v, `${prefix}${k}.`)))

describe("the engine's errors in Chinese", () => {
  const zh = entries(engineWordsMessages['zh-CN'] as unknown as Tree)

  it('read as written through vue-i18n, each part the engine named in its place', () => {
    const { t } = createAppI18n('zh-CN').global
    expect(zh.length).toBeGreaterThan(80)
    for (const [key, text] of zh) {
      const names = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      const params = Object.fromEntries(names.map((n) => [n, `<${n}: a|b {c} @d $e>`]))
      expect(t(key, params), key).toBe(text.replace(/\{(\w+)\}/g, (_, n: string) => String(params[n])))
    }
  })

  it('has words for every phrase a wording names', () => {
    const said = new Set(zh.map(([key]) => key))
    const phrases = Object.values(PHRASES).flatMap((p) => Object.values(p))
    expect(phrases.filter((p) => !said.has(`engineWords.phrase.${p}`))).toEqual([])
  })
})
