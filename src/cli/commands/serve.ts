// `tcpscope serve`: a TCP server opened by hand that shows what connects and what it sends,
// and can answer by itself (echo, reply rules, a canned HTTP response, interval sends).

import type { ServerBehaviour } from '../../shared/session-types'
import { MAX_INTERVAL_MS } from '../../shared/limits'
import { parseMs, parseWhole, requireString, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, jsonOption, LISTEN_OPTION, QUIET_OPTION, FRAME_OPTION } from '../common-options'
import { ChunkView, shownEncoding } from '../chunk-view'
import { printEvents, startEngineUntilStopped } from '../engine-run'
import { checkStartFlags } from '../start-checks'
import { HeldClients, HOLD_NOTE } from '../held-clients'
import { line, type Io } from '../output'
import { PAYLOAD_OPTIONS, parseReplyRule, payloadFrom, payloadWord, textEncoding } from '../payload-args'
import { SERVE_TLS_OPTIONS, tlsListenFrom } from '../tls-options'
import { loadRulesOption, RULES_OPTION } from './rules'

const SERVE_USAGE =
  "tcpscope serve --listen [HOST:]PORT|PATH [--echo] [--reply MATCH=>REPLY ...] [--http-status CODE [--http-header 'K: V' ...] [--http-body TEXT|@FILE]] [--interval MS (--send TEXT|--send-hex HEX|--send-file FILE) [--count N]] [--eol none|lf|crlf] [--checksum KIND] [--encoding ENC] [--hex] [--max-bytes N] [--max-connections N] [--idle-timeout MS] [--pause-on-connect] [--tls [--tls-name NAME | --cert FILE --key FILE] [--alpn LIST]] [--frame SPEC] [--rules FILE] [--script FILE] [--capture FILE [--force]] [--json] [--quiet]"

const OPTIONS = {
  ...LISTEN_OPTION,
  echo: { type: 'boolean', about: 'send every received chunk back' },
  reply: {
    type: 'string',
    multiple: true,
    arg: 'MATCH=>REPLY',
    about:
      'answer a received chunk that matches; the first matching rule wins. MATCH may start with contains: (default), exact:, starts:, ends: or re:, then hex:; REPLY is text with escapes ($1..$9 from re:), hex:HEX or @FILE'
  },
  'http-status': { type: 'string', arg: 'CODE', about: 'answer each HTTP request with this status (keep-alive and pipelining aware)' },
  'http-header': { type: 'string', multiple: true, arg: "'K: V'", about: 'a header of the --http-status response' },
  'http-body': { type: 'string', arg: 'TEXT|@FILE', about: 'the body of the --http-status response; Content-Length is computed' },
  interval: { type: 'string', arg: 'MS', about: 'send --send, --send-hex or --send-file to each client every MS' },
  count: { type: 'string', arg: 'N', about: 'with --interval: stop after N sends' },
  ...PAYLOAD_OPTIONS,
  'max-connections': { type: 'string', arg: 'N', about: 'turn away clients beyond N at a time' },
  'idle-timeout': { type: 'string', arg: 'MS', about: 'close a client that sent and received nothing for MS' },
  'pause-on-connect': {
    type: 'boolean',
    about: 'accept clients but read nothing from them until SIGUSR2 (kill -USR2 PID) resumes every client held so far; later clients are held too'
  },
  hex: { type: 'boolean', about: 'show each chunk as an xxd-style hex dump instead of text' },
  'max-bytes': { type: 'string', arg: 'N', about: 'show at most the first N bytes of each chunk (default: all of it)' },
  ...SERVE_TLS_OPTIONS,
  ...CAPTURE_OPTIONS,
  ...jsonOption('{"type":"listening",...}'),
  ...QUIET_OPTION,
  ...FRAME_OPTION,
  ...RULES_OPTION
} as const satisfies OptionTable

async function runServe({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`serve: unexpected argument "${positionals[0]}"; usage: ${SERVE_USAGE}`)
  const listen = requireString('serve', values.listen, '--listen', 'e.g. --listen 9000')
  const encoding = textEncoding('serve', values.encoding)
  const behaviour: ServerBehaviour = {}
  if (values.echo) behaviour.echo = true
  if (values.reply) behaviour.rules = values.reply.map((r) => parseReplyRule(r, encoding))
  const status = parseWhole('serve', values['http-status'], '--http-status', 100, 999)
  if (status !== undefined) {
    behaviour.http = { status, headers: values['http-header'] ?? [] }
    if (values['http-body'] !== undefined) behaviour.http.body = payloadWord(values['http-body'], encoding)
  } else if (values['http-header'] || values['http-body'] !== undefined) {
    throw new UsageError('serve: --http-header and --http-body go with --http-status CODE')
  }
  const everyMs = parseMs('serve', values.interval, '--interval', 1, MAX_INTERVAL_MS)
  const payload = payloadFrom('serve', values)
  if (everyMs !== undefined) {
    if (!payload) throw new UsageError('serve: --interval needs something to send: --send, --send-hex or --send-file')
    behaviour.interval = { everyMs, count: parseWhole('serve', values.count, '--count', 1), payload }
  } else if (payload) {
    throw new UsageError('serve: --send* goes with --interval MS (sends to each client every MS)')
  }

  checkStartFlags('serve', { listen, frame: values.frame })
  const tls = tlsListenFrom('serve', values)
  const json = values.json === true
  const pauseOnConnect = values['pause-on-connect'] === true
  const chunks = new ChunkView({
    arrows: { client: '<-', server: '->' },
    hex: values.hex === true,
    encoding: shownEncoding(encoding),
    maxBytes: parseWhole('serve', values['max-bytes'], '--max-bytes', 1)
  })
  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force })
  const { engine, shownCapture } = run
  let info
  try {
    info = await engine['server.start']({
      listen,
      behaviour,
      pauseOnConnect,
      maxConnections: parseWhole('serve', values['max-connections'], '--max-connections', 1),
      idleTimeoutMs: parseMs('serve', values['idle-timeout'], '--idle-timeout'),
      tls,
      ...(values.frame !== undefined ? { frame: values.frame } : {})
    })
    // Before the first client: the CLI reads no event until this is done.
    if (values.rules !== undefined) await loadRulesOption(engine, info.id, values.rules, io, json)
    if (values.script !== undefined) await engine['script.load']({ proxyId: info.id, path: values.script })
  } catch (err) {
    stop.dispose()
    await run.abandon()
    throw err
  }
  if (json) line(io.out, JSON.stringify({ type: 'listening', server: info.id, listen: info.listen, ...(tls ? { tls: true } : {}), capture: shownCapture, ...(pauseOnConnect ? { pid: process.pid } : {}) }))
  else line(io.out, `tcpscope: serving on ${info.listen}${tls ? ' with TLS' : ''}${shownCapture ? `, capturing to ${shownCapture}` : ''} (Ctrl-C stops${pauseOnConnect ? `; ${HOLD_NOTE}` : ''})`)
  let held: HeldClients | undefined
  const printer = printEvents(engine, io, {
    json,
    quiet: values.quiet,
    skip: (e) => e.type === 'session-updated' && !json,
    chunks,
    watch: (e) => held?.see(e)
  })
  if (pauseOnConnect) held = new HeldClients(engine, info.id, printer, json)

  const signal = await stop.signal
  held?.dispose()
  let conns: number
  try {
    // The last chunks are read from the capture, so they are printed before it closes.
    await engine['server.stop']({ serverId: info.id, closeClients: true })
    await printer.drained()
    conns = engine.capture.connections().length
  } finally {
    await run.finish()
  }
  if (json) line(io.out, JSON.stringify({ type: 'summary', connections: conns, capture: shownCapture, signal }))
  else line(io.out, `tcpscope: stopped (${signal}): ${conns} connection(s)`)
  return 0
}

export const serveCommand = defineCommand({
  name: 'serve',
  about: 'open a TCP server by hand: see what connects, answer by echo, rules, HTTP or a timer',
  usage: SERVE_USAGE,
  options: OPTIONS,
  notes: [
    'Prints each client that connects and each chunk of traffic whole: a header line, `#3 <- 12 B` for what client #3 sent and `#3 -> 5 B` for what was sent to it, then the bytes as text in --encoding (or a hex dump with --hex). With --json a data line carries the bytes as hex.',
    'Records everything like proxy traffic; Ctrl-C (SIGINT) or SIGTERM stops it and prints a summary.',
    "With --tls everything above works on the cleartext, and each client's handshake is recorded (a client that rejects the certificate, with its alert). Clients trust the CA's leaves once they trust the CA: `tcpscope ca --export ca.pem`, then e.g. `curl --cacert ca.pem https://localhost:PORT/`."
  ],
  examples: [
    { line: 'tcpscope serve --listen 9000 --echo', about: 'An echo server that prints what each client sends.' },
    { line: 'tcpscope serve --listen 8080 --http-status 200 --http-header \'Content-Type: application/json\' --http-body \'{"ok":true}\'', about: 'A canned HTTP answer to every request.' },
    { line: 'tcpscope serve --listen 7000 --reply \'re:^PING (\\w+)=>PONG $1\\r\\n\'', about: 'Answer each line that matches a regular expression.' }
  ],
  run: runServe
})
