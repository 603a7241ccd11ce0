// Assertions about recorded connections that several suites share.
import { expect } from 'vitest'
import type { CaptureEvent, ConnectionSummary, Direction } from '../../src/shared/capture-types'
import type { Engine } from '../../src/core/engine'
import { waitFor } from './net'

export async function allEvents(view: { readEvents(id: number, from?: number, limit?: number): Promise<CaptureEvent[]> }, connId: number): Promise<CaptureEvent[]> {
  return view.readEvents(connId, 0, 100_000)
}

/** `seq` numbers one connection's events 0, 1, 2, ... across both directions. */
export function expectSeqInOrder(events: CaptureEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
  expect(events[0].kind).toBe('open')
}

/** The data events of `dir` cover [0, total) exactly: no gap, no overlap. */
export function expectDataTiles(events: CaptureEvent[], dir: Direction, total: number): void {
  let next = 0
  for (const e of events) {
    if (e.kind !== 'data' || e.dir !== dir) continue
    expect(e.offset).toBe(next)
    expect(e.length).toBeGreaterThan(0)
    next += e.length!
  }
  expect(next).toBe(total)
}

/** Waits until the engine has recorded the close of `n` connections and returns them. */
export async function closedConnections(engine: Engine, n: number): Promise<ConnectionSummary[]> {
  return waitFor(() => {
    const conns = engine.capture.connections()
    return conns.length >= n && conns.every((c) => c.end !== 'open') && conns
  }, `${n} connection(s) to close`)
}
