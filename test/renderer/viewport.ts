// Views mounted in a viewport: jsdom lays nothing out, and the virtualized views need a size
// to put rows in. `useViewport` gives every test of its file a fresh pinia and that size,
// and unmounts what the test mounted after it.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach } from 'vitest'
import { createAppI18n } from '../../src/renderer/src/platform/i18n'
import { flushPromises } from '../helpers/flush-promises'

export function useViewport(sizes: { clientHeight: number; clientWidth: number }) {
  let pinia: Pinia
  const mounted: VueWrapper[] = []
  const original = Object.fromEntries(Object.keys(sizes).map((k) => [k, Object.getOwnPropertyDescriptor(Element.prototype, k)!]))
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
    for (const [k, v] of Object.entries(sizes)) Object.defineProperty(Element.prototype, k, { configurable: true, get: () => v })
  })
  afterEach(() => {
    mounted.splice(0).forEach((w) => w.unmount())
    for (const [k, d] of Object.entries(original)) Object.defineProperty(Element.prototype, k, d)
    document.body.innerHTML = ''
  })

  /** Mounts `component` in the page (so focus and menus work), in `locale`. */
  function mountView(component: unknown, opts: { props?: Record<string, unknown>; locale?: 'en' | 'zh-CN' } = {}): VueWrapper {
    const w = mount(component as Parameters<typeof mount>[0], { props: opts.props, global: { plugins: [pinia, createAppI18n(opts.locale ?? 'en')] }, attachTo: document.body } as never)
    mounted.push(w)
    return w
  }
  return { mountView }
}

/** Lets the fake engine answer and the views redraw: eight turns, for a page and the rows it brings. */
export const settle = (): Promise<void> => flushPromises({ turns: 8 })
