// One request sent N times, at most M at once (`replay --count N --concurrency M`), for
// HTTP/1 and HTTP/2 alike: the first run's result in full, the rest summed up (statuses,
// matches, errors and those unreachable, p50 and p99 latency, requests a second).

import { UserError } from '../../shared/errors'
import { HTTP_REPLAY_PREVIEW, type HttpReplayOutcome, type HttpReplayResult, type HttpReplaySummary } from '../../shared/replay-types'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import { cancelled } from '../net/net-errors'
import { ConnectError } from '../net/target/connect-target'
import type { HttpReplayOptions } from './http-replay-options'

/** Error messages a summary keeps. */
const ERROR_SAMPLES = 5

/**
 * Runs `send` `count` times, at most `concurrency` at once, and sums up; `send(keep)` keeps
 * `keep` bytes of its response's body (only the first run is shown in full).
 */
export async function repeat(
  send: (keep: number) => Promise<HttpReplayResult>,
  opts: Pick<HttpReplayOptions, 'signal'>,
  count: number,
  concurrency: number
): Promise<HttpReplayOutcome> {
  const summary: HttpReplaySummary = { count, concurrency, statuses: {}, matched: 0, errors: 0, unreachable: 0, errorSamples: [], perSecond: 0 }
  const latencies: number[] = []
  let first: HttpReplayResult | undefined
  let next = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      try {
        // Only the first run is shown: the others keep a preview's worth of their bodies, not the comparison's bound.
        const r = await send(i === 0 ? MAX_COMPARED_BODY : HTTP_REPLAY_PREVIEW)
        if (i === 0) first = r
        if (r.response === undefined || !r.response.complete || r.ms === undefined) throw new UserError(r.differences.join(', '))
        summary.statuses[r.response.status] = (summary.statuses[r.response.status] ?? 0) + 1
        if (r.matched) summary.matched++
        latencies.push(r.ms)
      } catch (err) {
        if (opts.signal?.aborted) throw cancelled()
        summary.errors++
        if (err instanceof ConnectError) summary.unreachable++
        const message = err instanceof Error ? err.message : String(err)
        if (summary.errorSamples.length < ERROR_SAMPLES && !summary.errorSamples.includes(message)) summary.errorSamples.push(message)
      }
    }
  }
  // Settled, not all: one worker's cancel must not answer while the others' sockets are still closing.
  const ended = await Promise.allSettled(Array.from({ length: concurrency }, worker))
  const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected')
  if (failed) throw failed.reason
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  if (latencies.length > 0) {
    summary.p50Ms = percentile(latencies, 0.5)
    summary.p99Ms = percentile(latencies, 0.99)
  }
  summary.perSecond = seconds > 0 ? latencies.length / seconds : 0
  return first === undefined ? { summary } : { first, summary }
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}
