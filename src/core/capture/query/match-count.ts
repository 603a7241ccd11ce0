// Every match of a find pattern in one direction of a connection, for the find bar's "k of
// N": found the way find-next finds them (each search starting a byte after the last match),
// through stream-search's own functions, over a reader that keeps the window it read last so
// a stream of many small matches is read about once. Bounded: at most MAX_MATCHES, and
// COUNT_MS of work, after which the count says it is incomplete ("1,000+").

import type { Direction, MatchList } from '../../../shared/capture-types'
import type { SearchPattern } from '../../../shared/contract'
import { compilePattern, searchKept } from './stream-search'

export const MAX_MATCHES = 10_000
const COUNT_MS = 1000
/** Bytes read at a time: twice stream-search's window, so each read serves the searches of about a window. */
const READ_AHEAD = 8 * 1024 * 1024

type Read = (connId: number, dir: Direction, offset: number, length: number) => Promise<Buffer>

/** `runs`: where the kept bytes lie between gaps (keptRuns); nothing is read from a gap. */
export async function listMatches(read: Read, connId: number, dir: Direction, total: number, runs: Array<[number, number]>, pattern: SearchPattern, signal?: AbortSignal): Promise<MatchList> {
  const compiled = compilePattern(pattern)
  let cached: { start: number; bytes: Buffer } | undefined
  const readCached = async (offset: number, length: number): Promise<Buffer> => {
    if (cached && offset >= cached.start && offset + length <= cached.start + cached.bytes.length) {
      return cached.bytes.subarray(offset - cached.start, offset - cached.start + length)
    }
    // Read ahead to the end of the run the offset lies in, never into a gap.
    const runEnd = runs.find(([s, e]) => offset >= s && offset < e)?.[1] ?? total
    cached = { start: offset, bytes: await read(connId, dir, offset, Math.min(Math.max(length, READ_AHEAD), runEnd - offset)) }
    return cached.bytes.subarray(0, length)
  }
  const offsets: number[] = []
  const started = Date.now()
  for (let from = 0; from < total; ) {
    if (offsets.length >= MAX_MATCHES || Date.now() - started > COUNT_MS) return { offsets, complete: false, total }
    const r = await searchKept(readCached, runs, compiled, { from, signal })
    if (!r.found) break
    offsets.push(r.offset)
    from = r.offset + 1
  }
  return { offsets, complete: true, total }
}
