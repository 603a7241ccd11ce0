// `tcpscope replay FILE --conn ID --as-server --listen [HOST:]PORT|PATH [--by-message]`: a
// recorded server. Listens and plays the connection's server turns (or answers message by
// message) to every client that connects, prints a line per client once it is gone (what
// was played, whether it sent what the recorded client did), and runs until SIGINT or SIGTERM. The engine plays it (replay.serve, as the UI
// starts one) and tells of each client as it goes (a `recorded-client` event).

import { formatBytes } from '../../shared/human-readable'
import { MAX_CONN_ID } from '../../shared/limits'
import { UserError } from '../../core/net/net-errors'
import { parseUserEndpoint } from '../../core/net/user-endpoint'
import type { RecordedClientReport } from '../../shared/replay-types'
import { parseMs, parseWhole, requireString, UsageError } from '../args'
import { untilStopSignal } from '../engine-run'
import { line, type Io } from '../output'
import { replayTlsFrom } from '../tls-options'
import { withCaptureFile } from './open-capture'
import type { ReplayValues } from './replay-options'

/** Options of the other modes that mean nothing to a recorded server. */
const NOT_HERE = ['target', 'strategy', 'hex', 'raw', 'json', 'exchange', 'request', 'fix-length', 'count', 'concurrency', 'ignore-header', 'insecure', 'upstream-ca', 'sni', 'client-cert', 'client-key', 'edit-message', 'no-fix-length'] as const

/** `message 3 differs (recorded GET a, 14 B; got GET bb, 15 B)`, the message numbered as `show` numbers it. */
function messageLine(r: RecordedClientReport): string {
  const differs = r.turns.find((t) => !t.matched)
  const got = (t: RecordedClientReport['turns'][number]): string => (t.got === undefined ? 'nothing' : `${t.got}, ${formatBytes(t.received)}`)
  const verdict = differs
    ? `message ${differs.index + 1} differs (recorded ${differs.recorded ?? ''}, ${formatBytes(differs.expected)}; got ${got(differs)})`
    : r.extra !== undefined
      ? `${r.extra} message${r.extra === 1 ? '' : 's'} more than recorded, not answered`
      : 'client matched the recording'
  return `client ${r.client}: ${r.played} of ${r.of} messages answered, ${verdict}${r.error !== undefined ? `; ${r.error}` : ''}`
}

function clientLine(r: RecordedClientReport): string {
  if (r.byMessage) return messageLine(r)
  const differs = r.turns.find((t) => !t.matched)
  const verdict = differs
    ? `client turn ${differs.index + 1} differs (recorded ${formatBytes(differs.expected)}, got ${formatBytes(differs.received)})`
    : 'client matched the recording'
  return `client ${r.client}: ${r.played} of ${r.of} turns played, ${verdict}${r.error !== undefined ? `; stopped: ${r.error}` : ''}`
}

export async function runRecordedServer(values: ReplayValues, path: string, io: Io): Promise<number> {
  const extra = NOT_HERE.find((k) => values[k] !== undefined)
  if (extra) throw new UsageError(`replay --as-server: --${extra} does not go with --as-server`)
  const id = parseWhole('replay', requireString('replay', values.conn, '--conn', 'a connection id from `tcpscope ls`'), '--conn', 1, MAX_CONN_ID)!
  const listen = requireString('replay', values.listen, '--listen', 'with --as-server, e.g. --listen 9000')
  // Here, to name the option in the message; the engine is given the text as typed.
  parseUserEndpoint(listen, '--listen', '127.0.0.1')
  const timeoutMs = parseMs('replay', values.timeout, '--timeout')
  const tls = replayTlsFrom('replay', values)?.enabled
  const byMessage = values['by-message'] === true
  if (values.frame !== undefined && !byMessage) throw new UsageError('replay --as-server: --frame cuts the connection for --by-message; give --by-message too')
  const stop = untilStopSignal()
  try {
    await withCaptureFile(path, async ({ engine, capture }) => {
      const [conn] = await engine['conn.get']({ capture, ids: [id], protocols: false })
      if (!conn) throw new UserError(`no connection #${id} in ${path}; list them with \`tcpscope ls ${path}\``)
      let serverId: string | undefined
      const unsubscribe = engine.subscribe((e) => (e.type === 'recorded-client' && e.server === serverId ? line(io.out, clientLine(e.report)) : undefined), { connections: false })
      try {
        const server = await engine['replay.serve']({ capture, connId: id, listen, timeoutMs, tls, ...(byMessage ? { byMessage, frame: values.frame } : {}) })
        serverId = server.id
        const what = server.framing !== undefined ? `${server.turns} client message${server.turns === 1 ? '' : 's'}, ${server.framing}` : `${server.turns} turn${server.turns === 1 ? '' : 's'}`
        line(io.out, `playing connection #${id} (${what}) on ${server.listen}`)
        await stop.signal
        await engine['replay.stop']({ id: server.id })
      } finally {
        unsubscribe()
      }
    })
  } finally {
    stop.dispose()
  }
  return 0
}
