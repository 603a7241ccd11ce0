// @vitest-environment jsdom
// The Rules panel's store: a proxy's rules read once when it is first seen (a snapshot has
// none), kept by batches; a move, an edit or a delete sends the whole list in its new order,
// a rule switched off staying off; "Mock this response" leaves a rule for the proxy that
// carried the exchange, and opens its panel.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../src/shared/contract'
import type { ProxyInfo } from '../../../../src/shared/events'
import type { RulesState } from '../../../../src/shared/rules/rule-args'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useFaultsStore } from '../../../../src/renderer/src/features/faults/faults-store'
import { currentSpec, moved, useRulesStore } from '../../../../src/renderer/src/features/rules/rules-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

beforeEach(() => setActivePinia(createPinia()))

const spec = (name: string): RuleSpec => ({ name, match: { http: { path: `/${name}` } }, steps: [{ respond: { status: 200 } }] })
const proxy = (id: string): ProxyInfo => ({ id, listen: '127.0.0.1:8080', target: '127.0.0.1:80', state: 'listening', active: 0, accepted: 0 }) as ProxyInfo

/** An engine whose rules.* keep a list, numbering rules anew at each set as the engine does. */
function engineWithRules(initial: RuleSpec[]) {
  let next = 1
  let state: RulesState = { rules: [] }
  const setAll = (specs: RuleSpec[]): RulesState => (state = { rules: specs.map((s) => ({ id: `r${next++}`, label: s.name ?? '?', spec: s, enabled: s.enabled ?? true, hits: 0 })) })
  setAll(initial)
  const t = fakeTransport({
    'rules.list': () => state,
    'rules.set': (a: CommandArgs<'rules.set'>) => setAll(a.rules as RuleSpec[]),
    'rules.enable': (a: CommandArgs<'rules.enable'>) => (state = { rules: state.rules.map((r) => (r.id === a.id ? { ...r, enabled: a.enabled } : r)) }),
    'conn.get': () => [{ id: 3, kind: 'proxy', ownerId: 'p1' } as never],
    'rules.from': (a: CommandArgs<'rules.from'>) => ({ name: `made ${a.connId} ${a.exchange ?? ''} ${a.message ?? ''} ${a.as ?? ''}`.trim(), match: { http: { path: '/api/other' } }, steps: [{ respond: { status: 201 } }] })
  })
  const engine = useEngineStore()
  engine.attach(t.transport)
  return { t, engine, sets: () => t.calls.filter((c) => c.cmd === 'rules.set').map((c) => (c.args as CommandArgs<'rules.set'>).rules as RuleSpec[]) }
}

describe('the rules store', () => {
  it("reads a proxy's rules when it is first seen, and takes batches", async () => {
    const { t, engine } = engineWithRules([spec('a')])
    const rules = useRulesStore()
    t.emit({ type: 'snapshot', proxies: [proxy('p1')], sessions: [], captures: [] })
    await flushPromises()
    expect(rules.rulesOf('p1').map((r) => r.label)).toEqual(['a'])
    expect(t.calls.filter((c) => c.cmd === 'rules.list')).toHaveLength(1)
    engine.applyBatches([{ type: 'batch', rules: { p1: { rules: [{ id: 'r9', label: 'b', spec: spec('b'), enabled: true, hits: 4 }], file: '/x/rules.yaml', error: 'bad' } } }])
    expect(rules.stateOf('p1')).toMatchObject({ file: '/x/rules.yaml', error: 'bad' })
    expect(rules.rulesOf('p1')[0].hits).toBe(4)
    // Removed with its proxy.
    engine.applyBatches([{ type: 'batch', proxies: [{ ...proxy('p1'), state: 'removed' } as ProxyInfo] }])
    expect(rules.stateOf('p1')).toBeUndefined()
  })

  it('sends the whole list in its new order, a rule switched off staying off', async () => {
    const { t, sets } = engineWithRules([spec('a'), spec('b'), spec('c')])
    const rules = useRulesStore()
    t.emit({ type: 'snapshot', proxies: [proxy('p1')], sessions: [], captures: [] })
    await flushPromises()
    await rules.enable('p1', rules.rulesOf('p1')[1].id, false)
    await rules.move('p1', 1, -1)
    expect(sets().at(-1)).toEqual([{ ...spec('b'), enabled: false }, spec('a'), spec('c')])
    expect(rules.rulesOf('p1').map((r) => [r.label, r.enabled])).toEqual([['b', false], ['a', true], ['c', true]])
    // Off the ends: nothing is sent.
    await rules.move('p1', 0, -1)
    await rules.move('p1', 2, 1)
    expect(sets()).toHaveLength(1)
    await rules.save('p1', spec('d'))
    await rules.save('p1', spec('A'), 1)
    await rules.remove('p1', 0)
    expect(sets().at(-1)).toEqual([spec('A'), spec('c'), spec('d')])
    expect(moved(['x', 'y', 'z'], 2, 0)).toEqual(['z', 'x', 'y'])
    expect(currentSpec({ id: 'r1', label: 'a', spec: { ...spec('a'), enabled: false }, enabled: true, hits: 0 })).toEqual(spec('a'))
  })

  it("leaves the engine's rule made from an exchange or a message as a draft for the proxy that carried it, and opens its panel", async () => {
    const { t } = engineWithRules([])
    const rules = useRulesStore()
    t.emit({ type: 'snapshot', proxies: [proxy('p2'), proxy('p1')], sessions: [], captures: [] })
    await flushPromises()
    const draft = await rules.mockFrom('live', 3, 0)
    expect(draft?.proxyId).toBe('p1')
    expect(JSON.parse(draft!.text)).toEqual({ name: 'made 3 0', match: { http: { path: '/api/other' } }, steps: [{ respond: { status: 201 } }] })
    expect(draft?.note).toEqual({ key: 'rules.editor.mocked', values: { n: 1, conn: 3 } })
    expect(rules.draft).toStrictEqual(draft)
    expect(useFaultsStore().panel).toEqual({ kind: 'rules', proxyId: 'p1' })
    expect((await rules.ruleFrom('live', 3, { exchange: 2, as: 'rewrite' }))?.note).toEqual({ key: 'rules.editor.rewriteMade', values: { n: 3, conn: 3 } })
    const reply = await rules.ruleFrom('live', 3, { message: 4 })
    expect(JSON.parse(reply!.text).name).toBe('made 3  4')
    expect(reply?.note).toEqual({ key: 'rules.editor.replyMade', values: { n: 5, conn: 3 } })
  })
})
