// @vitest-environment jsdom
// The Breakpoints dialog's Direction field names what leaving it to the engine means: a raw
// rule holds both ways, an HTTP rule its message's way. It offered "any", and the rule then
// showed as "both ways" in the table, two words for one thing.
import { describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import BreakpointsDialog from '../../../../src/renderer/src/features/breakpoints/BreakpointsDialog.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'
import { perTestMounts } from '../../per-test-mounts'

const mounts = perTestMounts()

/** The select labelled `label`. */
function select(w: VueWrapper, label: string) {
  return w.findAll('select').find((s) => document.querySelector(`label[for="${s.attributes('id')}"]`)?.textContent?.trim() === label)!
}

describe('the Breakpoints dialog', () => {
  it.for([
    ['en', 'Hold', 'Direction', 'default (both ways)', 'default (client → target)', 'default (target → client)'],
    ['zh-CN', '拦截', '方向', '默认（双向）', '默认（客户端 → 目标）', '默认（目标 → 客户端）']
  ] as const)('names the default direction by what it is, for the match chosen (%s)', async ([language, matchLabel, directionLabel, raw, request, response]) => {
    const t = fakeTransport({ 'break.list': () => [] })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(BreakpointsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body }))
    await flushPromises()
    const first = (): string => select(w, directionLabel).findAll('option')[0].text()
    expect(first()).toBe(raw)
    await select(w, matchLabel).setValue('http-request')
    expect(first()).toBe(request)
    await select(w, matchLabel).setValue('http-response')
    expect(first()).toBe(response)
  })

  it.for([
    ['en', 'Required'],
    ['zh-CN', '必填']
  ] as const)('says a pattern is required under its field, and asks the engine nothing (%s)', async ([language, required]) => {
    const asked: unknown[] = []
    const t = fakeTransport({ 'break.list': () => [], 'break.add': (args) => {
        asked.push(args)
        return { id: 'b1', match: 'text', pattern: 'GET', stream: 'both', timeoutMs: 30_000, enabled: true, hits: 0, heldNow: 0, forwarded: 0, edited: 0, dropped: 0 } as never
      }
    })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(BreakpointsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body }))
    await flushPromises()
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(asked).toEqual([])
    const field = w.find('input[aria-invalid="true"]')
    expect(field.exists()).toBe(true)
    expect(document.getElementById(field.attributes('aria-describedby')!.split(' ')[0])?.textContent).toContain(required)
    // Typed in, the problem goes, and the rule is asked for.
    await field.setValue('GET')
    expect(w.find('input[aria-invalid="true"]').exists()).toBe(false)
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(asked).toHaveLength(1)
  })
})
