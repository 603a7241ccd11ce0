// @vitest-environment jsdom
// What the hex and text views share: a range the view selects itself is not revealed back to
// it, one another view selects is; Ctrl+A selects the stream and Ctrl+C copies the selection;
// a drag is followed outside the view until the button comes up.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { defineComponent, nextTick } from 'vue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { useByteView } from '../../../../src/renderer/src/features/bytes/useByteView'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore, type StreamRange } from '../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const conn: ConnectionSummary = {
  id: 4,
  kind: 'proxy',
  ownerId: 'p1',
  target: 'example.com:80',
  openedAt: 0,
  bytes: { client: 10, server: 20 },
  fin: { client: false, server: false },
  end: 'open'
}
const key = (k: string, mod = true): KeyboardEvent => new KeyboardEvent('keydown', { key: k, ctrlKey: mod, cancelable: true })

let pinia: Pinia
let clipboard: string[]
const mounted: Array<{ unmount(): void }> = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  clipboard = []
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (s: string) => void clipboard.push(s) } })
})
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

async function byteView() {
  const t = fakeTransport({
    'conn.get': () => [conn],
    'conn.read': ({ offset, length }) => Uint8Array.from({ length }, (_, i) => 0x41 + offset + i)
  })
  useEngineStore().attach(t.transport)
  useSelectionStore().select(conn.id)
  await flushPromises()
  const revealed: StreamRange[] = []
  const w = mount(defineComponent({ setup: () => useByteView({ format: 'escaped', reveal: (r) => revealed.push(r) }), render: () => null }), {
    global: { plugins: [pinia, createAppI18n('en')] }
  })
  mounted.push(w)
  return { v: w.vm as unknown as ReturnType<typeof useByteView>, revealed }
}

describe('byte view plumbing', () => {
  it('reveals a range another view selected, and not its own', async () => {
    const { v, revealed } = await byteView()
    v.select(2, 3)
    await nextTick()
    expect(useSelectionStore().range).toEqual({ dir: 'client', offset: 2, length: 3 })
    expect(revealed).toEqual([])
    useSelectionStore().showRange({ dir: 'client', offset: 5, length: 1 })
    await nextTick()
    expect(revealed).toEqual([{ dir: 'client', offset: 5, length: 1 }])
    expect(v.selected).toEqual({ dir: 'client', offset: 5, length: 1 })
  })

  it('selects the whole stream with Ctrl+A and copies it with Ctrl+C', async () => {
    const { v } = await byteView()
    const all = key('a')
    expect(v.onSelectionKey(all)).toBe(true)
    expect(all.defaultPrevented).toBe(true)
    expect(useSelectionStore().range).toEqual({ dir: 'client', offset: 0, length: 10 })
    expect(v.onSelectionKey(key('c'))).toBe(true)
    await flushPromises()
    expect(clipboard).toEqual(['ABCDEFGHIJ'])
    expect(v.onSelectionKey(key('c', false))).toBe(false)
    expect(v.onSelectionKey(key('ArrowDown'))).toBe(false)
  })

  it('follows a drag outside the view until the button comes up', async () => {
    const { v } = await byteView()
    const seen: number[] = []
    v.startDrag((e) => seen.push(e.clientY))
    window.dispatchEvent(new MouseEvent('mousemove', { clientY: 5 }))
    window.dispatchEvent(new MouseEvent('mouseup'))
    window.dispatchEvent(new MouseEvent('mousemove', { clientY: 9 }))
    expect(seen).toEqual([5])
  })
})
