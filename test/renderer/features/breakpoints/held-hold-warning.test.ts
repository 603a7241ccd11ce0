// @vitest-environment jsdom
// A held message open in the editor as its hold runs out, on a fake clock: with ten seconds
// or less left, a warning says it goes on unchanged (and that an edit is not sent yet), told
// once to a screen reader, with Keep holding, which starts its timeout again (held.keep) and
// leaves focus in the editor; typing an edit with little time left keeps it held by itself,
// at most once a second, and a short hold warns only in its last third. In English and Chinese.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HeldMessage } from '../../../../src/shared/break-types'
import HeldEditor from '../../../../src/renderer/src/features/breakpoints/HeldEditor.vue'
import { useHeldStore } from '../../../../src/renderer/src/features/breakpoints/held-store'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'
import { perTestMounts } from '../../per-test-mounts'

const mounts = perTestMounts()
const T0 = Date.UTC(2026, 0, 1)
const BYTES = new TextEncoder().encode('PASS secret')
beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(T0)
})
afterEach(() => vi.useRealTimers())

const held = (expiresAt: number, heldAt = T0): HeldMessage => ({ id: 7, proxyId: 'p1', ruleId: 'b1', connId: 3, dir: 'client', kind: 'chunk', size: BYTES.length, preview: BYTES, heldAt, expiresAt })

const WORDS = {
  en: { keep: 'Keep holding', keepName: 'Keep holding held message 7', first: 'Forwarded unchanged in 10 s — keep holding to edit it', left: 'Forwarded unchanged in 8 s — keep holding to edit it', leftEdited: 'Forwarded unchanged in 5 s — send your edit or keep holding' },
  'zh-CN': { keep: '继续拦截', keepName: '继续拦截：拦截的消息 7', first: '10 秒后原样转发——如要修改，请继续拦截', left: '8 秒后原样转发——如要修改，请继续拦截', leftEdited: '5 秒后原样转发——请放行修改后的消息，或继续拦截' }
}

/**
 * The editor of a message its rule holds for `holdMs` (opened `openedLate` ms after it was
 * held), and the engine it asks: held.keep gives it `holdMs` again from now, and the queue
 * hears of it `queueLagMs` later, as another front end's batch would. `late`: a keep came
 * after the deadline, when the message would have gone on unchanged.
 */
async function editor(language: 'en' | 'zh-CN', { holdMs = 60_000, queueLagMs = 0, openedLate = 0 } = {}) {
  const heldAt = T0 - openedLate
  let expiresAt = heldAt + holdMs
  const engine = { late: false }
  const t = fakeTransport({
    'held.read': async () => BYTES,
    'held.keep': async () => {
      engine.late ||= Date.now() > expiresAt
      expiresAt = Date.now() + holdMs
      const kept = held(expiresAt, heldAt)
      const tell = () => t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [], held: [kept] })
      if (queueLagMs === 0) tell()
      else setTimeout(tell, queueLagMs)
      return kept
    }
  })
  useEngineStore().attach(t.transport)
  t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [], held: [held(expiresAt, heldAt)] })
  const store = useHeldStore()
  // As the Held queue passes it: the open message, as the engine lists it now.
  const w: VueWrapper = mounts.track(
    mount({ components: { HeldEditor }, setup: () => ({ store }), template: '<HeldEditor v-if="store.selected" :message="store.selected" />' }, { global: { plugins: [mounts.pinia(), createAppI18n(language)] }, attachTo: document.body })
  )
  await flushPromises()
  return { t, w, store, engine }
}

const keeps = (t: ReturnType<typeof fakeTransport>) => t.calls.filter((c) => c.cmd === 'held.keep')
const keepButton = (w: VueWrapper, name: string) => w.findAll('button').find((b) => b.attributes('aria-label') === name)
const announced = (w: VueWrapper): string[] => w.findAll('[role=status]').map((s) => s.text()).filter((s) => s !== '')

describe.each(['en', 'zh-CN'] as const)('a held message whose hold runs out, in %s', (language) => {
  const words = WORDS[language]

  it('warns with ten seconds left, once to a screen reader, and Keep holding starts its timeout again', async () => {
    const { t, w } = await editor(language)
    await vi.advanceTimersByTimeAsync(45_000)
    expect(keepButton(w, words.keepName)).toBeUndefined()
    expect(announced(w)).toEqual([])

    await vi.advanceTimersByTimeAsync(5_000)
    // 10 s left: seen, and said to a screen reader as it appears.
    expect(w.text()).toContain(words.first)
    expect(announced(w)).toEqual([words.first])
    // The countdown on screen goes on; what was said is not said again every second.
    await vi.advanceTimersByTimeAsync(2_000)
    expect(w.text()).toContain(words.left)
    expect(announced(w)).toEqual([words.first])
    const keep = keepButton(w, words.keepName)!
    expect(keep.text()).toBe(words.keep)
    // The countdown is read where it is, and with the button; only the status region is live.
    const countdown = document.getElementById(keep.attributes('aria-describedby')!)!
    expect(countdown.textContent).toBe(words.left)
    expect(countdown.closest('[aria-hidden="true"]')).toBeNull()
    expect(countdown.closest('[aria-live], [role=status], [role=alert]')).toBeNull()

    ;(keep.element as HTMLElement).focus()
    await keep.trigger('click')
    await flushPromises()
    expect(keeps(t).map((c) => c.args)).toEqual([{ heldId: 7 }])
    // Held for 60 s again: no warning until it runs low again.
    expect(keepButton(w, words.keepName)).toBeUndefined()
    expect(announced(w)).toEqual([])
    // The button went with the warning: focus went to the editor (once its view is loaded), not to the page.
    await vi.waitFor(() => expect(document.activeElement).not.toBe(document.body))
    expect(w.element.contains(document.activeElement)).toBe(true)
  })

  it('opened with little time left, tells a screen reader through a region that was there empty first', async () => {
    const { w } = await editor(language, { openedLate: 52_000 })
    // On screen at once; the status region is there, still empty.
    expect(w.text()).toContain(words.left)
    expect(w.findAll('[role=status]').some((s) => s.text() === '')).toBe(true)
    expect(announced(w)).toEqual([])
    await vi.advanceTimersByTimeAsync(500)
    expect(announced(w)).toEqual([words.left])
  })

  it('typing on through a short hold keeps it held at most once a second, and it does not warn from its start', async () => {
    const { t, w, store, engine } = await editor(language, { holdMs: 6_000, queueLagMs: 300 })
    // A 6 s hold warns in its last 2 s, not from the moment it is held.
    expect(keepButton(w, words.keepName)).toBeUndefined()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(keepButton(w, words.keepName)).toBeUndefined()
    // Twelve seconds of typing, a key every 200 ms.
    const keptAt: number[] = []
    for (let i = 1; i <= 60; i++) {
      store.draft = new TextEncoder().encode(`PASS ${'x'.repeat(i)}`)
      await flushPromises()
      if (keeps(t).length > keptAt.length) keptAt.push(Date.now())
      await vi.advanceTimersByTimeAsync(200)
    }
    expect(keeps(t).length).toBe(keptAt.length)
    // Kept, in time, every time: never twice in a second (each keep tells every front end).
    expect(keptAt.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < keptAt.length; i++) expect(keptAt[i] - keptAt[i - 1]).toBeGreaterThanOrEqual(1000)
    expect(engine.late).toBe(false)
    expect(store.selected?.id).toBe(7)
  })

  it('says an edit is not sent yet, and typing with little time left keeps the message held', async () => {
    const { t, w, store } = await editor(language)
    store.draft = new TextEncoder().encode('PASS guess')
    await flushPromises()
    // Typing with plenty of time left asks nothing of the engine.
    expect(keeps(t)).toEqual([])
    await vi.advanceTimersByTimeAsync(55_000)
    expect(w.text()).toContain(words.leftEdited)

    store.draft = new TextEncoder().encode('PASS guessed')
    await flushPromises()
    expect(keeps(t).map((c) => c.args)).toEqual([{ heldId: 7 }])
    expect(keepButton(w, words.keepName)).toBeUndefined()
    // The edit is still there, and forwarded as such whenever the person says so.
    expect(new TextDecoder().decode(store.draft)).toBe('PASS guessed')
    expect(store.edited).toBe(true)
  })
})
