// How values read in the UI, built on the formats the CLI shares (src/shared/human-readable.ts).

import { formatTimestamp } from '../../../shared/human-readable'

export { formatBytes, formatDuration, formatPeer, WALL_CLOCK_MS } from '../../../shared/human-readable'

/** `12:01:03.120` */
export const clock = (ms: number): string => formatTimestamp(ms, false)
