// Progress reaches a front end as the latest report of each operation per batch: a long
// export reporting ten times a second costs one entry per frame, never a queue.
import { describe, expect, it } from 'vitest'
import { EventBatcher, BATCH_LIMITS } from '../../../src/core/front/event-batcher'
import type { EngineEvent, FrontEvent } from '../../../src/shared/events'
import { waitFor } from '../../helpers/net'

function batcher(): { emit: (e: EngineEvent) => void; sent: FrontEvent[] } {
  let listener: (e: EngineEvent) => void = () => undefined
  const sent: FrontEvent[] = []
  const b = new EventBatcher(
    { subscribe: (l) => ((listener = l), () => undefined), captureList: () => [] },
    { ready: () => true, send: (e) => sent.push(e) },
    5
  )
  b.start()
  return { emit: (e) => listener(e), sent }
}

describe('progress in batches', () => {
  it('carries the latest progress of each operation', async () => {
    const { emit, sent } = batcher()
    emit({ type: 'progress', operation: 'a', done: 1, of: 10 })
    emit({ type: 'progress', operation: 'b', done: 5, of: 5 })
    emit({ type: 'progress', operation: 'a', done: 7, of: 10 })
    await waitFor(() => sent.length > 0, 'a batch')
    expect(sent).toEqual([{ type: 'batch', progress: [{ operation: 'b', done: 5, of: 5 }, { operation: 'a', done: 7, of: 10 }] }])
    emit({ type: 'progress', operation: 'a', done: 10, of: 10 })
    await waitFor(() => sent.length > 1, 'the next batch')
    expect(sent[1]).toEqual({ type: 'batch', progress: [{ operation: 'a', done: 10, of: 10 }] })
  })

  it('keeps at most BATCH_LIMITS.progress operations, dropping those quiet longest', async () => {
    const { emit, sent } = batcher()
    for (let i = 0; i <= BATCH_LIMITS.progress; i++) emit({ type: 'progress', operation: `op${i}`, done: i, of: 1000 })
    await waitFor(() => sent.length > 0, 'a batch')
    const progress = (sent[0] as { progress: Array<{ operation: string }> }).progress
    expect(progress).toHaveLength(BATCH_LIMITS.progress)
    expect(progress[0].operation).toBe('op1')
  })
})
