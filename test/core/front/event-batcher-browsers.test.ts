// Intercepted browsers reach a front end as each one's latest state per batch: one that
// started and closed within a frame arrives closed.
import { describe, expect, it } from 'vitest'
import { EventBatcher } from '../../../src/core/front/event-batcher'
import type { EngineEvent, FrontEvent } from '../../../src/shared/events'
import type { InterceptedBrowser } from '../../../src/shared/intercept-types'
import { waitFor } from '../../helpers/net'

describe('browsers in batches', () => {
  it("carries each browser's latest state", async () => {
    let listener: (e: EngineEvent) => void = () => undefined
    const sent: FrontEvent[] = []
    new EventBatcher({ subscribe: (l) => ((listener = l), () => undefined), captureList: () => [] }, { ready: () => true, send: (e) => sent.push(e) }, 5).start()
    const b1: InterceptedBrowser = { browserId: 'b1', name: 'chromium', pid: 10, proxyId: 'p1', proxy: '127.0.0.1:1', profileDir: '/tmp/x', state: 'running' }
    const b2: InterceptedBrowser = { ...b1, browserId: 'b2', pid: 11 }
    listener({ type: 'browser-updated', browser: b1 })
    listener({ type: 'browser-updated', browser: b2 })
    listener({ type: 'browser-updated', browser: { ...b1, state: 'closed', exit: 'exit code 0' } })
    await waitFor(() => sent.length > 0, 'a batch')
    expect(sent).toEqual([{ type: 'batch', browsers: [{ ...b1, state: 'closed', exit: 'exit code 0' }, b2] }])
  })
})
