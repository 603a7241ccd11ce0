// `tcpscope replay FILE --conn ID --exchange N`: one captured HTTP request sent again
// (byte-exact, or with --fix-length; or the edited request --request gives; or, with
// --as delivered, the request as the target got it after the proxy's rules), the
// response printed as replay-http-text.ts lays it out (its body decoded, then what differs
// from the recorded response), and whether it is the recorded response; with --count,
// sent N times and summed up. `--exchange 1-3` (or 1,2,3) sends
// several in order on one keep-alive connection and prints each response. An HTTP/2
// exchange goes again over HTTP/2, a sequence or a repeat on one session. Exit codes: 0
// matched (every one), 3 the target could not be reached, 5 a response differed or
// failed, 1 another failure. The engine replays them (replay.http, replay.sequence, as the
// UI does); nothing is recorded.

import { MAX_CONN_ID } from '../../shared/limits'
import { MAX_HTTP_REPLAY_CONCURRENCY, MAX_HTTP_REPLAY_COUNT } from '../../shared/contract'
import type { HttpReplaySummary } from '../../shared/replay-types'
import { oneOfFlag, parseMs, parseWhole, requireString, UsageError } from '../args'
import { EXPORT_AS } from '../../shared/export-args'
import { EXIT, ExitError } from '../exit-codes'
import { writeAll, type Io } from '../output'
import { parseExchanges, readEditedRequest } from './replay-http-input'
import { formatMs, responseOutput, resultForJson } from './replay-http-text'
import type { ReplayValues } from './replay-options'
import { replayConnection } from './replay-target'
import { replayTlsFrom } from '../tls-options'

export async function runHttpReplay(values: ReplayValues, path: string, io: Io): Promise<number> {
  const id = parseWhole('replay', requireString('replay', values.conn, '--conn', 'a connection id from `tcpscope ls`'), '--conn', 1, MAX_CONN_ID)!
  const exchanges = parseExchanges(values.exchange ?? '')
  if (exchanges.length > 1) return runSequence(values, path, id, exchanges, io)
  const exchange = exchanges[0]
  const count = parseWhole('replay', values.count, '--count', 1, MAX_HTTP_REPLAY_COUNT)
  const concurrency = parseWhole('replay', values.concurrency, '--concurrency', 1, MAX_HTTP_REPLAY_CONCURRENCY)
  const timeoutMs = parseMs('replay', values.timeout, '--timeout')
  const as = oneOfFlag('replay', values.as, '--as', EXPORT_AS)
  if (as === 'delivered' && values.request !== undefined) throw new UsageError('replay: --as delivered sends the request the target got; --request sends your own: give one of them')
  const request = values.request === undefined ? undefined : await readEditedRequest(values.request)
  const opts = { as, fixLength: values['fix-length'] === true, count, concurrency, timeoutMs, request, ignoreHeaders: values['ignore-header'], tls: replayTlsFrom('replay', values) }
  const outcome = await replayConnection(path, id, values.target, io, ({ engine, capture }) =>
    engine['replay.http']({ capture, connId: id, exchange: exchange - 1, target: values.target, ...opts, record: false })
  )
  const { first, summary } = outcome
  if (values.json === true) {
    const json = first === undefined ? outcome : { ...outcome, first: resultForJson(first) }
    await writeAll(io.out, JSON.stringify(json) + '\n')
  } else if (summary !== undefined) {
    await writeAll(io.out, summaryText(summary))
  } else if (first !== undefined) {
    await writeAll(io.out, responseOutput(first, textOptions(values)))
  }
  if (summary !== undefined) {
    if (summary.errors === summary.count && summary.unreachable === summary.count) throw new ExitError(summary.errorSamples[0] ?? 'the target could not be reached', EXIT.notConnected)
    return summary.errors === 0 && summary.matched === summary.count ? EXIT.ok : EXIT.differed
  }
  return first?.matched === true ? EXIT.ok : EXIT.differed
}

/** `--exchange 1-3`: the requests in order on one keep-alive connection, each response printed, then how many matched. */
async function runSequence(values: ReplayValues, path: string, id: number, exchanges: number[], io: Io): Promise<number> {
  const single = (['count', 'concurrency', 'request', 'as'] as const).find((k) => values[k] !== undefined)
  if (single) throw new UsageError(`replay: --${single} is for one request (--exchange N), not a keep-alive sequence`)
  const timeoutMs = parseMs('replay', values.timeout, '--timeout')
  const requests = exchanges.map((n) => ({ connId: id, exchange: n - 1 }))
  const tls = replayTlsFrom('replay', values)
  const result = await replayConnection(path, id, values.target, io, ({ engine, capture }) =>
    engine['replay.sequence']({ capture, requests, target: values.target, fixLength: values['fix-length'] === true, timeoutMs, ignoreHeaders: values['ignore-header'], tls, record: false })
  )
  if (values.json === true) await writeAll(io.out, JSON.stringify({ ...result, results: result.results.map(resultForJson) }) + '\n')
  else {
    for (const r of result.results) {
      await writeAll(io.out, `exchange ${r.source!.exchange + 1}:\n`)
      await writeAll(io.out, responseOutput(r, textOptions(values)))
    }
    const notSent = result.stopped === undefined ? '' : `; ${result.notSent} not sent: ${result.stopped}`
    await writeAll(io.out, `${result.matched} of ${exchanges.length} responses matched the recording${notSent}\n`)
  }
  return result.matched === exchanges.length ? EXIT.ok : EXIT.differed
}

const textOptions = (values: ReplayValues): { hex: boolean; raw: boolean } => ({ hex: values.hex === true, raw: values.raw === true })

/** `200: 98, 503: 2; p50 3.1 ms, p99 9.8 ms; 4,210 req/s`, the errors, and how many matched. */
function summaryText(s: HttpReplaySummary): string {
  const statuses = Object.entries(s.statuses).map(([status, n]) => `${status}: ${n}`)
  if (s.errors > 0) statuses.push(`failed: ${s.errors}`)
  const latency = s.p50Ms === undefined || s.p99Ms === undefined ? 'no latency' : `p50 ${formatMs(s.p50Ms)}, p99 ${formatMs(s.p99Ms)}`
  const rate = `${Math.round(s.perSecond).toLocaleString('en-US')} req/s`
  const lines = [`${statuses.join(', ')}; ${latency}; ${rate}`]
  for (const e of s.errorSamples) lines.push(`error: ${e}`)
  lines.push(`${s.matched} of ${s.count} responses matched the recording`)
  return lines.join('\n') + '\n'
}
