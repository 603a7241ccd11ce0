// What the breakpoints' tests share: rules added through the engine's commands, waiting for
// the Held queue, and a connection's `break` records.
import type { Engine } from '../../../src/core/engine'
import type { BreakRuleSpec, HeldMessage } from '../../../src/shared/break-types'
import type { CaptureEvent } from '../../../src/shared/capture-types'
import { waitFor } from '../../helpers/net'
import { eventsOf } from '../../helpers/sessions'

export async function addBreak(engine: Engine, proxyId: string, rule: BreakRuleSpec): Promise<string> {
  return (await engine['break.add']({ proxyId, rule })).id
}

/** The Held queue once it has `n` messages (polled through held.list, as a front end would). */
export async function heldQueue(engine: Engine, n = 1): Promise<HeldMessage[]> {
  let last: HeldMessage[] = []
  await waitFor(() => {
    void engine['held.list']().then((l) => (last = l))
    return last.length >= n && last
  }, `${n} held message(s)`)
  return last
}

export async function breakRecords(engine: Engine, connId: number): Promise<CaptureEvent[]> {
  return (await eventsOf(engine, connId)).filter((e) => e.kind === 'break')
}
