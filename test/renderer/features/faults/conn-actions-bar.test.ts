// @vitest-environment jsdom
// The connection's action bar does not offer what the engine would refuse: a side that was sent
// a FIN, by a click here or passed on from the other side's own FIN, takes nothing more but an
// RST, so its FIN button and an injection toward it are disabled, with the reason in the
// page's language (they were offered, and the click ended in the engine's refusal).
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ConnActionsBar from '../../../../src/renderer/src/features/faults/ConnActionsBar.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'
import { perTestMounts } from '../../per-test-mounts'
import { listRow } from '../connections/list-rows'

const mounts = perTestMounts()

/** The selected connection: live and proxied, with the FINs each side sent so far. */
const live = (fin: ConnectionSummary['fin']): ConnectionSummary => listRow(3, { fin })

function bar(conn: ConnectionSummary, language: 'en' | 'zh-CN' = 'en') {
  const t = fakeTransport({ 'conn.shut': () => undefined, 'conn.inject': () => ({ bytes: 2 }) })
  useEngineStore().attach(t.transport)
  const w = mounts.track(mount(ConnActionsBar, { props: { conn }, global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body }))
  const button = (name: string) => w.findAll('button').find((b) => b.text() === name)!
  return { w, t, button }
}

describe('the connection action bar', () => {
  it('disables FIN to a side once it was sent one, and an injection toward it; RST stays', async () => {
    const { w, t, button } = bar(live({ client: false, server: false }))
    expect(button('FIN to target').attributes('disabled')).toBeUndefined()
    await button('FIN to target').trigger('click')
    await flushPromises()
    expect(t.calls.map((c) => c.cmd)).toEqual(['conn.shut'])
    expect(button('FIN to target').attributes('disabled')).toBeDefined()
    expect(button('FIN to target').attributes('title')).toBe('A FIN was sent to the target: nothing more can go to it but an RST')
    expect(button('RST to target').attributes('disabled')).toBeUndefined()
    expect(button('FIN to client').attributes('disabled')).toBeUndefined()

    await button('Inject…').trigger('click')
    const submit = () => w.find('form button[type="submit"]')
    expect(submit().attributes('disabled')).toBeDefined()
    await w.find('form select').setValue('client')
    expect(submit().attributes('disabled')).toBeUndefined()
  })

  it("takes the other side's own FIN as sent on (zh-CN)", async () => {
    // The client ended its side: the proxy passed the FIN on to the target.
    const { button } = bar(live({ client: true, server: false }), 'zh-CN')
    expect(button('向目标发 FIN').attributes('disabled')).toBeDefined()
    expect(button('向目标发 FIN').attributes('title')).toBe('已向目标发送 FIN：之后只能再发 RST')
    expect(button('向客户端发 FIN').attributes('disabled')).toBeUndefined()
    await flushPromises()
  })
})
