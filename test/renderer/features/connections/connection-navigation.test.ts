// @vitest-environment jsdom
// The keys in the capture's connections (the list and the timeline): the arrows, Page, Home
// and End move the selection, a row not fetched yet becomes the selection when it comes,
// Enter opens, and a selection made elsewhere moves the keys' place too.
import type { Virtualizer } from '@tanstack/vue-virtual'
import { createPinia, setActivePinia } from 'pinia'
import { effectScope, shallowRef } from 'vue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { useConnectionNavigation } from '../../../../src/renderer/src/features/connections/useConnectionNavigation'
import { useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const conn = (id: number): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  target: 'example.com:80',
  openedAt: 0,
  bytes: { client: 0, server: 0 },
  fin: { client: false, server: false },
  end: 'open'
})
const key = (k: string): KeyboardEvent => new KeyboardEvent('keydown', { key: k, cancelable: true })

let scope: ReturnType<typeof effectScope>
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => scope.stop())

async function navigation(total = 1000) {
  const t = fakeTransport({
    'conn.page': ({ offset, limit }) => ({ total, offset, rows: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => conn(offset + i + 1)) }),
    'conn.get': ({ ids }) => ids.map(conn)
  })
  useEngineStore().attach(t.transport)
  const scrolled: number[] = []
  const virtualizer = shallowRef({ scrollToIndex: (i: number) => scrolled.push(i) } as unknown as Virtualizer<HTMLElement, Element>)
  let opened = 0
  scope = effectScope()
  const nav = scope.run(() => useConnectionNavigation(virtualizer, () => opened++))!
  useConnectionsStore().show(0, 20)
  await flushPromises()
  return { nav, scrolled, opened: () => opened, t }
}

describe('connection navigation', () => {
  it('moves the selection with the arrows and Page keys, scrolling the row into view', async () => {
    const { nav, scrolled } = await navigation()
    const selection = useSelectionStore()
    const down = key('ArrowDown')
    expect(nav.onKey(down)).toBe(true)
    expect(down.defaultPrevented).toBe(true)
    await flushPromises()
    expect(selection.connId).toBe(1)
    nav.onKey(key('PageDown'))
    await flushPromises()
    expect(selection.connId).toBe(21)
    expect(nav.selectedIndex.value).toBe(20)
    expect(scrolled).toEqual([0, 20])
  })

  it('goes to the end, and selects the last row once its page comes', async () => {
    const { nav, t } = await navigation()
    nav.onKey(key('End'))
    await flushPromises()
    expect(t.calls.some((c) => c.cmd === 'conn.page' && (c.args as { offset: number }).offset === 800)).toBe(true)
    expect(useSelectionStore().connId).toBe(1000)
  })

  it('opens the selected connection with Enter, and leaves other keys to the view', async () => {
    const { nav, opened } = await navigation()
    expect(nav.onKey(key('Enter'))).toBe(false)
    nav.choose(3)
    expect(nav.onKey(key('Enter'))).toBe(true)
    expect(opened()).toBe(1)
    expect(nav.onKey(key('ArrowLeft'))).toBe(false)
  })

  it('follows a selection made elsewhere, so the next key moves on from there', async () => {
    const { nav } = await navigation()
    useSelectionStore().select(8)
    await flushPromises()
    expect(nav.selectedIndex.value).toBe(7)
    nav.onKey(key('ArrowDown'))
    await flushPromises()
    expect(useSelectionStore().connId).toBe(9)
  })
})
