// @vitest-environment jsdom
// The Rules panel says, under a rule's label, that an earlier rule hides it (the engine's
// `hiddenBy`: the earlier one matches everything it matches), naming that rule, in the page's
// language: a note named for the rule, which its Edit button is described by. Only `rules
// check` said so; the panel showed a hidden rule as any other.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import RulesDialog from '../../../../src/renderer/src/features/rules/RulesDialog.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import type { RulesState } from '../../../../src/shared/rules/rule-args'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'
import { perTestMounts } from '../../per-test-mounts'
import { useRangeRects } from '../../codemirror-jsdom'

useRangeRects()
const mounts = perTestMounts()

const spec = (name: string, path: RuleSpec['match']): RuleSpec => ({ name, match: path, steps: [{ respond: { status: 200 } }] })
const state: RulesState = {
  rules: [
    { id: 'r1', label: 'mock user', spec: spec('mock user', { http: { path: '/api/user' } }), enabled: true, hits: 0 },
    { id: 'r2', label: 'tag requests', spec: spec('tag requests', { http: { path: { prefix: '/' } } }), enabled: true, hits: 0 },
    { id: 'r3', label: 'to the other server', spec: spec('to the other server', { http: { path: { prefix: '/other/' } } }), enabled: true, hits: 0, hiddenBy: 'r2' }
  ]
}

describe('the Rules panel', () => {
  it.for([
    ['en', 'Rule 3 never acts', 'Never acts: rule 2 “tag requests” matches everything this one matches, and the first rule that matches acts.'],
    ['zh-CN', '规则 3 永远不会生效', '永远不会生效：规则 2“tag requests”能匹配本规则匹配的一切，而只有第一条匹配的规则会生效。']
  ] as const)('says under a hidden rule that it never acts, and which rule hides it (%s)', async ([language, name, says]) => {
    const t = fakeTransport({ 'rules.list': () => state })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(RulesDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body }))
    await flushPromises()
    const notes = [...document.querySelectorAll('table [role="note"]')]
    expect(notes.map((n) => n.getAttribute('aria-label'))).toEqual([name])
    const note = notes[0]
    expect(note.textContent?.trim()).toBe(`⚠ ${says}`)
    // Next to the hidden rule: in its row, in the cell of its label.
    const row = note.closest('tr')!
    expect(note.closest('td')?.textContent?.trim().startsWith('to the other server')).toBe(true)
    // Its Edit button is described by it, so a screen reader on the row's button hears it.
    const edit = [...row.querySelectorAll('button')].find((b) => b.getAttribute('aria-describedby') !== null)!
    expect(document.getElementById(edit.getAttribute('aria-describedby')!)).toBe(note)
    expect(w.text()).toContain('tag requests')
  })
})
