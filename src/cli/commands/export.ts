// `tcpscope export FILE ...`: one direction's bytes exactly as captured (raw), as an
// xxd-style hex dump, or a connection's events as JSON lines; HAR of the HTTP exchanges,
// pcapng for Wireshark, or a curl command for one request. The engine's exporters make
// each of them, as they make the UI's: to -o OUT with capture.export (which never writes
// over a capture by accident, and replaces another file only with --force), to stdout read
// as it is made (capture.export.begin, read, end).

import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import type { CommandArgs } from '../../shared/contract'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { CONNECTION_EXPORT_FORMATS, EXPORT_AS } from '../../shared/export-args'
import { formatBytes } from '../../shared/human-readable'
import { DEFAULT_BODY_LIMIT, MAX_BODY_LIMIT, MAX_CONN_ID } from '../../shared/limits'
import { EXPORT_FORMATS } from '../../shared/protocol-types'
import type { Engine } from '../../core/engine'
import { oneOfFlag, parseSize, parseWhole, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { outputClosed, writeAll, type Io } from '../output'
import { captureNotes, withCaptureFile } from './open-capture'

const EXPORT_USAGE = 'tcpscope export FILE [--conn ID ...] [--direction client|server] [--format raw|hex|jsonl|har|pcapng|curl] [--messages] [--exchange N] [--as sent|delivered] [--body-limit SIZE] [-o|--output OUT [--force]] [--quiet]'

const EXPORT_NOTES = [
  'raw and hex take one --conn and a --direction; jsonl one --conn. har and pcapng cover every connection, or those named. curl takes one --conn and its --exchange (when it has more than one).',
  'har and curl --as delivered show what the receivers got after tcpscope\'s traffic rules and script (a rewritten request, a mock\'s answer, a rewritten response), read from the capture\'s rule records; the HAR\'s comments say which rule changed each entry.',
  'jsonl --messages writes the connection\'s messages (redis commands and replies, or a framing chosen with "Decode as"), one JSON object a line, as show --json prints them; --body-limit caps each payload.',
  'On a terminal, a long export shows how far it got on stderr (never with --quiet, or when stderr is not a terminal).'
]

const FORMATS = [...CONNECTION_EXPORT_FORMATS, ...EXPORT_FORMATS] as const
type Format = (typeof FORMATS)[number]

/** What a piece read from the engine holds at most: each is one write to stdout. */
const READ_PIECE = 4 * 1024 * 1024

/** Output paths that mean this process's standard output: written in order, never positioned or replaced. */
const STDOUT_NAMES = new Set(['-', '/dev/stdout'])

/** What progress counts for each format. */
const UNITS: Record<Format, 'bytes' | 'exchanges' | 'requests' | 'events'> = { raw: 'bytes', hex: 'bytes', jsonl: 'events', har: 'exchanges', pcapng: 'bytes', curl: 'requests' }

type ExportJob = Omit<CommandArgs<'capture.export.begin'>, 'capture'>

const OPTIONS = {
  conn: {
    type: 'string',
    multiple: true,
    arg: 'ID',
    about: 'the connection, by its id in `tcpscope ls`; har and pcapng take several (or IDs with commas) and default to every connection'
  },
  direction: { type: 'string', arg: 'client|server', about: 'whose bytes: client = what the client sent (required for raw and hex; with jsonl, only that side\'s events)' },
  format: {
    type: 'string',
    arg: 'raw|hex|jsonl|har|pcapng|curl',
    about:
      'raw bytes (default), an xxd-style hex dump, the events as JSON lines, HAR 1.2 of the HTTP exchanges (for browser devtools), pcapng (for Wireshark: both legs of each connection as TCP packets), or a curl command that sends one request again'
  },
  exchange: { type: 'string', arg: 'N', about: 'curl: the request, by its number on the connection, from 1 as `show` numbers them (not needed when it has one)' },
  as: {
    type: 'string',
    arg: 'sent|delivered',
    about: "har and curl: sent (default) = each side's messages as its sender sent them; delivered = as the receivers got them after tcpscope's rules (curl: the request as the target got it)"
  },
  messages: { type: 'boolean', about: 'jsonl: one line per message of the connection (redis commands, a --frame framing: as `show --json` prints them), not per event' },
  'body-limit': {
    type: 'string',
    arg: 'SIZE',
    about: `har: the most of one body written, decoded (default ${formatBytes(DEFAULT_BODY_LIMIT)}; e.g. 8MiB); a body past it is cut there and its entry's comment says so`
  },
  output: { type: 'string', short: 'o', arg: 'OUT', about: 'write to OUT instead of stdout (- or /dev/stdout: stdout); an existing file only with --force, never the capture being read' },
  force: { type: 'boolean', about: 'let -o replace an existing file (never a capture another tcpscope is recording)' },
  quiet: { type: 'boolean', short: 'q', about: 'no progress on stderr (it shows only on a terminal anyway)' }
} as const satisfies OptionTable

/** Connection ids from repeated or comma-separated --conn values. */
function connIds(values: string[] | undefined): number[] | undefined {
  if (values === undefined || values.length === 0) return undefined
  return values.flatMap((v) => v.split(',')).map((v) => parseWhole('export', v.trim(), '--conn', 1, MAX_CONN_ID)!)
}

/** A progress line on stderr, redrawn in place: only on a terminal, and never with --quiet. */
function progressLine(io: Io, quiet: boolean, unit: 'bytes' | 'exchanges' | 'requests' | 'events'): ((p: { done: number; of: number }) => void) | undefined {
  if (quiet || (io.err as { isTTY?: boolean }).isTTY !== true) return undefined
  return ({ done, of }) => {
    const pct = of > 0 ? Math.floor((done / of) * 100) : 100
    const amount = unit === 'bytes' ? `${formatBytes(done)} of ${formatBytes(of)}` : `${done} of ${of} ${unit}`
    io.err.write(`\rexporting: ${pct}% (${amount})\x1b[K`)
  }
}

/** The export read from the engine as it is made, each piece written before the next is read; a reader that went away (`| head`) stops it. */
async function exportToStream(engine: Engine, args: CommandArgs<'capture.export.begin'>, out: Writable): Promise<void> {
  const { stream } = await engine['capture.export.begin'](args)
  try {
    while (!outputClosed()) {
      const bytes = await engine['capture.export.read']({ stream, length: READ_PIECE })
      if (bytes.length === 0) return
      await writeAll(out, bytes)
    }
  } finally {
    await engine['capture.export.end']({ stream })
  }
}

/**
 * The export written by the engine at OUT. The engine asks before it replaces a file (an
 * EEXIST answer with a token for the yes); --force is that yes, given in advance.
 */
async function exportToFile(engine: Engine, args: CommandArgs<'capture.export'>, force: boolean): Promise<void> {
  try {
    await engine['capture.export'](args)
  } catch (err) {
    if (!(err instanceof UserError) || err.code !== ERROR_CODES.EEXIST || err.confirm === undefined) throw err
    if (!force) throw new UserError(`${err.message.replace(/; replace it\?$/, '')}; pass --force to replace it, or pick another output file`, ERROR_CODES.EEXIST)
    await engine['capture.export']({ ...args, confirm: err.confirm })
  }
}

async function runExport({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`export: give exactly one capture file; usage: ${EXPORT_USAGE}`)
  const path = positionals[0]
  const job = exportJob(values)
  await withCaptureFile(path, async ({ engine, capture }) => {
    if (job.format === 'curl' && job.exchange === undefined) job.exchange = await onlyExchange(engine, capture, job.connIds![0])
    const report = progressLine(io, values.quiet === true, UNITS[job.format])
    // The engine's progress events for this export, as the UI shows them.
    const operation = 'export'
    const unsubscribe = report && engine.subscribe((e) => (e.type === 'progress' && e.operation === operation ? report(e) : undefined), { connections: false })
    const args = { capture, ...job, ...(report ? { progress: operation } : {}) }
    const target = values.output
    try {
      if (target === undefined || STDOUT_NAMES.has(target)) await exportToStream(engine, args, io.out)
      else await exportToFile(engine, { ...args, path: resolve(target) }, values.force === true)
    } finally {
      unsubscribe?.()
      if (report) io.err.write('\r\x1b[K')
    }
    for (const note of captureNotes(await engine['capture.info']({ capture }))) io.err.write(note + '\n')
  })
  return 0
}

/** curl without --exchange: the connection's one exchange; with more (or none), which to name is asked for. */
async function onlyExchange(engine: Engine, capture: string, connId: number): Promise<number> {
  const { total } = await engine['http.exchanges']({ capture, connId, from: 0, limit: 1 })
  if (total === 1) return 0
  if (total === 0) throw new UsageError(`export: curl exports one request: connection #${connId} has no HTTP exchange`)
  throw new UsageError(`export: curl exports one request: connection #${connId} has ${total} HTTP exchanges; give --exchange N (its number on the connection, from 1 as \`show\` numbers them)`)
}

/** What the options ask for, checked the way a usage error can say best. */
function exportJob(values: Parsed<typeof OPTIONS>['values']): ExportJob {
  const format = oneOfFlag('export', values.format ?? 'raw', '--format', FORMATS)!
  const ids = connIds(values.conn)
  // Numbered from 1 as `show` prints them; the engine counts from 0.
  const exchange = parseWhole('export', values.exchange, '--exchange', 1)
  const bodyLimit = parseSize('export', values['body-limit'], '--body-limit', 1, MAX_BODY_LIMIT)
  const messages = values.messages === true
  const as = oneOfFlag('export', values.as, '--as', EXPORT_AS)
  if (as !== undefined && format !== 'har' && format !== 'curl') throw new UsageError('export: --as is for --format har and curl')
  if (messages && format !== 'jsonl') throw new UsageError('export: --messages is for --format jsonl')
  if (bodyLimit !== undefined && format !== 'har' && !messages) throw new UsageError('export: --body-limit is for --format har (and jsonl --messages)')
  const job: ExportJob = { format }
  if (ids !== undefined) job.connIds = ids
  if (format === 'har' || format === 'pcapng' || format === 'curl') {
    if (values.direction !== undefined) throw new UsageError(`export: --direction is for raw, hex and jsonl; ${format} covers both sides`)
    if (format === 'curl' && ids?.length !== 1) {
      throw new UsageError('export: curl exports one request: give --conn ID and --exchange N (its number on the connection, from 1 as `show` numbers them; not needed when it has one)')
    }
    if (format !== 'curl' && exchange !== undefined) throw new UsageError('export: --exchange is for --format curl')
    if (exchange !== undefined) job.exchange = exchange - 1
    if (bodyLimit !== undefined) job.bodyLimit = bodyLimit
    if (as !== undefined) job.as = as
    return job
  }
  if (exchange !== undefined) throw new UsageError('export: --exchange is for --format curl')
  if (ids === undefined || ids.length === 0) throw new UsageError(`export: --conn is required (one connection id from \`tcpscope ls\`) for ${format}`)
  if (ids.length > 1) throw new UsageError(`export: ${format} takes one connection, not ${ids.length}: give one --conn (har and pcapng take several)`)
  const direction = oneOfFlag('export', values.direction, '--direction', ['client', 'server'] as const)
  if (format !== 'jsonl' && direction === undefined) {
    throw new UsageError('export: --direction client|server is required for raw and hex (client = the bytes the client sent)')
  }
  if (direction !== undefined) job.direction = direction
  if (messages) job.messages = true
  if (bodyLimit !== undefined) job.bodyLimit = bodyLimit
  return job
}

export const exportCommand = defineCommand({
  name: 'export',
  about: 'write a connection\'s bytes (raw, hex) or events (jsonl), HAR or pcapng of a capture, or a request as a curl command',
  usage: EXPORT_USAGE,
  options: OPTIONS,
  notes: EXPORT_NOTES,
  examples: [
    { line: 'tcpscope export capture.tcap --format har -o capture.har', about: 'Every HTTP exchange as a HAR file.' },
    { line: 'tcpscope export capture.tcap --format har --as delivered -o delivered.har', about: "What the receivers got after tcpscope's rules: mocks' answers, rewritten requests and responses." },
    { line: 'tcpscope export capture.tcap --format pcapng -o capture.pcapng', about: 'The capture as pcapng, for Wireshark or tshark.' },
    { line: 'tcpscope export capture.tcap --conn 4 --direction client --format raw -o request.bin', about: 'What the client of connection 4 sent, byte for byte.' }
  ],
  run: runExport
})
