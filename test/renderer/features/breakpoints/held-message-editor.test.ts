// @vitest-environment jsdom
// A held message of a raw connection's framing in the held editor: its decoded fields in the
// Messages tab's field tree, under its summary, and the length box named for a framing's
// lengths; in English and Chinese.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import type { HeldMessage } from '../../../../src/shared/break-types'
import HeldEditor from '../../../../src/renderer/src/features/breakpoints/HeldEditor.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { settle } from '../http/http-fixtures'

const mounted: VueWrapper[] = []
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

const SET = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n'
const held: HeldMessage = {
  id: 7,
  proxyId: 'p1',
  ruleId: 'b1',
  connId: 3,
  dir: 'client',
  kind: 'message',
  size: SET.length,
  preview: new TextEncoder().encode(SET),
  summary: 'SET k hello',
  protocol: 'resp',
  fields: [
    {
      name: 'command (array)',
      value: '3 elements',
      offset: 0,
      length: SET.length,
      children: ['SET', 'k', 'hello'].map((v, i) => ({ name: `[${i}] (bulk string, ${v.length} bytes)`, value: v }))
    }
  ],
  heldAt: Date.now()
}

async function editor(language: 'en' | 'zh-CN'): Promise<VueWrapper> {
  const pinia = createPinia()
  setActivePinia(pinia)
  useEngineStore().attach(fakeTransport({ 'held.read': async () => new TextEncoder().encode(SET) }).transport)
  const w = mount(HeldEditor, { props: { message: held }, global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
  mounted.push(w)
  await settle()
  return w
}

describe('the held editor with a framed message', () => {
  it('shows its fields as a tree under its summary, and offers to fix its lengths', async () => {
    const w = await editor('en')
    expect(w.find('.fields summary').text()).toBe('Fields: SET k hello')
    const tree = w.find('[aria-label="Fields of held message 7"]')
    expect(tree.attributes('role')).toBe('tree')
    expect(tree.text()).toContain('3 elements')
    expect(w.text()).toContain('Fix lengths')
  })

  it('in Chinese', async () => {
    const w = await editor('zh-CN')
    expect(w.find('.fields summary').text()).toBe('字段：SET k hello')
    expect(w.find('[aria-label="拦截消息 7 的字段"]').exists()).toBe(true)
    expect(w.text()).toContain('修正长度字段')
  })
})
