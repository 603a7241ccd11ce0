// `tcpscope proxy`: run one recording proxy until SIGINT/SIGTERM, printing its events.

import type { ConnectionSummary } from '../../shared/capture-types'
import { formatBytes } from '../../shared/format'
import { MAX_CONNECT_TIMEOUT_MS } from '../../shared/limits'
import { parseCommandArgs, parseMs, requireString, UsageError } from '../args'
import { printEvents, startEngine, untilStopSignal } from '../engine-run'
import { line, type Io } from '../output'

export const PROXY_USAGE =
  'tcpscope proxy --listen [HOST:]PORT|PATH --target HOST:PORT|PATH [--capture FILE [--force]] [--json] [--quiet] [--connect-timeout MS] [--checksum-payloads]'

export function summarize(conns: ConnectionSummary[]): {
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

export async function proxyCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('proxy', argv, {
    listen: { type: 'string' },
    target: { type: 'string' },
    capture: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'connect-timeout': { type: 'string' },
    'checksum-payloads': { type: 'boolean' }
  })
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
