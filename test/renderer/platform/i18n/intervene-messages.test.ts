/// <reference types="vite/client" />
// The messages of changing traffic in flight (the Held queue and its editor, breakpoints,
// toxics, connection actions, and the marks of what they did) exist in both languages, key
// for key, and every key those parts of the UI use is there (a missing one shows as its key).
import { describe, expect, it } from 'vitest'
import intervene from '../../../../src/renderer/src/platform/i18n/messages/intervene'
import { FAULT_EFFECTS, TOXIC_STREAMS, TOXIC_TYPES, TOXIC_ATTRIBUTES } from '../../../../src/shared/fault-types'
import { BREAK_MATCHES } from '../../../../src/shared/break-types'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  [
    '../../../../src/renderer/src/features/breakpoints/*.{vue,ts}',
    '../../../../src/renderer/src/features/faults/*.{vue,ts}',
    '../../../../src/renderer/src/features/conversation/*.{vue,ts}'
  ],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

describe('intervene messages', () => {
  const known = new Set(keys(intervene.en as Tree))

  it('have the same keys in English and Chinese', () => {
    expect(keys(intervene['zh-CN'] as Tree).sort()).toEqual(keys(intervene.en as Tree).sort())
  })

  it('have every key the Held queue, the rules panels, the action bar and the marks use', () => {
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('((?:held|breaks|toxics|actions|marks)\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(50)
    expect(used.filter((k) => !known.has(k))).toEqual([])
  })

  it('have the keys made from values', () => {
    const made = [
      ...TOXIC_TYPES.map((x) => `toxics.about.${x}`),
      ...TOXIC_STREAMS.flatMap((s) => [`toxics.stream.${s}`, `breaks.stream.${s}`]),
      ...Object.values(TOXIC_ATTRIBUTES).flatMap((list) => list.filter((a) => a !== 'delay').map((a) => `toxics.attr.${a}`)),
      ...BREAK_MATCHES.map((m) => `breaks.match.${m}`),
      ...['client', 'server'].map((d) => `held.dir.${d}`),
      ...['chunk', 'http-request', 'http-response'].map((k) => `held.kind.${k}`),
      ...['structured', 'text', 'hex'].map((m) => `held.${m}`),
      // The marks' words, from a record's effect, action and direction (picture-labels.ts).
      ...FAULT_EFFECTS.map((e) => `marks.faultWhat.${e}`),
      ...['held', 'heldMessage', 'edited', 'forwarded', 'timeout', 'dropped', 'droppedClosed', 'closed', 'too-big'].map((a) => `marks.breakWhat.${a}`),
      ...['pause', 'resume', 'inject', 'fin', 'rst'].map((a) => `marks.actionWhat.${a}`),
      ...['client', 'server'].flatMap((d) => [`marks.way.${d}`, `marks.to.${d}`])
    ]
    expect(made.filter((k) => !known.has(k))).toEqual([])
  })
})
