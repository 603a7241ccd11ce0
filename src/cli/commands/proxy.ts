// `tcpscope proxy`: run one recording proxy until SIGINT/SIGTERM, printing its events.

import type { ConnectionSummary } from '../../shared/capture-types'
import { formatBytes } from '../../shared/human-readable'
import { DEFAULT_CONNECT_TIMEOUT_MS, MAX_CONNECT_TIMEOUT_MS } from '../../shared/limits'
import { parseMs, requireString, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, jsonOption, LISTEN_OPTION, QUIET_OPTION } from '../common-options'
import { printEvents, startEngine, untilStopSignal } from '../engine-run'
import { line, type Io } from '../output'

const PROXY_USAGE =
  'tcpscope proxy --listen [HOST:]PORT|PATH --target HOST:PORT|PATH [--capture FILE [--force]] [--json] [--quiet] [--connect-timeout MS] [--checksum-payloads]'

function summarize(conns: ConnectionSummary[]): {
  connections: number
  /** Forwarded each way. */
  bytes: { client: number; server: number }
  /** Of those, in the capture file (less only when recording stopped on a write error). */
  recorded: { client: number; server: number }
  ends: Record<string, number>
} {
  const ends: Record<string, number> = {}
  const bytes = { client: 0, server: 0 }
  const recorded = { client: 0, server: 0 }
  for (const c of conns) {
    ends[c.end] = (ends[c.end] ?? 0) + 1
    bytes.client += c.bytes.client
    bytes.server += c.bytes.server
    recorded.client += c.recorded?.client ?? c.bytes.client
    recorded.server += c.recorded?.server ?? c.bytes.server
  }
  return { connections: conns.length, bytes, recorded, ends }
}

const OPTIONS = {
  ...LISTEN_OPTION,
  target: { type: 'string', arg: 'HOST:PORT|PATH', about: 'where to forward each connection' },
  ...CAPTURE_OPTIONS,
  ...jsonOption('{"type":"listening",...}'),
  ...QUIET_OPTION,
  'connect-timeout': { type: 'string', arg: 'MS', about: `give up on the target after MS (default ${DEFAULT_CONNECT_TIMEOUT_MS}); the client is then reset` },
  'checksum-payloads': { type: 'boolean', about: 'also CRC-32 every data payload in the capture (costs CPU)' }
} as const satisfies OptionTable

async function runProxy({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`proxy: unexpected argument "${positionals[0]}"; usage: ${PROXY_USAGE}`)
  const listen = requireString('proxy', values.listen, '--listen', 'e.g. --listen 8080')
  const target = requireString('proxy', values.target, '--target', 'e.g. --target 127.0.0.1:6379')
  const connectTimeoutMs = parseMs('proxy', values['connect-timeout'], '--connect-timeout', 1, MAX_CONNECT_TIMEOUT_MS)
  const json = values.json === true
  const stop = untilStopSignal()
  const run = await startEngine({ capture: values.capture, force: values.force, checksumPayloads: values['checksum-payloads'] }).catch((err: unknown) => {
    stop.dispose()
    throw err
  })
  const { engine, shownCapture } = run
  let proxy
  try {
    proxy = await engine['proxy.start']({ listen, target, connectTimeoutMs })
  } catch (err) {
    stop.dispose()
    await run.finish()
    throw err
  }
  if (json) line(io.out, JSON.stringify({ type: 'listening', proxy: proxy.id, listen: proxy.listen, target: proxy.target, capture: shownCapture }))
  else line(io.out, `tcpscope: listening on ${proxy.listen} -> ${proxy.target}${shownCapture ? `, capturing to ${shownCapture}` : ''} (Ctrl-C stops)`)
  printEvents(engine, io, { json, quiet: values.quiet })

  const signal = await stop.signal
  // The summary comes from the index, which outlives the closed (and maybe removed) file.
  await run.finish()
  const s = summarize(engine.capture.connections())
  const info = await engine['capture.info']({ capture: 'live' })
  const captureBytes = info.size
  if (json) line(io.out, JSON.stringify({ type: 'summary', ...s, capture: shownCapture, captureBytes, ...(info.error ? { captureError: info.error } : {}), signal }))
  else {
    const traffic = `${s.connections} connection(s), ${formatBytes(s.bytes.client)} from clients, ${formatBytes(s.bytes.server)} from servers`
    const file = info.error
      ? `; recording stopped early (${info.error}): ${shownCapture ?? 'the capture'} holds ${formatBytes(s.recorded.client)} from clients, ${formatBytes(s.recorded.server)} from servers`
      : shownCapture
        ? `; capture ${shownCapture} (${formatBytes(captureBytes)}) is complete`
        : ''
    line(io.out, `tcpscope: stopped (${signal}): ${traffic}${file}`)
  }
  return 0
}

export const proxyCommand = defineCommand({
  name: 'proxy',
  about: 'forward a local port to a target and record every byte',
  usage: PROXY_USAGE,
  options: OPTIONS,
  notes: ['Prints a line per connection event; Ctrl-C (SIGINT) or SIGTERM stops it, completes the capture and prints a summary.'],
  run: runProxy
})
