// @vitest-environment jsdom
// The proxy form's mode and TLS parts as a person uses them: Forward proxy trades the target
// for authentication and interception, TLS sections open with their fields, every control is
// named, and a problem (found before calling, or the engine's) shows beside its field, its
// section opening by itself.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import ProxyForm from '../../../../../src/renderer/src/features/sessions/forms/ProxyForm.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { EngineError } from '../../../../../src/shared/errors'
import { fakeTransport, type Handlers } from '../../../fake-transport'
import { flushPromises } from '../../../../helpers/flush-promises'

const mounted: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

function form(handlers: Handlers = {}, locale: 'en' | 'zh-CN' = 'en') {
  const t = fakeTransport(handlers)
  useEngineStore().attach(t.transport)
  const w = mount(ProxyForm, { global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  const field = (label: string) => {
    const l = w.findAll('label').find((x) => x.text() === label)
    if (!l) throw new Error(`no field ${label}`)
    return w.find(`[id="${l.attributes('for')!}"]`)
  }
  const problemOf = (label: string) => {
    const describedby = field(label).attributes('aria-describedby')
    return describedby ? w.find(`[id="${describedby}"]`).text() : undefined
  }
  const section = (title: string) => w.findAll('button[aria-expanded]').find((b) => b.text().includes(title))!
  return { w, t, field, problemOf, section }
}

describe('the proxy form', () => {
  it('trades the target for a forward proxy’s options, and starts it', async () => {
    const { w, t, field } = form({ 'proxy.start': (a) => ({ id: 'p1', listen: '127.0.0.1:1', target: 'forward', mode: 'forward', state: 'listening', accepted: 0, active: 0, ...(a.target ? {} : {}) }) })
    expect(w.find('[role=radiogroup][aria-label=Mode]').exists()).toBe(true)
    await w.findAll('[role=radio]').find((r) => r.text() === 'Forward proxy')!.trigger('click')
    expect(w.findAll('label').some((l) => l.text() === 'Target')).toBe(false)
    await field('Authentication').setValue('ann:pw')
    await field('Pass through (do not decrypt)').setValue('*.apple.com')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(t.calls.map((c) => c.args)).toEqual([{ listen: '127.0.0.1:0', forward: { proxyAuth: 'ann:pw', passThrough: ['*.apple.com'] } }])
  })

  it('takes forwarding threads under Advanced: auto or a count, and names a bad one beside the field', async () => {
    const { w, t, field, problemOf, section } = form({ 'proxy.start': () => ({ id: 'p1', listen: '127.0.0.1:1', target: '127.0.0.1:6379', state: 'listening', accepted: 0, active: 0 }) })
    await field('Target').setValue('127.0.0.1:6379')
    await section('Advanced').trigger('click')
    await field('Forwarding threads').setValue('many')
    await section('Advanced').trigger('click') // closed again: the problem opens it
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(t.calls).toEqual([])
    expect(problemOf('Forwarding threads')).toMatch(/1.*64/)
    await field('Forwarding threads').setValue('Auto')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(t.calls.map((c) => c.args)).toEqual([{ listen: '127.0.0.1:0', target: '127.0.0.1:6379', workers: 'auto' }])
  })

  it('shows a problem beside its TLS field, opening its section', async () => {
    const { w, t, field, problemOf, section } = form()
    await field('Target').setValue('127.0.0.1:8443')
    await section('TLS toward the target').trigger('click')
    await w.findAll('label').find((l) => l.text().includes('Speak TLS to the target'))!.find('input').setValue(true)
    await field('Client certificate').setValue('/tmp/c.pem')
    await section('TLS toward the target').trigger('click') // closed again: the problem opens it
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(t.calls).toEqual([])
    expect(section('TLS toward the target').attributes('aria-expanded')).toBe('true')
    expect(problemOf('Client key')).toBe('Give the key of the certificate too')
  })

  it('puts the engine’s argument error beside the field it names', async () => {
    const { w, field, problemOf, section } = form({
      'proxy.start': () => {
        throw new EngineError('EINVAL', 'invalid arguments for proxy.start: tlsUpstream.ca: cannot read /nope.pem')
      }
    })
    await field('Target').setValue('127.0.0.1:8443')
    await section('TLS toward the target').trigger('click')
    await w.findAll('label').find((l) => l.text().includes('Speak TLS to the target'))!.find('input').setValue(true)
    await field('CA file').setValue('/nope.pem')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(problemOf('CA file')).toBe('invalid arguments for proxy.start: tlsUpstream.ca: cannot read /nope.pem')
  })

  it('names every control in Chinese too', async () => {
    const { w, section } = form({}, 'zh-CN')
    await w.findAll('[role=radio]').find((r) => r.text() === '正向代理')!.trigger('click')
    await section('验证目的地').trigger('click')
    for (const input of w.findAll('input, textarea, select')) {
      const id = input.attributes('id')
      const named = (id && w.find(`label[for="${id}"]`).exists()) || input.element.closest('label') !== null || input.attributes('aria-label')
      expect(named, input.html()).toBeTruthy()
    }
    expect(w.text()).toContain('认证')
  })
})
