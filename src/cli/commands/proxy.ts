// `tcpscope proxy`: run one recording proxy until SIGINT/SIGTERM, printing its events.

import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Engine } from '../../core/engine'
import type { ConnectionSummary } from '../../shared/capture-types'
import { formatBytes } from '../../shared/format'
import { parseCommandArgs, parseWhole, requireString, UsageError } from '../args'
import { eventJson, eventText } from '../event-lines'
import { line, type Io } from '../output'

export const PROXY_USAGE =
  'tcpscope proxy --listen [HOST:]PORT|PATH --target HOST:PORT|PATH [--capture FILE] [--json] [--quiet] [--connect-timeout MS] [--checksum-payloads]'

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // A second signal while we finish the capture means "now".
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

export function summarize(conns: ConnectionSummary[]): {
  connections: number
  bytes: { client: number; server: number }
  ends: Record<string, number>
} {
  const ends: Record<string, number> = {}
  let client = 0
  let server = 0
  for (const c of conns) {
    ends[c.end] = (ends[c.end] ?? 0) + 1
    client += c.bytes.client
    server += c.bytes.server
  }
  return { connections: conns.length, bytes: { client, server }, ends }
}

export async function proxyCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('proxy', argv, {
    listen: { type: 'string' },
    target: { type: 'string' },
    capture: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'connect-timeout': { type: 'string' },
    'checksum-payloads': { type: 'boolean' }
  })
  if (positionals.length > 0) throw new UsageError(`proxy: unexpected argument "${positionals[0]}"; usage: ${PROXY_USAGE}`)
  const listen = requireString('proxy', values.listen, '--listen', 'e.g. --listen 8080')
  const target = requireString('proxy', values.target, '--target', 'e.g. --target 127.0.0.1:6379')
  const connectTimeoutMs = parseWhole('proxy', values['connect-timeout'], '--connect-timeout', 1)
  const keepCapture = values.capture !== undefined
  const capturePath = values.capture ?? join(tmpdir(), `tcpscope-${process.pid}-${Date.now()}.tcap`)
  const json = values.json === true

  const engine = Engine.create({ capturePath, checksumPayloads: values['checksum-payloads'] })
  const discard = (): void => {
    if (!keepCapture) rmSync(capturePath, { force: true })
  }
  let proxy
  try {
    proxy = await engine['proxy.start']({ listen, target, connectTimeoutMs })
  } catch (err) {
    await engine.close()
    discard()
    throw err
  }
  const shownCapture = keepCapture ? capturePath : null
  if (json) line(io.out, JSON.stringify({ type: 'listening', proxy: proxy.id, listen: proxy.listen, target: proxy.target, capture: shownCapture }))
  else line(io.out, `tcpscope: listening on ${proxy.listen} -> ${proxy.target}${keepCapture ? `, capturing to ${capturePath}` : ''} (Ctrl-C stops)`)

  engine.subscribe((event) => {
    if (event.type === 'snapshot') return
    if (event.type === 'capture-error') {
      line(io.err, json ? eventJson(event) : `tcpscope: ${event.message}`)
      return
    }
    if (values.quiet) return
    if (json) line(io.out, eventJson(event))
    else {
      const text = eventText(event)
      if (text !== undefined) line(io.out, text)
    }
  })

  const signal = await untilStopSignal()
  await engine.close()
  const s = summarize(engine.capture.connections())
  const captureBytes = engine.capture.info().size
  if (json) line(io.out, JSON.stringify({ type: 'summary', ...s, capture: shownCapture, captureBytes, signal }))
  else {
    line(
      io.out,
      `tcpscope: stopped (${signal}): ${s.connections} connection(s), ${formatBytes(s.bytes.client)} from clients, ${formatBytes(s.bytes.server)} from servers` +
        (keepCapture ? `; capture ${capturePath} (${formatBytes(captureBytes)}) is complete` : '')
    )
  }
  discard()
  return 0
}
