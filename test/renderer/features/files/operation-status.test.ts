// @vitest-environment jsdom
// The activity panel's note of how an operation ended (an export from the list's menu, a
// save, a curl command copied): a success goes by itself after a few seconds, and can be
// dismissed before; an error stays until dismissed; a note pointed at or focused stays while
// it is read.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import OperationStatus from '../../../../src/renderer/src/features/files/OperationStatus.vue'
import { useDocumentsStore } from '../../../../src/renderer/src/features/files/documents-store'
import { NOTE_MS as OUTCOME_MS } from '../../../../src/renderer/src/ui/fading-note'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { perTestMounts } from '../../per-test-mounts'

const mounts = perTestMounts()
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function panel(): { w: VueWrapper; docs: ReturnType<typeof useDocumentsStore> } {
  const w = mounts.track(mount(OperationStatus, { global: { plugins: [mounts.pinia(), createAppI18n('en')] }, attachTo: document.body }))
  return { w, docs: useDocumentsStore() }
}
/** The note by its role, as the e2e tests find it. */
const note = (w: VueWrapper, role: 'status' | 'alert') => w.find(`[role=${role}]`)
async function pass(ms: number, w: VueWrapper): Promise<void> {
  vi.advanceTimersByTime(ms)
  await w.vm.$nextTick()
}

describe('the note of how an operation ended', () => {
  it('of an export goes by itself after a few seconds', async () => {
    const { w, docs } = panel()
    docs.outcome = { kind: 'exported', name: 'tcpscope-1.har', size: 10_045 }
    await w.vm.$nextTick()
    expect(note(w, 'status').text()).toContain('Exported tcpscope-1.har (9.81 KiB)')
    await pass(OUTCOME_MS - 1, w)
    expect(note(w, 'status').exists()).toBe(true)
    await pass(1, w)
    expect(note(w, 'status').exists()).toBe(false)
    expect(docs.outcome).toBeUndefined()
    // Long after, nothing comes back.
    await pass(10 * 60_000, w)
    expect(w.find('section').exists()).toBe(false)
  })

  it('of a save or a copy goes too, each with its whole time', async () => {
    const { w, docs } = panel()
    docs.outcome = { kind: 'saved', path: '/data/a.tcap', connections: 2 }
    await pass(OUTCOME_MS - 1000, w)
    docs.outcome = { kind: 'copied', connId: 4, exchange: 0 }
    await pass(OUTCOME_MS - 1, w)
    expect(note(w, 'status').text()).toContain('Copied exchange 1 of connection #4 as a curl command')
    await pass(1, w)
    expect(note(w, 'status').exists()).toBe(false)
  })

  it('can be dismissed before it goes', async () => {
    const { w, docs } = panel()
    docs.outcome = { kind: 'exported', name: 'tcpscope-1.har', size: 10 }
    await w.vm.$nextTick()
    await w.get('button[aria-label=Dismiss]').trigger('click')
    expect(note(w, 'status').exists()).toBe(false)
    expect(docs.outcome).toBeUndefined()
  })

  it('of an error stays until dismissed', async () => {
    const { w, docs } = panel()
    docs.outcome = { kind: 'error', message: 'cannot write tcpscope-1.har: ENOSPC' }
    await pass(10 * 60_000, w)
    expect(note(w, 'alert').text()).toContain('cannot write tcpscope-1.har: ENOSPC')
    await w.get('button[aria-label=Dismiss]').trigger('click')
    expect(note(w, 'alert').exists()).toBe(false)
  })

  it('stays while pointed at or focused, and has its whole time again once left', async () => {
    const { w, docs } = panel()
    docs.outcome = { kind: 'exported', name: 'tcpscope-1.har', size: 10 }
    await w.vm.$nextTick()
    await note(w, 'status').trigger('mouseenter')
    await pass(OUTCOME_MS * 3, w)
    expect(note(w, 'status').exists()).toBe(true)
    // Focus on its Dismiss button holds it too, after the pointer has gone.
    await w.get('button[aria-label=Dismiss]').trigger('focusin')
    await note(w, 'status').trigger('mouseleave')
    await pass(OUTCOME_MS * 3, w)
    expect(note(w, 'status').exists()).toBe(true)
    await note(w, 'status').trigger('focusout')
    await pass(OUTCOME_MS - 1, w)
    expect(note(w, 'status').exists()).toBe(true)
    await pass(1, w)
    expect(note(w, 'status').exists()).toBe(false)
    expect(docs.outcome).toBeUndefined()
  })
})
