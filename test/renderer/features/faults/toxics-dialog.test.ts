// @vitest-environment jsdom
// The Faults dialog's table says each toxic's stream in the page's language, in a word so a
// row keeps its buttons in view (it showed the engine's word, "downstream", in the Chinese page).
// Its form names each mistake under its field, in the page's language where the form found it
// (a toxicity of "abc" was dropped without a word: the toxic came with toxicity 1), and the
// engine's refusal of a match under Match (it was one line under the whole form).
import { describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import ToxicsDialog from '../../../../src/renderer/src/features/faults/ToxicsDialog.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import type { Toxic } from '../../../../src/shared/fault-types'
import { EngineError } from '../../../../src/shared/errors'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'
import { perTestMounts } from '../../per-test-mounts'

const mounts = perTestMounts()

const slow: Toxic = { name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 700, jitter: 0 }, enabled: true, affected: 3 }

describe('the Faults dialog', () => {
  it.for([
    ['en', 'downstream'],
    ['zh-CN', '下行']
  ] as const)('names a toxic’s stream in the page’s language (%s)', async ([language, words]) => {
    const t = fakeTransport({ 'toxic.list': () => [slow] })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(ToxicsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body }))
    await flushPromises()
    const row = w.findAll('tr').find((r) => r.text().includes('latency_downstream'))
    expect(row?.findAll('td').map((td) => td.text())).toContain(words)
  })

  /** The input whose label starts with `label`. */
  const inputLabelled = (w: VueWrapper, label: string) => w.findAll('input').find((i) => document.querySelector(`label[for="${i.attributes('id')}"]`)?.textContent?.trim().startsWith(label))!

  /** The text under the field labelled `label` (its problem), read through aria-describedby. */
  function problemUnder(w: VueWrapper, label: string): string | undefined {
    const input = inputLabelled(w, label)
    if (input.attributes('aria-invalid') !== 'true') return undefined
    return (input.attributes('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
      .join(' ')
  }

  it.for([
    ['en', 'Toxicity (0–1)', 'A number from 0 to 1', 'latency (ms)', 'A number, 0 or more'],
    ['zh-CN', '概率（0–1）', '0 到 1 之间的数', '延迟（毫秒）', '大于或等于 0 的数']
  ] as const)('names a number that is none under its field, before sending (%s)', async ([language, toxicityLabel, toxicitySays, latencyLabel, latencySays]) => {
    const t = fakeTransport({ 'toxic.list': () => [] })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(ToxicsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body }))
    await flushPromises()
    await inputLabelled(w, toxicityLabel).setValue('abc')
    await inputLabelled(w, latencyLabel).setValue('-5')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'toxic.add')).toEqual([])
    expect(problemUnder(w, toxicityLabel)).toContain(toxicitySays)
    expect(problemUnder(w, latencyLabel)).toContain(latencySays)
  })

  it("puts the engine's refusal of a match under Match, not under the form", async () => {
    const refusal = 'toxic match: unknown filter word "colour:": use port: state: kind: owner: id: conn: client: target: replay: tls: sni: via: text: proto: method: host: path: status: type: or plain text'
    const t = fakeTransport({
      'toxic.list': () => [],
      'toxic.add': () => {
        throw new EngineError('EINVAL', refusal)
      }
    })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(ToxicsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n('en')] }, attachTo: document.body }))
    await flushPromises()
    await inputLabelled(w, 'Match').setValue('colour:red')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'toxic.add')).toHaveLength(1)
    expect(problemUnder(w, 'Match')).toContain(refusal)
    // Said once, under Match: not again for the whole form.
    expect(w.findAll('p, div, span').filter((e) => e.element.children.length === 0 && e.text().includes('colour:'))).toHaveLength(1)
  })
})
