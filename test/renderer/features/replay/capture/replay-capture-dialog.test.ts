// @vitest-environment jsdom
// The whole-capture replay dialog over a fake engine: a field typed wrong says so under it
// and asks the engine nothing; an engine refusal shows under the field it is about; the
// summary lists what differed (turns as received of expected bytes, an error line, the rest
// counted past what is drawn), and a connection of it is shown in its capture on a click.
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../../src/shared/capture-types'
import { EngineError } from '../../../../../src/shared/errors'
import type { CaptureReplaySummary, ConnectionReplayOutcome } from '../../../../../src/shared/replay-types'
import ReplayCaptureDialog from '../../../../../src/renderer/src/features/replay/capture/ReplayCaptureDialog.vue'
import { useConnectionsStore } from '../../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { useReplayCaptureStore } from '../../../../../src/renderer/src/features/replay/capture/replay-capture-store'
import { useSelectionStore } from '../../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport, type Handlers } from '../../../fake-transport'
import { settle, useViewport } from '../../../viewport'

const { mountView } = useViewport({ clientHeight: 600, clientWidth: 900 })

const conn = (id: number): ConnectionSummary => ({ id, kind: 'proxy', ownerId: 'p1', target: 'x:1', openedAt: 0, bytes: { client: 1, server: 1 }, fin: { client: false, server: false }, end: 'closed' })
const outcome = (connId: number, over: Partial<ConnectionReplayOutcome> = {}): ConnectionReplayOutcome => ({
  connId,
  target: '127.0.0.1:80',
  replayConnId: 100 + connId,
  matched: 2,
  of: 3,
  differing: [{ index: 2, expected: 7, received: 5 }],
  differingTurns: 1,
  ...over
})

function setup(handlers: Handlers) {
  const t = fakeTransport({ 'conn.get': ({ ids }) => ids.map(conn), 'conn.page': () => ({ total: 0, of: 0, offset: 0, rows: [] }), ...handlers })
  useEngineStore().attach(t.transport)
  const store = useReplayCaptureStore()
  store.open()
  const w = mountView(ReplayCaptureDialog)
  return { t, store, w }
}

const field = (w: ReturnType<typeof mountView>, label: string) => {
  const id = w.findAll('label').find((l) => l.text() === label)!.attributes('for')
  return w.get(`#${id}`)
}

describe('the replay capture dialog', () => {
  it('says what to fix under the field, and asks the engine nothing', async () => {
    const { t, w } = setup({})
    await field(w, 'Speed').setValue('fast')
    await w.get('form').trigger('submit')
    await settle()
    expect(field(w, 'Speed').attributes('aria-invalid')).toBe('true')
    expect(w.text()).toContain('A number from 0 to 1000000 (0: all at once)')
    expect(t.calls.filter((c) => c.cmd === 'replay.capture')).toEqual([])
  })

  it("shows the engine's refusal under the field it is about", async () => {
    const { w } = setup({ 'replay.capture': () => Promise.reject(new EngineError('EINVAL', 'invalid arguments for replay.capture: ignoreBody: missing )')) })
    await field(w, 'Ignore in bodies').setValue('(')
    await w.get('form').trigger('submit')
    await settle()
    expect(field(w, 'Ignore in bodies').attributes('aria-invalid')).toBe('true')
    expect(w.text()).toContain('ignoreBody: missing )')
  })

  it('lists what differed, and shows a connection of it in its capture', async () => {
    const differed = [outcome(2), outcome(5, { matched: 0, of: 0, differing: [], differingTurns: 0, error: 'connection refused by 127.0.0.1:9', replayConnId: undefined }), outcome(6, { differingTurns: 25 })]
    for (let id = 10; id < 210; id++) differed.push(outcome(id))
    const summary: CaptureReplaySummary = { target: '127.0.0.1:8080', connections: 300, matched: 97, skipped: 4, unreachable: false, differed }
    const { w, store } = setup({ 'replay.capture': () => Promise.resolve(summary) })
    useConnectionsStore().capture = 'f1'
    await settle()
    store.open()
    await field(w, 'Target').setValue('127.0.0.1:8080')
    await w.get('form').trigger('submit')
    await settle()

    const region = w.get('[aria-label="Replay summary"]')
    expect(region.text()).toContain('Against 127.0.0.1:8080')
    expect(region.get('[role=status]').text()).toBe('300 connections · 97 matched · 203 differed · 4 skipped (no client bytes)')
    const items = region.findAll('ul[aria-label="Connections that differed"] > li')
    expect(items.length).toBe(200)
    expect(items[0].findAll('span, button, li').map((e) => e.text())).toEqual(['#2', '→ 127.0.0.1:80', '2 of 3 turns as recorded', 'Open replay #102', 'turn 3: 5 B of 7 B'])
    expect(items[1].text()).toContain('connection refused by 127.0.0.1:9')
    expect(items[1].findAll('button').map((b) => b.text())).toEqual(['#5'])
    expect(items[2].text()).toContain('… 24 more differing turns')
    expect(region.text()).toContain('… 3 more connections differed')

    // A replayed connection, in the capture that was replayed; its replay, in the live capture.
    await items[0].get('button[aria-label="Show connection #2"]').trigger('click')
    await settle()
    expect(store.shown).toBe(false)
    expect([useConnectionsStore().capture, useSelectionStore().connId]).toEqual(['f1', 2])
    await items[0].findAll('button').find((b) => b.text() === 'Open replay #102')!.trigger('click')
    await settle()
    expect([useConnectionsStore().capture, useSelectionStore().connId]).toEqual(['live', 102])
  })
})
