// What starting a setup did, as the CLI says it: one line per part that did not start, on
// stderr (the rest started); `up` and `web --restore` share it.

import type { SetupOutcome } from '../shared/setup-types'
import { line, type Io } from './output'

/** Prints each failure; true when everything started. */
export function sayOutcome(outcome: SetupOutcome, io: Io): boolean {
  for (const f of outcome.failures) line(io.err, `tcpscope: ${f.what} did not start: ${f.message}`)
  return outcome.failures.length === 0
}
