// @vitest-environment jsdom
// New request: with the URL empty, Send is disabled and a hint under the request line says why,
// in the page's language; the URL field and Send are described by it, so a screen reader says
// it too (Send was disabled and nothing said why). Typing a URL takes the hint away.
import { describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import NewRequestPanel from '../../../../../src/renderer/src/features/replay/send/NewRequestPanel.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../../fake-transport'
import { flushPromises } from '../../../../helpers/flush-promises'
import { perTestMounts } from '../../../per-test-mounts'

const mounts = perTestMounts()

/** The text of what `el` is described by (aria-describedby's ids), or '' for none. */
const description = (el: Element): string =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
    .join(' ')

describe('the New request panel', () => {
  it.for([
    ['en', 'URL', 'Send', 'Enter a URL to send'],
    ['zh-CN', 'URL', '发送', '输入 URL 后才能发送']
  ] as const)('says why Send is disabled while the URL is empty (%s)', async ([language, urlName, sendName, hint]) => {
    useEngineStore().attach(fakeTransport({}).transport)
    const w: VueWrapper = mounts.track(
      mount(NewRequestPanel, { global: { plugins: [mounts.pinia(), createAppI18n(language)], stubs: { ByteEditor: true, SentResponse: true } }, attachTo: document.body })
    )
    await flushPromises()
    const url = w.get(`input[aria-label="${urlName}"]`)
    const send = () => w.findAll('button').find((b) => b.text() === sendName)!
    expect(send().attributes('disabled')).toBeDefined()
    expect(w.text()).toContain(hint)
    expect(description(url.element)).toBe(hint)
    expect(description(send().element)).toBe(hint)

    await url.setValue('https://api.example.test/items')
    await flushPromises()
    expect(send().attributes('disabled')).toBeUndefined()
    expect(w.text()).not.toContain(hint)
    expect(description(url.element)).toBe('')
    expect(description(send().element)).toBe('')
  })
})
