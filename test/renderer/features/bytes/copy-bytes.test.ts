// @vitest-environment jsdom
// Copying a selection: read from the engine a piece at a time and written to the clipboard
// in the chosen format; past 16 MiB refused with a clear message and nothing read.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { defineComponent } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import { MAX_COPY, useCopyBytes } from '../../../../src/renderer/src/features/bytes/useCopyBytes'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'

let pinia: Pinia
let clipboard: string[]
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  clipboard = []
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (s: string) => void clipboard.push(s) } })
})

function copier() {
  const t = fakeTransport({ 'conn.read': ({ offset, length }) => Uint8Array.from({ length }, (_, i) => (offset + i) & 0xff) })
  useEngineStore().attach(t.transport)
  const wrapper = mount(defineComponent({ setup: () => useCopyBytes(), render: () => null }), { global: { plugins: [pinia, createAppI18n('en')] } })
  return { c: wrapper.vm as unknown as ReturnType<typeof useCopyBytes>, t }
}
const stream = { capture: 'live', connId: 1, dir: 'client' as const, total: 64 * 1024 * 1024 }
const reads = (t: ReturnType<typeof fakeTransport>) => t.calls.filter((x) => x.cmd === 'conn.read').map((x) => (x.args as { offset: number; length: number }).length)

describe('copy', () => {
  it('copies a selection in the chosen format and says so', async () => {
    const { c } = copier()
    await c.copy(stream, { offset: 0x41, length: 3 }, 'escaped', 'utf-8')
    expect(clipboard).toEqual(['ABC'])
    expect(c.message).toEqual({ text: 'Copied 3 bytes as Escaped string.', error: false })
  })

  it('reads a large selection in pieces', async () => {
    const { c, t } = copier()
    await c.copy(stream, { offset: 0, length: 2 * 1024 * 1024 }, 'base64', 'utf-8')
    expect(reads(t)).toEqual([786432, 786432, 524288])
    expect(atob(clipboard[0]).length).toBe(2 * 1024 * 1024)
  })

  it('refuses more than 16 MiB, reading nothing', async () => {
    const { c, t } = copier()
    await c.copy(stream, { offset: 0, length: MAX_COPY + 1 }, 'hex', 'utf-8')
    expect(reads(t)).toEqual([])
    expect(clipboard).toEqual([])
    expect(c.message).toEqual({ text: 'The selection is 16777217 bytes; at most 16777216 bytes (16.0 MiB) can be copied at a time.', error: true })
  })
})
