// `tcpscope replay FILE --conn ID`: sends a captured connection's client side again to its
// target (or another), turn by turn as --strategy says, prints what came back for each turn
// and whether it is the recorded answer, and exits non-zero when it could not connect (3)
// or any answer differed (5). The engine replays it (replay.raw, as the UI does); nothing is
// recorded.

import { toHex, hexDump } from '../../shared/hexdump'
import { MAX_CONN_ID } from '../../shared/limits'
import { REPLAY_STRATEGIES, type RawReplayResult, type ReplayTurn } from '../../shared/replay-types'
import { formatBytes } from '../../shared/human-readable'
import { createStreamDecoder } from '../../core/payload/decode-text'
import { oneOfFlag, parseMs, parseWhole, requireString, UsageError, type Parsed } from '../args'
import { terminalSafe } from '../chunk-view'
import { defineCommand } from '../command-spec'
import { EXIT } from '../exit-codes'
import { writeAll, type Io } from '../output'
import { REPLAY_OPTIONS as OPTIONS } from './replay-options'
import { runHttpReplay } from './replay-http'
import { runRecordedServer } from './replay-server'
import { ALL_ONLY, runCaptureReplay } from './replay-all'
import { turnEditsFrom } from './replay-edits'
import { runMessageReplay } from './replay-messages'
import { replayConnection } from './replay-target'
import { replayTlsFrom } from '../tls-options'

/** Every option of every mode; the notes say which mode takes which. */
const REPLAY_USAGE =
  'tcpscope replay FILE --conn ID|--all [--exchange N|N-M|N,M,...] [--target HOST:PORT|PATH] [--strategy turns|timing|burst] [--edit-turn N=TEXT]... [--edit-turn-hex N=HEX]... [--by-message [--frame SPEC] [--edit-message N=TEXT]... [--no-fix-length]] ' +
  '[--request FILE|-] [--as sent|delivered] [--fix-length] [--count N [--concurrency M]] [--raw] [--ignore-header NAME]... [--as-server --listen [HOST:]PORT|PATH] ' +
  '[--filter WORDS] [--speed X] [--ignore-body REGEX] [--tls | --no-tls] [--insecure] [--upstream-ca FILE] [--sni NAME] [--client-cert FILE --client-key FILE] [--timeout MS] [--hex] [--json]'

/** Options of the other modes, refused in a raw replay rather than ignored. */
const HTTP_OR_SERVER = ['as', 'fix-length', 'count', 'concurrency', 'request', 'raw', 'ignore-header', 'listen'] as const

const REPLAY_NOTES = [
  'A raw replay of one connection: tcpscope replay FILE --conn ID [--target HOST:PORT|PATH] [--strategy turns|timing|burst] [--edit-turn N=TEXT]... [--edit-turn-hex N=HEX]... [--timeout MS] [--hex] [--json]',
  'By message: tcpscope replay FILE --conn ID --by-message [--frame SPEC] [--target HOST:PORT|PATH] [--edit-message N=TEXT|N=hex:HEX]... [--no-fix-length] [--timeout MS] [--json]; each client message (numbered as `show` numbers them) once the answers recorded for it came (those its protocol pairs with it, else those recorded after it), each answer compared by bytes and shown by its summary; an edit\'s lengths are refit by the framing (a length prefix, redis\'s bulk lengths).',
  'One HTTP request: tcpscope replay FILE --conn ID --exchange N [--request FILE|- | --as sent|delivered] [--target HOST:PORT|PATH] [--fix-length] [--count N [--concurrency M]] [--raw] [--ignore-header NAME]... [--timeout MS] [--hex] [--json]; prints the response with its body decoded (as curl --compressed does; --raw: as it came), then what differs from the recorded one (recorded → replayed), e.g. body $.stamp: 4100001 → 4100002.',
  'A keep-alive sequence: tcpscope replay FILE --conn ID --exchange 1-3 (or 1,2,3) [--target HOST:PORT|PATH] [--fix-length] [--raw] [--ignore-header NAME]... [--timeout MS]; each request once the response before it is whole, stopping when the server closes.',
  'A recorded server: tcpscope replay FILE --conn ID --as-server --listen [HOST:]PORT|PATH [--by-message [--frame SPEC]] [--timeout MS]; turn by turn, each answer once the client sent as many bytes as the recorded one did; with --by-message, each message the client sends (cut as `show` cuts the connection, or by --frame) answered with the server messages recorded for the message in its place, and compared with it.',
  "A whole capture: tcpscope replay FILE --all [--filter WORDS] [--target HOST:PORT|PATH] [--speed X] [--ignore-header NAME]... [--ignore-body REGEX] [--timeout MS] [--json]; each connection turn by turn, to --target (default: its own recorded target); HTTP answers' headers are compared by name, in any order, Date, Age, Expires, Content-Length and Transfer-Encoding not counted.",
  "TLS: a connection whose target spoke TLS (recorded with its handshake) is replayed over TLS, asking for the name it recorded (SNI) and the protocol it settled on (ALPN), the target's certificate verified against the system's roots and the CA file the recording verified it with (the proxy's --upstream-ca or the session's --ca, as the capture recorded it; stderr says so when it is trusted); --upstream-ca FILE trusts another CA instead, --insecure skips verification, --sni NAME asks for another name, --no-tls replays in plain TCP, --tls uses TLS for a connection recorded as plain. The raw, HTTP and --all modes take these; --as-server takes --tls and --no-tls (its clients get a leaf from tcpscope's CA, as a connection whose client spoke TLS does by default).",
  'A turn is what the client sent before the server answered, with that answer; a server greeting sent before the client spoke is a turn with nothing sent.',
  'Exit codes: 0 every answer matched the recording, 3 the target could not be reached, 5 some answer differed, 1 another failure.'
]

function turnText(t: ReplayTurn, hex: boolean): string {
  const verdict = t.matched ? 'matched' : `differs (recorded ${formatBytes(t.expected)})`
  const cut = t.bytes.length < t.received ? `, first ${formatBytes(t.bytes.length)} shown` : ''
  const header = `turn ${t.index + 1}${t.edited === true ? ' (edited)' : ''}: sent ${formatBytes(t.sent)}, got ${formatBytes(t.received)}${cut}: ${verdict}\n`
  const bytes = Buffer.from(t.bytes)
  if (bytes.length === 0) return header
  if (hex) return header + hexDump(bytes, 0).join('\n') + '\n'
  const decoder = createStreamDecoder('utf8')
  const body = terminalSafe(decoder.write(bytes) + decoder.end())
  return header + body + (body.endsWith('\n') ? '' : '\n')
}

function resultJson(r: RawReplayResult): string {
  return JSON.stringify({ ...r, turns: r.turns.map(({ bytes, recordedBytes, ...t }) => ({ ...t, hex: toHex(Buffer.from(bytes)), recordedHex: toHex(Buffer.from(recordedBytes)) })) })
}

async function runReplay({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`replay: give exactly one capture file; usage: ${REPLAY_USAGE}`)
  const path = positionals[0]
  const edited = (['edit-turn', 'edit-turn-hex'] as const).find((k) => values[k] !== undefined)
  if (edited && (values.all === true || values['as-server'] === true || values.exchange !== undefined)) {
    throw new UsageError(`replay: --${edited} is for a raw replay of one connection (--conn ID without --exchange, --all or --as-server)`)
  }
  if (values.all === true) return runCaptureReplay(values, path, io)
  const allOnly = ALL_ONLY.find((k) => values[k] !== undefined)
  if (allOnly) throw new UsageError(`replay: --${allOnly} is for a whole capture (with --all)`)
  const messageOnly = (['edit-message', 'no-fix-length', 'frame'] as const).find((k) => values[k] !== undefined)
  if (values['as-server'] === true) return runRecordedServer(values, path, io)
  if (values['by-message'] === true) {
    if (values.exchange !== undefined) throw new UsageError('replay: --by-message is a raw replay of one connection (--conn ID without --exchange), or a recorded server answering by message (with --as-server)')
    return runMessageReplay(values, path, io)
  }
  if (messageOnly) throw new UsageError(`replay: --${messageOnly} is for a replay by message (with --by-message)`)
  if (values.exchange !== undefined) return runHttpReplay(values, path, io)
  const other = HTTP_OR_SERVER.find((k) => values[k] !== undefined)
  if (other) throw new UsageError(`replay: --${other} is for ${other === 'listen' ? 'a recorded server (with --as-server)' : 'an HTTP request (with --exchange N)'}`)
  const id = parseWhole('replay', requireString('replay', values.conn, '--conn', 'a connection id from `tcpscope ls`, or --all for every connection'), '--conn', 1, MAX_CONN_ID)!
  const strategy = oneOfFlag('replay', values.strategy ?? 'turns', '--strategy', REPLAY_STRATEGIES)!
  const timeoutMs = parseMs('replay', values.timeout, '--timeout')
  const edits = await turnEditsFrom(values)
  const tls = replayTlsFrom('replay', values)
  const result = await replayConnection(path, id, values.target, io, ({ engine, capture }) =>
    engine['replay.raw']({ capture, connId: id, target: values.target, strategy, timeoutMs, edits, tls, record: false })
  )
  if (values.json) await writeAll(io.out, resultJson(result) + '\n')
  else {
    for (const t of result.turns) await writeAll(io.out, turnText(t, values.hex === true))
    await writeAll(io.out, `${result.matched} of ${result.of} server turns matched\n`)
  }
  return result.matched === result.of ? EXIT.ok : EXIT.differed
}

export const replayCommand = defineCommand({
  name: 'replay',
  about: "send a captured connection's client side again and compare the answers with the recording",
  usage: REPLAY_USAGE,
  options: OPTIONS,
  notes: REPLAY_NOTES,
  examples: [
    { line: 'tcpscope replay redis.tcap --conn 2', about: 'Send connection 2\'s client side to its target again and compare the answers.' },
    { line: 'tcpscope replay api.tcap --conn 5 --exchange 1 --target 127.0.0.1:8081', about: 'Send one HTTP request again, to another server.' },
    { line: 'tcpscope replay capture.tcap --conn 12 --as-server --by-message --listen 6380', about: 'Play the recorded server: each message a client sends gets the recorded answers.' }
  ],
  run: runReplay
})
