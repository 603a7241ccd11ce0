// How many threads a proxy forwards on (`--workers N|auto`), and why fewer when it must.

import { availableParallelism } from 'node:os'

/** `auto`'s cap: past this, one capture writer on the main thread is the limit, not the cores. */
export const MAX_AUTO_WORKERS = 8

/** Whether this runtime can listen on one port from several threads (SO_REUSEPORT: Node 22.12+, Linux). */
export function reusePortSupported(versions = process.versions, platform = process.platform): boolean {
  const [major, minor] = versions.node.split('.').map(Number)
  return platform === 'linux' && (major > 22 || (major === 22 && minor >= 12))
}

/**
 * The threads to run for `requested` (a count, or `auto`: the cores, capped), with the one
 * line to tell the user when it must be one instead.
 */
export function workerThreads(requested: number | 'auto', cores = availableParallelism()): { threads: number; note?: string } {
  const wanted = requested === 'auto' ? Math.min(cores, MAX_AUTO_WORKERS) : requested
  if (wanted <= 1) return { threads: 1 }
  if (!reusePortSupported()) return { threads: 1, note: `--workers needs Node 22.12+ on Linux (this is Node ${process.versions.node} on ${process.platform}); running one thread` }
  return { threads: wanted }
}
