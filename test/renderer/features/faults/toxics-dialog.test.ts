// @vitest-environment jsdom
// The Faults dialog's table says each toxic's stream in the page's language, in a word so a
// row keeps its buttons in view (it showed the engine's word, "downstream", in the Chinese page).
// Its form names each mistake under its field, in the page's language where the form found it
// (a toxicity of "abc" was dropped without a word: the toxic came with toxicity 1), and the
// engine's refusal of a match under Match (it was one line under the whole form). A toxic
// added clears the fields that describe it, keeping the type and stream picked (the form kept
// them all, so Add again made a duplicate); a refused add keeps everything.
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

  /** The select whose label is `label`. */
  const selectLabelled = (w: VueWrapper, label: string) => w.findAll('select').find((i) => document.querySelector(`label[for="${i.attributes('id')}"]`)?.textContent?.trim() === label)!

  /** Fills the form for a bandwidth toxic, upstream, and submits it. */
  async function addBandwidth(w: VueWrapper): Promise<void> {
    await selectLabelled(w, 'Type').setValue('bandwidth')
    await selectLabelled(w, 'Stream').setValue('upstream')
    await inputLabelled(w, 'Toxicity (0–1)').setValue('0.5')
    await inputLabelled(w, 'rate (KB/s)').setValue('64')
    await inputLabelled(w, 'Match').setValue('port:80')
    await inputLabelled(w, 'Name').setValue('slow_up')
    await w.find('form').trigger('submit')
    await flushPromises()
  }
  const values = (w: VueWrapper) => ({
    type: (selectLabelled(w, 'Type').element as HTMLSelectElement).value,
    stream: (selectLabelled(w, 'Stream').element as HTMLSelectElement).value,
    toxicity: (inputLabelled(w, 'Toxicity (0–1)').element as HTMLInputElement).value,
    rate: (inputLabelled(w, 'rate (KB/s)').element as HTMLInputElement).value,
    match: (inputLabelled(w, 'Match').element as HTMLInputElement).value,
    name: (inputLabelled(w, 'Name').element as HTMLInputElement).value
  })
  const filled = { type: 'bandwidth', stream: 'upstream', toxicity: '0.5', rate: '64', match: 'port:80', name: 'slow_up' }

  it('clears the toxic’s fields once it is added, keeping its type and stream', async () => {
    const t = fakeTransport({ 'toxic.list': () => [], 'toxic.add': () => ({ ...slow, name: 'slow_up' }) })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(ToxicsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n('en')] }, attachTo: document.body }))
    await flushPromises()
    await addBandwidth(w)
    const adds = t.calls.filter((c) => c.cmd === 'toxic.add')
    expect(adds).toHaveLength(1)
    expect(adds[0].args).toMatchObject({ proxyId: 'p1', toxic: { type: 'bandwidth', stream: 'upstream', toxicity: 0.5, name: 'slow_up', match: 'port:80', attributes: { rate: 64 } } })
    expect(values(w)).toEqual({ type: 'bandwidth', stream: 'upstream', toxicity: '1', rate: '', match: '', name: '' })
  })

  it('keeps the form as it was when the add is refused', async () => {
    const t = fakeTransport({
      'toxic.list': () => [],
      'toxic.add': () => {
        throw new EngineError('EEXIST', 'toxic slow_up already exists')
      }
    })
    useEngineStore().attach(t.transport)
    const w = mounts.track(mount(ToxicsDialog, { props: { proxyId: 'p1' }, global: { plugins: [mounts.pinia(), createAppI18n('en')] }, attachTo: document.body }))
    await flushPromises()
    await addBandwidth(w)
    expect(t.calls.filter((c) => c.cmd === 'toxic.add')).toHaveLength(1)
    expect(values(w)).toEqual(filled)
  })
})
