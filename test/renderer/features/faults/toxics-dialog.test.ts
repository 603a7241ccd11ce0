// @vitest-environment jsdom
// The Faults dialog's table says each toxic's stream in the page's language, in a word so a
// row keeps its buttons in view (it showed the engine's word, "downstream", in the Chinese page).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import ToxicsDialog from '../../../../src/renderer/src/features/faults/ToxicsDialog.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import type { Toxic } from '../../../../src/shared/fault-types'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

const slow: Toxic = { name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 700, jitter: 0 }, enabled: true, affected: 3 }

describe('the Faults dialog', () => {
  it.for([
    ['en', 'downstream'],
    ['zh-CN', '下行']
  ] as const)('names a toxic’s stream in the page’s language (%s)', async ([language, words]) => {
    const t = fakeTransport({ 'toxic.list': () => [slow] })
    useEngineStore().attach(t.transport)
    const w = mount(ToxicsDialog, { props: { proxyId: 'p1' }, global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
    mounted.push(w)
    await flushPromises()
    const row = w.findAll('tr').find((r) => r.text().includes('latency_downstream'))
    expect(row?.findAll('td').map((td) => td.text())).toContain(words)
  })
})
