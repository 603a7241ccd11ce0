// `tcpscope proxy`: run one recording proxy until SIGINT/SIGTERM, printing its events.

import type { ConnectionSummary, WriterPace } from '../../shared/capture-types'
import { formatBytes, formatDuration } from '../../shared/human-readable'
import { DEFAULT_CONNECT_TIMEOUT_MS, MAX_CONNECT_TIMEOUT_MS } from '../../shared/limits'
import { MAX_PROXY_WORKERS } from '../../shared/proxy-args'
import { parseMs, parseWhole, requireString, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, DISK_SLOW_OPTION, FRAME_OPTION, jsonOption, LISTEN_OPTION, QUIET_OPTION, whenDiskIsSlowOf } from '../common-options'
import { printEvents, startEngineUntilStopped } from '../engine-run'
import { line, type Io } from '../output'
import { PROXY_TLS_OPTIONS, PROXY_TLS_USAGE, proxyTlsArgs } from '../tls-flags'
import { loadRulesOption, RULES_OPTION } from './rules'
import { parseToxicFlag, TOXIC_FLAG_ABOUT, TOXIC_FLAG_ARG } from '../toxic-flag'
import { BREAK_FLAG_ABOUT, BREAK_FLAG_ARG, parseBreakFlag } from '../break-flag'
import { BreakConsole } from '../break-console'
import { checkPassThroughFlag, checkStartFlags } from '../start-checks'

const PROXY_USAGE =
  `tcpscope proxy --listen [HOST:]PORT|PATH (--target HOST:PORT|PATH | --forward [--proxy-auth USER:PASS] [--no-intercept | --pass-through HOST[,HOST...]...]) ${PROXY_TLS_USAGE} [--capture FILE [--force]] [--json] [--quiet] [--connect-timeout MS] [--checksum-payloads] [--when-disk-is-slow pause|drop] [--toxic ${TOXIC_FLAG_ARG}]... [--break ${BREAK_FLAG_ARG}]... [--rules FILE] [--script FILE] [--frame SPEC] [--workers N|auto]`

function summarize(conns: ConnectionSummary[]): {
  connections: number
  /** Forwarded each way. */
  bytes: { client: number; server: number }
  /** Of those, in the capture file (less only when recording stopped on a write error). */
  recorded: { client: number; server: number }
  /** Of those, forwarded but not kept: the capture holds gaps of this many bytes (--when-disk-is-slow drop). */
  notKept: { client: number; server: number }
  ends: Record<string, number>
} {
  const ends: Record<string, number> = {}
  const bytes = { client: 0, server: 0 }
  const recorded = { client: 0, server: 0 }
  const notKept = { client: 0, server: 0 }
  for (const c of conns) {
    ends[c.end] = (ends[c.end] ?? 0) + 1
    bytes.client += c.bytes.client
    bytes.server += c.bytes.server
    recorded.client += c.recorded?.client ?? c.bytes.client
    recorded.server += c.recorded?.server ?? c.bytes.server
    notKept.client += c.notKept?.client ?? 0
    notKept.server += c.notKept?.server ?? 0
  }
  return { connections: conns.length, bytes, recorded, notKept, ends }
}

/**
 * Says when recording slowed the traffic (the default, --when-disk-is-slow pause), so a
 * timing seen while debugging is known to be the disk's: for how long, and what the disk
 * wrote while busy. Silent below a tenth of a second.
 */
function heldBack(p: WriterPace): string {
  if (p.behindMs < 100) return ''
  const rate = p.busyMs > 0 ? `; it wrote ${formatBytes((p.written / p.busyMs) * 1000)}/s while busy` : ''
  return `; the disk set the pace: the traffic was held back ${formatDuration(p.behindMs)} of ${formatDuration(p.elapsedMs)}${rate}`
}

const OPTIONS = {
  ...LISTEN_OPTION,
  target: { type: 'string', arg: 'HOST:PORT|PATH', about: 'where to forward each connection' },
  forward: { type: 'boolean', about: 'be a forward proxy instead: each client names its destination (HTTP CONNECT, http:// URLs, SOCKS5), all on --listen' },
  'proxy-auth': { type: 'string', arg: 'USER:PASS', about: 'with --forward: clients must authenticate (HTTP 407 Basic, SOCKS5 user/password)' },
  'no-intercept': { type: 'boolean', about: 'with --forward: pass TLS inside tunnels through untouched (recorded as TLS with its SNI) instead of decrypting it with tcpscope\'s CA' },
  'pass-through': {
    type: 'string',
    multiple: true,
    arg: 'HOST[,HOST...]',
    about:
      "with --forward: pass these hosts' TLS through untouched (the client sees the server's own certificate; recorded as TLS with its SNI) while decrypting the rest, as mitmproxy's --ignore-hosts and the app's Pass through list; a host name or IP address as the client names it (its SNI, else the CONNECT or SOCKS5 host; any port, case ignored), or *.example.com for every name under example.com (not example.com itself: list it too); several separated by commas"
  },
  ...PROXY_TLS_OPTIONS,
  ...CAPTURE_OPTIONS,
  ...jsonOption('{"type":"listening",...}'),
  ...QUIET_OPTION,
  ...FRAME_OPTION,
  'connect-timeout': { type: 'string', arg: 'MS', about: `give up on the target after MS (default ${DEFAULT_CONNECT_TIMEOUT_MS}); the client is then reset` },
  'checksum-payloads': { type: 'boolean', about: 'also CRC-32 every data payload in the capture (costs CPU)' },
  ...DISK_SLOW_OPTION,
  toxic: { type: 'string', multiple: true, arg: TOXIC_FLAG_ARG, about: TOXIC_FLAG_ABOUT },
  break: { type: 'string', multiple: true, arg: BREAK_FLAG_ARG, about: BREAK_FLAG_ABOUT },
  ...RULES_OPTION,
  workers: { type: 'string', arg: 'N|auto', about: 'accept and forward on N threads (auto: the cores, at most 8), all on one port; Node 22.12+ on Linux, else one thread' }
} as const satisfies OptionTable

/** --pass-through's hosts, repeated or comma-separated, checked as the engine checks them (a mistake is a usage error). */
function passThroughFlag(values: string[] | undefined, noIntercept: boolean): string[] {
  if (values === undefined) return []
  if (noIntercept) throw new UsageError('proxy: --pass-through names the hosts not to decrypt; with --no-intercept no host is decrypted: give one or the other')
  const hosts = values.flatMap((v) => v.split(',')).filter((h) => h.trim() !== '')
  if (hosts.length === 0) throw new UsageError('proxy: --pass-through wants a host, e.g. --pass-through api.example.com,*.apple.com')
  return checkPassThroughFlag('proxy', hosts)
}

async function runProxy({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`proxy: unexpected argument "${positionals[0]}"; usage: ${PROXY_USAGE}`)
  const listen = requireString('proxy', values.listen, '--listen', 'e.g. --listen 8080')
  const forward = values.forward === true
  const target = forward ? values.target : requireString('proxy', values.target, '--target', 'e.g. --target 127.0.0.1:6379 (or --forward)')
  if (!forward && (values['proxy-auth'] !== undefined || values['no-intercept'] === true || values['pass-through'] !== undefined)) throw new UsageError('proxy: --proxy-auth, --no-intercept and --pass-through go with --forward')
  const passThrough = passThroughFlag(values['pass-through'], values['no-intercept'] === true)
  checkStartFlags('proxy', { forward, listen, ...(target !== undefined ? { target: { text: target, flag: '--target' } } : {}), frame: values.frame })
  const tls = proxyTlsArgs(values, forward)
  const connectTimeoutMs = parseMs('proxy', values['connect-timeout'], '--connect-timeout', 1, MAX_CONNECT_TIMEOUT_MS)
  const toxics = (values.toxic ?? []).map(parseToxicFlag)
  const breaks = (values.break ?? []).map(parseBreakFlag)
  const workers = values.workers === 'auto' ? 'auto' : parseWhole('proxy', values.workers, '--workers', 1, MAX_PROXY_WORKERS)
  const json = values.json === true
  const whenDiskIsSlow = whenDiskIsSlowOf('proxy', values['when-disk-is-slow'])
  // --quiet prints no event, so nothing decoded live would be seen (a close line's protocol):
  // the capture is decoded when it is opened, and the decode worker (its thread, its heap,
  // about 20 MiB after 1 GiB) never starts.
  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force, checksumPayloads: values['checksum-payloads'], whenDiskIsSlow, liveDecoding: values.quiet !== true })
  const { engine, shownCapture } = run
  let proxy
  try {
    const mode = forward ? { forward: { proxyAuth: values['proxy-auth'], intercept: values['no-intercept'] !== true, ...(passThrough.length > 0 ? { passThrough } : {}) } } : {}
    proxy = await engine['proxy.start']({ listen, target, connectTimeoutMs, ...tls, ...mode, ...(values.frame !== undefined ? { frame: values.frame } : {}), ...(workers !== undefined ? { workers } : {}) })
    // Before the first client can connect: the loop below runs before any accept is handled.
    for (const toxic of toxics) await engine['toxic.add']({ proxyId: proxy.id, toxic })
    for (const rule of breaks) await engine['break.add']({ proxyId: proxy.id, rule })
    if (values.rules !== undefined) await loadRulesOption(engine, proxy.id, values.rules, io, json)
    if (values.script !== undefined) await engine['script.load']({ proxyId: proxy.id, path: values.script })
  } catch (err) {
    stop.dispose()
    await run.abandon()
    throw err
  }
  if (json) line(io.out, JSON.stringify({ type: 'listening', proxy: proxy.id, listen: proxy.listen, target: proxy.target, capture: shownCapture }))
  else {
    const where = forward ? ' as a forward proxy (HTTP CONNECT, http:// URLs, SOCKS5)' : ` -> ${proxy.target}`
    line(io.out, `tcpscope: listening on ${proxy.listen}${where}${shownCapture ? `, capturing to ${shownCapture}` : ''} (Ctrl-C stops)`)
  }
  // Why it runs on fewer threads than asked, or why only the main thread accepts (breakpoints).
  const threadNote = (await engine['proxy.list']()).find((p) => p.id === proxy.id)?.threads?.note ?? proxy.threads?.note
  if (threadNote !== undefined) line(io.err, `tcpscope: ${threadNote}`)
  printEvents(engine, io, { json, quiet: values.quiet })
  const breakConsole = breaks.length > 0 ? new BreakConsole(engine, io, { input: process.stdin, env: process.env }) : undefined
  breakConsole?.start()

  const signal = await stop.signal
  breakConsole?.stop()
  // The summary comes from the index, which outlives the closed (and maybe removed) file.
  await run.finish()
  const s = summarize(engine.capture.connections())
  const info = await engine['capture.info']({ capture: 'live' })
  const captureBytes = info.size
  if (json) line(io.out, JSON.stringify({ type: 'summary', ...s, capture: shownCapture, captureBytes, ...(info.error ? { captureError: info.error } : {}), ...(info.pace ? { writer: info.pace } : {}), signal }))
  else {
    const traffic = `${s.connections} connection(s), ${formatBytes(s.bytes.client)} from clients, ${formatBytes(s.bytes.server)} from servers`
    const gaps = s.notKept.client + s.notKept.server > 0 ? `; not kept (the disk was slower than the traffic): ${formatBytes(s.notKept.client)} from clients, ${formatBytes(s.notKept.server)} from servers` : ''
    const file = info.error
      ? `; recording stopped early (${info.error}): ${shownCapture ?? 'the capture'} holds ${formatBytes(s.recorded.client)} from clients, ${formatBytes(s.recorded.server)} from servers`
      : shownCapture
        ? `; capture ${shownCapture} (${formatBytes(captureBytes)}) is complete`
        : ''
    const pace = whenDiskIsSlow !== 'drop' && info.pace ? heldBack(info.pace) : ''
    line(io.out, `tcpscope: stopped (${signal}): ${traffic}${file}${gaps}${pace}`)
  }
  return 0
}

export const proxyCommand = defineCommand({
  name: 'proxy',
  about: 'forward a local port to a target and record every byte',
  usage: PROXY_USAGE,
  options: OPTIONS,
  notes: [
    'Prints a line per connection event; Ctrl-C (SIGINT) or SIGTERM stops it, completes the capture and prints a summary. With --quiet nothing is decoded while it runs (no line would show it): the capture is decoded when it is opened (`tcpscope show`, `ls`, the app), and the proxy takes less memory and CPU.',
    "TLS: --tls-listen decrypts what clients send (they must trust tcpscope's CA: `tcpscope ca --export ca.pem`, then e.g. curl --cacert ca.pem), --tls-upstream encrypts toward the target; either, both or neither. The client's SNI and ALPN are passed on to the target, and the client gets the ALPN the target chose. The capture holds the cleartext. A target that fails verification is recorded with the reason and the fix, and its client sees a clean close. TLS that starts midway (PostgreSQL's SSLRequest, SMTP/IMAP/POP3 STARTTLS, MySQL's SSL request) is decrypted too, the cleartext before the switch recorded, and shows as \"TLS after STARTTLS (smtp)\"; without --tls-listen it passes through, labelled so.",
    "--break holds what matches before it goes on, and asks on the console, one held message at a time: [f]orward, [e]dit in $EDITOR (an HTTP message's Content-Length, or a framed message's lengths, are fixed to the edit), [d]rop, [r]eset the connection, [a]ll (forward everything held and turn the breakpoints off). Answers are read a line at a time from standard input, so a script can answer too; once it ends, held messages go on when their rule's timeout comes (timeout=, default 60 s). Each step is recorded as a `break` event.",
    "--toxic injects faults as Toxiproxy's toxics do, into every connection (toxicity: a share of them); each action is recorded as a `fault` event beside the bytes it changed. Attributes: latency and jitter in ms, rate in KB/s (1000 bytes), slicer's delay in microseconds, slow_close's delay and timeout's and reset_peer's timeout in ms (timeout 0 drops the data until the toxic is removed; reset_peer's counts from the first chunk, which it drops), limit_data's bytes, corrupt's probability of a bit flip per byte (not TCP-faithful: a real link's checksum would catch it). down refuses every new connection. With --forward, toxics apply to tunnels, not to plain http:// requests.",
    "--when-disk-is-slow applies to the whole capture (one file, one writer queue): with pause (the default) every socket feeding it waits while more than 16 MiB are queued for the disk, so nothing is lost but the traffic runs at the disk's pace; with drop the traffic never waits, and while the queue is over that bound each connection's data is not queued but counted, then written as a gap record (which side, from which stream offset, how many bytes). Readers never fill a gap: `ls` shows each connection's bytes not kept, `show`/`read` mark the gap, HTTP bodies across one are incomplete, exports and replays say so.",
    'With --forward, each tunnel is its own connection, to its real destination. TLS inside a tunnel is decrypted with tcpscope\'s CA unless --no-intercept (or, for the hosts it names, --pass-through): clients must trust it (`tcpscope ca --export ca.pem`, then e.g. curl --cacert ca.pem -x http://127.0.0.1:PORT https://...). Destinations are verified against the system\'s roots plus --upstream-ca (--insecure: not at all).'
  ],
  examples: [
    { line: 'tcpscope proxy --listen 6380 --target 127.0.0.1:6379 --capture redis.tcap', about: 'Put a recording proxy in front of a local redis: clients connect to port 6380.' },
    { line: 'tcpscope proxy --listen 8443 --target api.internal:443 --tls-listen --tls-upstream', about: 'Decrypt TLS from clients (they trust tcpscope\'s CA) and encrypt again toward the target.' },
    { line: 'tcpscope proxy --listen 8080 --forward --capture web.tcap', about: 'A forward proxy (HTTP CONNECT, http:// URLs, SOCKS5) that decrypts TLS with tcpscope\'s CA.' },
    { line: "tcpscope proxy --listen 8080 --forward --pass-through '*.apple.com,apple.com' --pass-through bank.example", about: 'The same, but the TLS of those hosts (certificate-pinning apps, a bank) passes through untouched.' },
    { line: 'tcpscope proxy --listen 6380 --target 127.0.0.1:6379 --toxic \'latency:latency=200,jitter=50,stream=downstream\'', about: 'Answers come 200 ms (±50) late, as Toxiproxy\'s latency toxic.' },
    { line: 'tcpscope proxy --listen 8080 --target 127.0.0.1:80 --break \'http=request,method=POST,path=/login\'', about: 'Hold every POST /login and ask on the console: forward, edit, drop or reset.' }
  ],
  run: runProxy
})
