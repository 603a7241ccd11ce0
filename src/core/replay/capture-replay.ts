// A whole capture (or the connections a filter picks) replayed against one target, as a
// regression check of a new server build against recorded traffic: each connection's client
// side sent again turn by turn (raw replay's `turns` strategy: every answer is compared with
// the one it got in the recording), started at its original time relative to the first,
// scaled by `speed`. At most `concurrency` run at once, so sockets and memory stay bounded
// however many connections the capture holds; a connection due while all slots are taken
// starts late rather than at once.

import { formatEndpoint, type Endpoint } from '../../shared/endpoint'
import { DEFAULT_CAPTURE_REPLAY_CONCURRENCY, MAX_TIMER_MS } from '../../shared/limits'
import type { CaptureReplaySummary, ConnectionReplayOutcome } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import type { UserRegex } from '../regex/user-regex'
import { PROGRESS_INTERVAL_MS } from '../export/export-progress'
import { UserError, cancelled } from '../net/net-errors'
import { ERROR_CODES } from '../../shared/errors'
import { parseTargetEndpoint } from '../net/user-endpoint'
import { ConnectError } from '../net/target/connect-target'
import { replayRaw, type ReplayRecording } from './raw-replay'
import { httpAnswersMatch } from './capture-replay-ignore'
import { planReplay } from './replay-plan'
import { replayTlsFor, type ReplayTls } from './replay-tls'
import type { ConnectionSummary } from '../../shared/capture-types'

/**
 * What the running replays keep of their answers in all (for the HTTP ignore rules), shared
 * by as many as run at once: 1 MiB each at DEFAULT_CAPTURE_REPLAY_CONCURRENCY, 64 KiB each
 * at the most a caller may ask (1024), where 1 MiB each would be a GiB. A differing answer
 * past its share stays "differs".
 */
const KEEP_ALL = 64 * 1024 * 1024
const KEEP_MOST_PER_CONNECTION = 1024 * 1024

/** Differing turns listed per connection; the count says how many there were in all. */
const MAX_LISTED_TURNS = 20
const PAGE = 1000

/** Reports at most every PROGRESS_INTERVAL_MS (a front end redraws a bar, not a log), the first and the last always. */
export function throttledProgress(report: (p: { done: number; of: number }) => void): (p: { done: number; of: number }) => void {
  let last = -Infinity
  return (p) => {
    const now = performance.now()
    if (p.done > 0 && p.done < p.of && now - last < PROGRESS_INTERVAL_MS) return
    last = now
    report(p)
  }
}

export interface CaptureReplayOptions {
  /** Where every connection goes; without it, each goes to its own recorded target. */
  target?: Endpoint
  /** The connection list's filter words (as `tcpscope ls` and the UI take them); every connection without. */
  filter?: string
  /** 1 (default): the original pace; 2: twice as fast; 0 or Infinity: every connection at once (within `concurrency`). */
  speed?: number
  concurrency?: number
  /** HTTP answers: headers whose values may differ (Date always). */
  ignoreHeaders?: string[]
  /** HTTP answers: body text that may differ (a timestamp, an id). */
  ignoreBody?: UserRegex
  /** Per turn, as raw replay takes it. */
  timeoutMs?: number
  connectTimeoutMs?: number
  signal?: AbortSignal
  /** Where the replay of connection `connId` is recorded (the engine's live capture); not recorded without. */
  record?: (connId: number) => ReplayRecording
  /** Connections done of those picked: once they are picked (done 0), then after each. */
  onProgress?: (p: { done: number; of: number }) => void
  /** Each connection whose target spoke TLS is replayed over TLS (replay-tls.ts), verified, with its recorded SNI; without this, all in plain TCP. */
  tls?: ReplayTls
}

interface Picked extends Pick<ConnectionSummary, 'kind' | 'tls'> {
  id: number
  target: string
  openedAt: number
}

/** The connections the filter picks (all without one), in start order. */
async function pick(view: CaptureView, decoding: Decoding, filter: string | undefined, signal: AbortSignal | undefined): Promise<Picked[]> {
  const facts = decoding.facts(view)
  const q = { filter: filter?.trim() === '' ? undefined : filter, sort: 'start' as const }
  // A `text:` or protocol word answers in slices while it searches or decodes: ask until it is done.
  for (;;) {
    const first = await view.page({ ...q, offset: 0, limit: 0 }, signal, facts)
    if (signal?.aborted) throw cancelled()
    if (first.scan === undefined) break
  }
  const picked: Picked[] = []
  for (let offset = 0; ; offset += PAGE) {
    if (signal?.aborted) throw cancelled()
    const page = await view.page({ ...q, offset, limit: PAGE }, signal, facts)
    for (const r of page.rows) picked.push({ id: r.id, target: r.target, openedAt: r.openedAt, kind: r.kind, tls: r.tls })
    if (page.rows.length < PAGE) break
  }
  return picked.sort((a, b) => a.openedAt - b.openedAt || a.id - b.id)
}

/** Resolves after `ms`, or at once on abort. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS))
    signal?.addEventListener('abort', done, { once: true })
  })
}

export async function replayCapture(view: CaptureView, decoding: Decoding, opts: CaptureReplayOptions): Promise<CaptureReplaySummary> {
  const signal = opts.signal
  const speed = opts.speed ?? 1
  if (!(speed >= 0)) throw new UserError(`replay speed must be 0 or more, not ${speed}`, 'EINVAL')
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CAPTURE_REPLAY_CONCURRENCY)
  const conns = await pick(view, decoding, opts.filter, signal)
  const of = conns.length
  opts.onProgress?.({ done: 0, of })
  const outcomes: ConnectionReplayOutcome[] = []
  let skipped = 0
  let done = 0
  const running = new Set<Promise<void>>()
  // A run never rejects: its failure is kept here, so waiting for a free slot never ends the
  // whole replay while other runs are still closing their sockets.
  let failure: { err: unknown } | undefined

  const one = async (c: Picked): Promise<void> => {
    try {
      const outcome = await replayOne(view, decoding, c, opts, Math.min(KEEP_MOST_PER_CONNECTION, Math.floor(KEEP_ALL / limit)))
      if (outcome === undefined) skipped++
      else outcomes.push(outcome)
    } catch (err) {
      failure ??= { err }
    } finally {
      done++
      opts.onProgress?.({ done, of })
    }
  }

  const start = performance.now()
  const firstAt = conns[0]?.openedAt ?? 0
  const paced = speed > 0 && Number.isFinite(speed)
  for (const c of conns) {
    if (signal?.aborted || failure !== undefined) break
    if (paced) await sleep(start + (c.openedAt - firstAt) / speed - performance.now(), signal)
    while (running.size >= limit) await Promise.race(running)
    if (signal?.aborted || failure !== undefined) break
    const run: Promise<void> = one(c).finally(() => running.delete(run))
    running.add(run)
  }
  // Every run ends (its waits end on abort); the first failure is rethrown once all did.
  await Promise.all([...running])
  if (signal?.aborted) throw cancelled()
  if (failure !== undefined) throw failure.err
  outcomes.sort((a, b) => a.connId - b.connId)
  const differed = outcomes.filter((o) => o.error !== undefined || o.matched < o.of)
  return {
    target: opts.target === undefined ? 'recorded targets' : formatEndpoint(opts.target),
    connections: outcomes.length,
    matched: outcomes.length - differed.length,
    skipped,
    differed,
    unreachable: outcomes.length > 0 && outcomes.every((o) => o.unreachable === true)
  }
}

/** One connection's replay and verdict, keeping at most `keep` bytes of its answers; undefined when it had nothing to send. */
async function replayOne(view: CaptureView, decoding: Decoding, c: Picked, opts: CaptureReplayOptions, keep: number): Promise<ConnectionReplayOutcome | undefined> {
  const base = { connId: c.id, target: c.target }
  let plan
  try {
    plan = await planReplay(view, c.id)
  } catch (err) {
    if (err instanceof UserError && (err.code === 'EINVAL' || err.code === 'E2BIG')) return undefined
    // A connection with a gap is not replayed, and the run says so beside the others.
    if (err instanceof UserError && err.code === ERROR_CODES.ENOTKEPT) return { ...base, matched: 0, of: 0, differing: [], differingTurns: 0, error: err.message }
    throw err
  }
  let result
  try {
    const target = opts.target ?? parseTargetEndpoint(c.target, 'the recorded target')
    result = await replayRaw(view, c.id, {
      target,
      strategy: 'turns',
      timeoutMs: opts.timeoutMs,
      connectTimeoutMs: opts.connectTimeoutMs,
      signal: opts.signal,
      keepTotal: keep,
      // Whole answers up to the connection's share, for the HTTP ignore rules below.
      keepPerTurn: keep,
      record: opts.record?.(c.id),
      tls: opts.tls === undefined ? undefined : (await replayTlsFor(opts.tls, c))?.connect
    })
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled()
    if (!(err instanceof UserError)) throw err
    return { ...base, matched: 0, of: 0, differing: [], differingTurns: 0, error: err.message, unreachable: err instanceof ConnectError }
  }
  const differs = result.turns.filter((t) => !t.matched)
  let stillDiffer = differs
  // Date always differs in HTTP, so the ignore rules are always checked there.
  if (differs.length > 0 && (await decoding.exchanges(view, c.id, 0, 0)).protocol === 'http1') {
    stillDiffer = []
    // A recorded answer the result does not carry whole is read again only into what the
    // result left of `keep`, so a connection holds at most `keep` however its answers run.
    const free = keep - result.turns.reduce((n, t) => n + t.bytes.length + t.recordedBytes.length, 0)
    for (const t of differs) {
      const range = plan.turns[t.index]?.server
      if (range === undefined || !(await httpAnswersMatch(view, c.id, range, t, opts, keep, free))) stillDiffer.push(t)
    }
  }
  const outcome: ConnectionReplayOutcome = {
    ...base,
    matched: result.of - stillDiffer.length,
    of: result.of,
    differing: stillDiffer.slice(0, MAX_LISTED_TURNS).map((t) => ({ index: t.index, expected: t.expected, received: t.received })),
    differingTurns: stillDiffer.length
  }
  if (result.connId !== undefined) outcome.replayConnId = result.connId
  return outcome
}
