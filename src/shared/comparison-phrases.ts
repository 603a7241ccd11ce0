// How a response comparison's parts read as one phrase each, for the replay verdict's
// `differences`, the CLI's summary and the UI alike: `header X-Id: "a" → "b"`,
// `body $.stamp: 4100001 → 4100002`. Recorded on the left, replayed on the right.

import type { HeaderDifference, JsonChange } from './response-comparison-types'

/** A header's values: one as a JSON string, several as a JSON list. */
export const headerValues = (values: string[]): string => (values.length === 1 ? JSON.stringify(values[0]) : JSON.stringify(values))

/** `header X-Id: "a" → "b"`, `header X-New added: "v"`, `header X-Old removed (was "v")`. */
export function headerPhrase(d: HeaderDifference): string {
  if (d.change === 'added') return `header ${d.name} added: ${headerValues(d.replayed)}`
  if (d.change === 'removed') return `header ${d.name} removed (was ${headerValues(d.recorded)})`
  return `header ${d.name}: ${headerValues(d.recorded)} → ${headerValues(d.replayed)}`
}

/** `body $.stamp: 4100001 → 4100002`, `body $.extra added: true`, `body $.gone removed (was 1)`. */
export function jsonChangePhrase(c: JsonChange): string {
  if (c.change === 'added') return `body ${c.path} added: ${c.replayed ?? ''}`
  if (c.change === 'removed') return `body ${c.path} removed (was ${c.recorded ?? ''})`
  return `body ${c.path}: ${c.recorded ?? ''} → ${c.replayed ?? ''}`
}
