// @vitest-environment jsdom
// The held editor's Drop says what it does to the message's conversation, as the CLI's `d`
// does (held.drop is the same command): an HTTP/2 message's stream is reset, an HTTP/1
// message's connection (HTTP/1 cannot end one request alone), a chunk is only gone. In
// English and Chinese, as the button's description.
import { mount, type VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { HeldMessage } from '../../../../src/shared/break-types'
import HeldEditor from '../../../../src/renderer/src/features/breakpoints/HeldEditor.vue'
import { useHeldStore } from '../../../../src/renderer/src/features/breakpoints/held-store'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'
import { perTestMounts } from '../../per-test-mounts'

const mounts = perTestMounts()
const BYTES = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n')

async function dropButton(language: 'en' | 'zh-CN', message: Partial<HeldMessage>): Promise<{ name: string; description: string }> {
  const held: HeldMessage = { id: 7, proxyId: 'p1', ruleId: 'b1', connId: 3, dir: 'client', kind: 'chunk', size: BYTES.length, preview: BYTES, heldAt: Date.now(), ...message }
  const t = fakeTransport({ 'held.read': async () => BYTES })
  useEngineStore().attach(t.transport)
  t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [], held: [held] })
  const store = useHeldStore()
  const w: VueWrapper = mounts.track(
    mount({ components: { HeldEditor }, setup: () => ({ store }), template: '<HeldEditor v-if="store.selected" :message="store.selected" />' }, { global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body })
  )
  await flushPromises()
  const name = language === 'en' ? 'Drop held message 7' : '丢弃：拦截的消息 7'
  const button = w.findAll('button').find((b) => b.attributes('aria-label') === name)!
  return { name: button.attributes('aria-label')!, description: button.attributes('aria-description') ?? '' }
}

describe('the held editor\'s Drop', () => {
  it('says an HTTP/2 message\'s stream is reset, an HTTP/1 message\'s connection, and a chunk only goes', async () => {
    expect((await dropButton('en', { kind: 'http-request', stream: 3 })).description).toBe('It never reaches its receiver: stream 3 is reset, the connection goes on')
    expect((await dropButton('en', { kind: 'http-response' })).description).toBe('It never reaches its receiver, and its connection is reset: HTTP/1 cannot end one request alone')
    expect((await dropButton('en', { kind: 'chunk' })).description).toBe('It never reaches its receiver; the connection goes on without it')
    expect((await dropButton('zh-CN', { kind: 'http-request' })).description).toBe('接收方不会收到它，并且会重置其连接：HTTP/1 无法单独结束一个请求')
    expect((await dropButton('zh-CN', { kind: 'message', protocol: 'resp' })).description).toBe('接收方不会收到它；连接继续，只是少了这部分')
  })
})
