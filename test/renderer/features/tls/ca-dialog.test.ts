// @vitest-environment jsdom
// The certificate authority panel as a person uses it: it shows the CA's subject, fingerprint
// and files, trust commands for the engine's system and another picked; Export downloads the
// certificate in the format chosen; Regenerate asks first and only then calls the engine;
// an engine error shows beside the control that caused it. English and Chinese.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import CaDialog from '../../../../src/renderer/src/features/tls/CaDialog.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useCaStore } from '../../../../src/renderer/src/features/tls/ca-store'
import { EngineError } from '../../../../src/shared/errors'
import type { CaInfo } from '../../../../src/shared/tls-types'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const info = (over: Partial<CaInfo> = {}): CaInfo => ({
  subject: 'CN=tcpscope CA (box), O=tcpscope',
  sha256: 'AB:CD:EF:01',
  spki: 'c3BraQ==',
  validFrom: '2026-01-01T00:00:00Z',
  validTo: '2036-01-01T00:00:00Z',
  certPath: '/home/ann/.config/tcpscope/ca.pem',
  keyPath: '/home/ann/.config/tcpscope/ca-key.pem',
  dataDir: '/home/ann/.config/tcpscope',
  pem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  ...over
})

const mounted: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
  vi.restoreAllMocks()
})

async function panel(handlers: Handlers, locale: 'en' | 'zh-CN' = 'en') {
  const t = fakeTransport({ 'ca.info': () => info(), ...handlers })
  useEngineStore().attach(t.transport)
  useCaStore().open()
  const w = mount(CaDialog, { global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  const button = (name: string) => w.findAll('button').find((b) => (b.attributes('aria-label') ?? b.text()) === name)
  return { w, calls: t.calls, button }
}

describe('the certificate authority panel', () => {
  it('shows the CA and the commands that trust it on the engine’s system, then on another', async () => {
    const { w } = await panel({})
    expect(w.find('dialog').attributes('aria-label')).toBe('Certificate authority')
    expect(w.text()).toContain('CN=tcpscope CA (box), O=tcpscope')
    expect(w.find('[role=region][aria-label="SHA-256 fingerprint"]').text()).toBe('AB:CD:EF:01')
    expect(w.find('[role=radio][aria-checked=true]').text()).toBe('Linux')
    expect(w.text()).toContain("sudo update-ca-certificates")
    expect(w.text()).toContain(`certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n tcpscope -i '/home/ann/.config/tcpscope/ca.pem'`)
    expect(w.findAll('button').some((b) => b.attributes('aria-label') === 'Copy: Debian, Ubuntu: add it to the system’s roots (update-ca-certificates)')).toBe(true)
    await w.findAll('[role=radio]').find((r) => r.text() === 'macOS')!.trigger('click')
    expect(w.text()).toContain('security add-trusted-cert')
    expect(w.text()).not.toContain('update-ca-certificates')
  })

  it('exports the certificate in the format chosen, as a download', async () => {
    const created: Blob[] = []
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), 'blob:x'))
    URL.revokeObjectURL = vi.fn()
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    const { w, calls, button } = await panel({ 'ca.export': ({ format }) => ({ fileName: `tcpscope-ca.${format}`, bytes: new Uint8Array([0x30, 0x82]) }) })
    await w.find('select[aria-label="Certificate format"]').setValue('der')
    await button('Export certificate')!.trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.cmd === 'ca.export').map((c) => c.args)).toEqual([{ format: 'der' }])
    expect(clicks).toHaveBeenCalledTimes(1)
    expect(new Uint8Array(await created[0].arrayBuffer())).toEqual(new Uint8Array([0x30, 0x82]))
    expect(w.find('[role=status]').text()).toContain('tcpscope-ca.der')
  })

  it('regenerates only after the person confirms, and shows the new CA', async () => {
    const { w, calls, button } = await panel({ 'ca.regenerate': () => info({ sha256: '99:88', created: true }) })
    await button('Regenerate…')!.trigger('click')
    expect(calls.some((c) => c.cmd === 'ca.regenerate')).toBe(false)
    expect(w.find('[role=alertdialog]').text()).toContain('trusted nowhere')
    await button('Keep the current one')!.trigger('click')
    expect(w.find('[role=alertdialog]').exists()).toBe(false)
    await button('Regenerate…')!.trigger('click')
    await button('Regenerate')!.trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.cmd === 'ca.regenerate').map((c) => c.args)).toEqual([{ confirm: true }])
    expect(w.find('[role=region][aria-label="SHA-256 fingerprint"]').text()).toBe('99:88')
    expect(w.find('[role=alertdialog]').exists()).toBe(false)
  })

  it('shows an engine error beside what caused it', async () => {
    const { w, button } = await panel({
      'ca.regenerate': () => {
        throw new EngineError('EACCES', 'cannot write /ro/ca.pem: permission denied')
      }
    })
    await button('Regenerate…')!.trigger('click')
    await button('Regenerate')!.trigger('click')
    await flushPromises()
    expect(w.find('[role=alertdialog] [role=alert]').text()).toBe('cannot write /ro/ca.pem: permission denied')
  })

  it('speaks Chinese', async () => {
    const { w } = await panel({}, 'zh-CN')
    expect(w.find('dialog').attributes('aria-label')).toBe('证书颁发机构')
    expect(w.text()).toContain('信任它')
    expect(w.findAll('button').some((b) => b.text() === '导出证书')).toBe(true)
  })
})
