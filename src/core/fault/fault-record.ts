// What a toxic did, as a `fault` record's payload: the English one-line `message` (the CLI
// and exports show it), and the effect and numbers a front end words it from in its language.

import type { FaultEffect, FaultEventInfo } from '../../shared/fault-types'
import type { ToxicEntry } from './toxic-registry'

export const fault = (t: ToxicEntry, message: string, effect: FaultEffect, numbers: Pick<FaultEventInfo, 'ms' | 'count' | 'rate' | 'bytes'> = {}): FaultEventInfo & Record<string, unknown> => ({
  toxic: t.name,
  type: t.type,
  message,
  effect,
  ...numbers
})
