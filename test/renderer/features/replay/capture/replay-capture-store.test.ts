// @vitest-environment jsdom
// Replaying a whole capture from the UI: the dialog's fields checked into replay.capture's
// arguments; a run names itself in the engine's progress events and shows how far it got;
// Cancel aborts the command; an engine error lands under its field; the summary is kept.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../../src/shared/contract'
import { EngineError } from '../../../../../src/shared/errors'
import type { CaptureReplaySummary } from '../../../../../src/shared/replay-types'
import { useConnectionsStore } from '../../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { captureReplayArgs, captureReplayDraft, useReplayCaptureStore } from '../../../../../src/renderer/src/features/replay/capture/replay-capture-store'
import { fakeTransport } from '../../../fake-transport'
import { flushPromises } from '../../../../helpers/flush-promises'

beforeEach(() => setActivePinia(createPinia()))

const SUMMARY: CaptureReplaySummary = {
  target: '127.0.0.1:8080',
  connections: 3,
  matched: 2,
  skipped: 1,
  unreachable: false,
  differed: [{ connId: 2, target: '127.0.0.1:80', replayConnId: 41, matched: 1, of: 2, differing: [{ index: 1, expected: 7, received: 5 }], differingTurns: 1 }]
}

function setup(answer: (args: CommandArgs<'replay.capture'>, signal?: AbortSignal) => Promise<CaptureReplaySummary>) {
  const t = fakeTransport({
    'replay.capture': (args, ctx) => answer(args, ctx.signal),
    'conn.page': () => ({ total: 0, of: 0, offset: 0, rows: [] })
  })
  useEngineStore().attach(t.transport)
  return { t, store: useReplayCaptureStore() }
}

/** A replay.capture that waits until released or cancelled. */
function held() {
  let release: (s: CaptureReplaySummary) => void = () => {}
  const answer = (_args: CommandArgs<'replay.capture'>, signal?: AbortSignal): Promise<CaptureReplaySummary> =>
    new Promise((resolve, reject) => {
      release = resolve
      signal?.addEventListener('abort', () => reject(new EngineError('ECANCELED', 'cancelled')))
    })
  return { answer, release: (s: CaptureReplaySummary) => release(s) }
}

describe('the whole-capture replay form', () => {
  it('gives replay.capture only what was typed, checked', () => {
    const d = { ...captureReplayDraft(), target: ' 127.0.0.1:8080 ', filter: ' port:80 ', speed: '0', concurrency: '8', ignoreHeaders: 'Server, X-Request-Id ,', ignoreBody: '"time":\\d+', timeoutMs: '500' }
    expect(captureReplayArgs('live', d)).toEqual({
      ok: true,
      args: { capture: 'live', target: '127.0.0.1:8080', filter: 'port:80', speed: 0, concurrency: 8, ignoreHeaders: ['Server', 'X-Request-Id'], ignoreBody: '"time":\\d+', timeoutMs: 500 }
    })
    // Empty fields are the engine's defaults: each connection to its own target, every connection, the original pace.
    expect(captureReplayArgs('f1', { ...captureReplayDraft(), speed: '' })).toEqual({ ok: true, args: { capture: 'f1' } })
    expect(captureReplayArgs('live', { ...captureReplayDraft(), speed: '2.5' })).toMatchObject({ ok: true, args: { speed: 2.5 } })
    expect(captureReplayArgs('live', { ...captureReplayDraft(), target: '/run/app.sock' })).toMatchObject({ ok: true, args: { target: '/run/app.sock' } })
  })

  it('says what to fix, field by field', () => {
    const bad = captureReplayArgs('live', { ...captureReplayDraft(), target: 'nohost', speed: 'fast', concurrency: '0', ignoreHeaders: 'X Trace', timeoutMs: '-1' })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(Object.keys(bad.problems).sort()).toEqual(['concurrency', 'ignoreHeaders', 'speed', 'target', 'timeoutMs'])
    expect(bad.problems.speed).toEqual({ key: 'replayCapture.problem.speed', params: { max: 1_000_000 } })
    expect(captureReplayArgs('live', { ...captureReplayDraft(), target: '127.0.0.1:0' }).ok).toBe(false)
  })
})

describe('a whole-capture replay run', () => {
  it('opens on the list filter, shows the engine progress, and keeps the summary', async () => {
    const h = held()
    const { t, store } = setup(h.answer)
    useConnectionsStore().filter = 'port:80 '
    store.open()
    expect(store.shown).toBe(true)
    expect(store.stage).toBe('form')
    expect(store.draft.filter).toBe('port:80')
    store.open('')
    expect(store.draft.filter).toBe('')

    const done = store.start({ capture: 'live', filter: 'port:80' })
    await flushPromises()
    expect(store.stage).toBe('running')
    expect(store.running).toBe(true)
    const args = t.calls.find((c) => c.cmd === 'replay.capture')!.args as CommandArgs<'replay.capture'>
    expect(args).toMatchObject({ capture: 'live', filter: 'port:80' })
    expect(args.progress).toMatch(/^replay-/)
    t.emit({ type: 'batch', progress: [{ operation: args.progress!, done: 1, of: 3 }] })
    await flushPromises({ frames: 1 })
    expect(store.progress).toMatchObject({ done: 1, of: 3 })

    // Opened again while it runs (the button, the menu): on the run, not a new form.
    store.close()
    store.open('port:443')
    expect(store.stage).toBe('running')
    expect(store.draft.filter).toBe('')

    store.close()
    h.release(SUMMARY)
    expect(await done).toEqual(SUMMARY)
    expect(store.stage).toBe('summary')
    // It ended while hidden: not read yet, until its summary is opened.
    expect(store.unseen).toBe(true)
    // No target given: each connection went to its own (whatever the engine calls that).
    expect(store.result).toEqual({ capture: 'live', summary: SUMMARY })
    expect(store.running).toBe(false)
    expect(useEngineStore().progress.has(args.progress!)).toBe(false)
    // One run at a time; and back to the fields for another.
    store.again()
    expect(store.stage).toBe('form')
    store.close()
    store.openResult()
    expect(store.stage).toBe('summary')
    expect(store.unseen).toBe(false)
  })

  it('keeps the target a run was given, as the engine formatted it', async () => {
    const { store } = setup(() => Promise.resolve(SUMMARY))
    await store.start({ capture: 'f1', target: 'localhost:8080' })
    expect(store.result).toEqual({ capture: 'f1', target: '127.0.0.1:8080', summary: SUMMARY })
  })

  it('Cancel aborts the engine command and says it was cancelled', async () => {
    const h = held()
    const { store } = setup(h.answer)
    const done = store.start({ capture: 'live' })
    await flushPromises()
    store.cancel()
    expect(store.run?.cancelling).toBe(true)
    expect(await done).toBeUndefined()
    expect(store.cancelled).toBe(true)
    expect(store.failure).toBeUndefined()
    expect(store.stage).toBe('form')
    expect(store.running).toBe(false)
  })

  it("puts the engine's error under the field it is about", async () => {
    const { store } = setup(() => Promise.reject(new EngineError('EINVAL', 'invalid arguments for replay.capture: ignoreBody: bad regex')))
    expect(await store.start({ capture: 'live', ignoreBody: '(' })).toBeUndefined()
    expect(store.failure).toEqual({ field: 'ignoreBody', text: 'invalid arguments for replay.capture: ignoreBody: bad regex' })
    expect(store.stage).toBe('form')
    const refused = setup(() => Promise.reject(new EngineError('ECONNREFUSED', 'connection refused by 127.0.0.1:9')))
    await refused.store.start({ capture: 'live', target: '127.0.0.1:9' })
    expect(refused.store.failure?.field).toBe('target')
  })
})
