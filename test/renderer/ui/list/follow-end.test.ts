// @vitest-environment jsdom
// Following the end of a growing list: it follows while the user is at the end, stops when
// they scroll up, starts again when they come back, and a new list opens at its end only
// when it should.
import type { Virtualizer } from '@tanstack/vue-virtual'
import { effectScope, nextTick, ref, shallowRef, triggerRef } from 'vue'
import { afterEach, describe, expect, it } from 'vitest'
import { useFollowEnd } from '../../../../src/renderer/src/ui/list/useFollowEnd'
import { flushPromises } from '../../../helpers/flush-promises'

const ROW = 20
const VIEW = 200

/** A list of `total` rows in a scroller VIEW px high, as the virtualizer would report it. */
function fakeList(opensAtEnd = false) {
  const total = ref(0)
  let top = 0
  let items: unknown[] = []
  const v = {
    get scrollOffset() {
      return top
    },
    scrollRect: { height: VIEW, width: 100 },
    getTotalSize: () => total.value * ROW,
    getVirtualItems: () => items
  }
  const virtualizer = shallowRef(v as unknown as Virtualizer<HTMLElement, Element>)
  const el = document.createElement('div')
  let scrollTop = 0
  Object.defineProperty(el, 'scrollTop', { get: () => scrollTop, set: (x: number) => (scrollTop = Math.min(x, Math.max(0, total.value * ROW - VIEW))) })
  const scroller = ref<HTMLElement | null>(el)
  const scope = effectScope()
  const follow = scope.run(() => useFollowEnd(virtualizer, () => total.value, { scroller, margin: 2 * ROW, opensAtEnd: () => opensAtEnd }))!
  /** The user (or the follower) scrolled to `px`: the virtualizer reads it and draws other rows. */
  const scrollTo = async (px: number): Promise<void> => {
    top = px
    items = [px]
    triggerRef(virtualizer)
    await nextTick()
  }
  const grow = async (n: number): Promise<void> => {
    total.value = n
    await nextTick()
    await flushPromises()
  }
  return { follow, grow, scrollTo, el, scope }
}

const scopes: Array<{ stop(): void }> = []
afterEach(() => scopes.splice(0).forEach((s) => s.stop()))

describe('follow the end', () => {
  it('follows growth while at the end, however fast rows come', async () => {
    const l = fakeList()
    scopes.push(l.scope)
    await l.grow(50)
    await l.scrollTo(50 * ROW - VIEW)
    await l.grow(60)
    expect(l.el.scrollTop).toBe(60 * ROW - VIEW)
    await l.grow(200)
    expect(l.el.scrollTop).toBe(200 * ROW - VIEW)
  })

  it('stops when the user scrolls up, and starts again at the end', async () => {
    const l = fakeList()
    scopes.push(l.scope)
    await l.grow(50)
    await l.scrollTo(50 * ROW - VIEW)
    await l.scrollTo(100)
    await l.grow(60)
    expect(l.el.scrollTop).toBe(0)
    expect(l.follow.atEnd.value).toBe(false)
    await l.scrollTo(60 * ROW - VIEW)
    await l.grow(70)
    expect(l.el.scrollTop).toBe(70 * ROW - VIEW)
  })

  it('opens a new list at its top, or at its end when it should', async () => {
    const top = fakeList(false)
    scopes.push(top.scope)
    top.follow.restart()
    await top.grow(50)
    expect(top.el.scrollTop).toBe(0)
    const end = fakeList(true)
    scopes.push(end.scope)
    end.follow.restart()
    await end.grow(50)
    expect(end.el.scrollTop).toBe(50 * ROW - VIEW)
  })
})
