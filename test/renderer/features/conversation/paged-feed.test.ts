// @vitest-environment jsdom
// A connection's feed (here the flow's turns): the keys move the focus between rows, End
// reaches the last of 150,000 turns by moving the window there, the window bar moves it
// back, and the engine is reached through the engine store, which says when it is not there.
import type { VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary, Turn } from '../../../../src/shared/capture-types'
import FlowView from '../../../../src/renderer/src/features/conversation/FlowView.vue'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { settle, useViewport } from '../../viewport'

const { mountView } = useViewport({ clientHeight: 400, clientWidth: 800 })

const TOTAL = 150_000
const conn: ConnectionSummary = {
  id: 3,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
  target: '127.0.0.1:6379',
  openedAt: 0,
  bytes: { client: TOTAL, server: 0 },
  fin: { client: false, server: false },
  end: 'open'
}
const turn = (i: number): Turn => ({ kind: 'data', dir: 'client', event: i, time: i, at: i, offset: i, length: 1, chunks: 1, duration: 0 })

function flow(): VueWrapper {
  const t = fakeTransport({ 'conn.turns': ({ from = 0, limit = 200 }) => ({ from, total: TOTAL, turns: Array.from({ length: Math.min(limit, TOTAL - from) }, (_, k) => turn(from + k)) }) })
  useEngineStore().attach(t.transport)
  return mountView(FlowView, { props: { conn, capture: 'c1' } })
}
const focusedName = (): string | null => (document.activeElement as HTMLElement | null)?.getAttribute('aria-label') ?? null

describe('paged feed', () => {
  it('moves the focus between rows with the keys', async () => {
    const w = flow()
    await settle()
    await w.findAll('[role=listitem] button')[0].trigger('focus')
    await w.find('[role=list]').trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect(focusedName()).toMatch(/^client → server 1 B at \+1\.00 ms/)
    await w.find('[role=list]').trigger('keydown', { key: 'PageDown' })
    await settle()
    expect(focusedName()).toMatch(/at \+11\.0 ms/)
  })

  it('reaches the last of a long feed through its window, and the window bar moves back', async () => {
    const w = flow()
    await settle()
    expect(w.text()).toContain('turns 1–100,000 of 150,000')
    await w.find('[role=list]').trigger('keydown', { key: 'End' })
    await settle()
    expect(w.text()).toContain('turns 50,001–150,000 of 150,000')
    expect(w.findAll('button').find((b) => b.text() === 'Later turns')!.attributes('disabled')).toBeDefined()
    await w.findAll('button').find((b) => b.text() === 'Earlier turns')!.trigger('click')
    await settle()
    expect(w.text()).toContain('turns 1–100,000 of 150,000')
  })
})

describe('engine store', () => {
  it('refuses a command before the engine is there, with a clear error', async () => {
    await expect(useEngineStore().call('conn.turns', { capture: 'c1', connId: 3, from: 0, limit: 1 })).rejects.toThrow('not connected to the engine yet')
  })
})
