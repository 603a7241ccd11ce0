// `tcpscope replay FILE --all [--filter WORDS] [--target HOST:PORT|PATH]`: every connection of
// a capture (or those the filter picks) replayed against one target (or each against its
// own recorded one) at its recorded pace (or --speed), one line per connection whose
// answers differed, and how many matched. On a terminal, stderr shows how many are done;
// Ctrl+C (or SIGTERM) stops it, closing the replays under way. Exit codes: 0 all matched,
// 5 some differed, 3 the target could not be reached at all, 1 nothing was replayed (the
// filter picked nothing) or another failure, 130 (143) stopped by SIGINT (SIGTERM).

import { constants } from 'node:os'
import { formatBytes } from '../../shared/human-readable'
import { UserError } from '../../core/net/net-errors'
import { parseTargetEndpoint } from '../../core/net/user-endpoint'
import type { CaptureReplaySummary, ConnectionReplayOutcome } from '../../shared/replay-types'
import { parseMs, UsageError } from '../args'
import { terminalSafe } from '../chunk-view'
import { untilStopSignal } from '../engine-run'
import { EXIT, ExitError } from '../exit-codes'
import { writeAll, type Io } from '../output'
import { captureNotes, withCaptureFile } from './open-capture'
import type { ReplayValues } from './replay-options'
import { replayTlsFrom } from '../tls-options'
import { checkFilterFlag } from '../start-checks'

/** Options of the one-connection modes, refused with --all rather than ignored. */
const NOT_WITH_ALL = ['conn', 'exchange', 'request', 'strategy', 'hex', 'raw', 'fix-length', 'count', 'concurrency', 'as-server', 'listen'] as const
/** Options only --all takes. */
export const ALL_ONLY = ['filter', 'speed', 'ignore-body'] as const

function parseSpeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const speed = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  if (!Number.isFinite(speed)) throw new UsageError(`replay: --speed wants a number >= 0 (2: twice as fast, 0: all at once), got "${value}"`)
  return speed
}

/** `#12 127.0.0.1:6379: turn 3 differs (recorded 5 B, got 7 B)`, and how many more turns did. */
function outcomeLine(o: ConnectionReplayOutcome): string {
  const head = `#${o.connId} ${terminalSafe(o.target)}: `
  if (o.error !== undefined) return head + `failed: ${o.error}`
  const first = o.differing[0]
  if (first === undefined) return head + 'differs'
  const more = o.differingTurns > 1 ? ` and ${o.differingTurns - 1} more turn${o.differingTurns === 2 ? '' : 's'}` : ''
  return head + `turn ${first.index + 1} differs (recorded ${formatBytes(first.expected)}, got ${formatBytes(first.received)})${more}`
}

function summaryText(s: CaptureReplaySummary): string {
  const lines = s.differed.map(outcomeLine)
  lines.push(`${s.matched} of ${s.connections} connections matched the recording`)
  return lines.join('\n') + '\n'
}

export async function runCaptureReplay(values: ReplayValues, path: string, io: Io): Promise<number> {
  const other = NOT_WITH_ALL.find((k) => values[k] !== undefined)
  if (other) throw new UsageError(`replay: --${other} does not go with --all`)
  // Here, to name the option in the message; the engine is given the text as typed.
  if (values.target !== undefined) parseTargetEndpoint(values.target, '--target')
  // A filter's mistake is a usage error (exit 2), said before the capture is read.
  const hints = values.filter !== undefined ? checkFilterFlag('replay', values.filter, 'connections') : []
  const speed = parseSpeed(values.speed)
  const timeoutMs = parseMs('replay', values.timeout, '--timeout')
  // One line redrawn in place on a terminal; nothing when stderr is a file or a pipe.
  const tty = (io.err as { isTTY?: boolean }).isTTY === true
  const counts = { done: 0, of: 0 }
  const tls = replayTlsFrom('replay', values)
  const stop = untilStopSignal()
  const cancel = new AbortController()
  let stopped: { done: number; signal: NodeJS.Signals } | undefined
  void stop.signal.then((signal) => {
    stopped = { done: counts.done, signal }
    cancel.abort()
  })
  // 128 + the signal's number, as a shell reports a command a signal stopped (130 for Ctrl+C).
  const cancelled = (s: { done: number; signal: NodeJS.Signals }): ExitError => new ExitError(`cancelled after ${s.done} of ${counts.of} connections`, 128 + constants.signals[s.signal])
  let summary: CaptureReplaySummary
  try {
    summary = await withCaptureFile(path, async ({ engine, capture }) => {
      // The engine's progress events for this run (at most ten a second), as the UI shows them.
      const operation = 'replay'
      const unsubscribe = engine.subscribe(
        (e) => {
          if (e.type !== 'progress' || e.operation !== operation) return
          Object.assign(counts, { done: e.done, of: e.of })
          if (tty) io.err.write(`\rreplayed ${e.done}/${e.of} connections\x1b[K`)
        },
        { connections: false }
      )
      try {
        const args = { capture, target: values.target, filter: values.filter, speed, timeoutMs, ignoreHeaders: values['ignore-header'], ignoreBody: values['ignore-body'], tls }
        const done = await engine['replay.capture']({ ...args, progress: operation, record: false }, { signal: cancel.signal })
        if (tty) io.err.write('\r\x1b[K')
        for (const note of captureNotes(await engine['capture.info']({ capture }))) io.err.write(note + '\n')
        return done
      } finally {
        unsubscribe()
      }
    })
  } catch (err) {
    if (tty) io.err.write('\r\x1b[K')
    if (stopped !== undefined) throw cancelled(stopped)
    throw err
  } finally {
    stop.dispose()
  }
  // Stopped while the run was ending on its own (the engine answered before it saw the abort):
  // still the signal's outcome, not a summary (seen once in CI: exit 0 after SIGINT).
  if (stopped !== undefined) throw cancelled(stopped)
  // Nothing compared is no regression check passed: a mistyped filter in CI must fail, not exit 0.
  if (summary.connections === 0) {
    const picked = values.filter === undefined ? `${path} has no connection` : `no connection in ${path} matches the filter "${values.filter}"${hints.map((h) => `; ${h}`).join('')}`
    throw new UserError(`nothing was replayed: ${summary.skipped > 0 ? `the ${summary.skipped} connection${summary.skipped === 1 ? '' : 's'} picked sent nothing` : picked}`)
  }
  if (summary.unreachable) throw new ExitError(summary.differed[0]?.error ?? 'the target could not be reached', EXIT.notConnected)
  await writeAll(io.out, values.json === true ? JSON.stringify(summary) + '\n' : summaryText(summary))
  return summary.differed.length === 0 ? EXIT.ok : EXIT.differed
}
