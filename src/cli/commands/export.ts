// `tcpscope export FILE ...`: one direction's bytes exactly as captured (raw), as an
// xxd-style hex dump, or a connection's events as JSON lines; or, through the engine's
// exporters (src/core/export), HAR of the HTTP exchanges, pcapng for Wireshark, or a curl
// command for one request. It reads the connections' own records and bytes, not the file,
// and never writes over a capture by accident.

import { stat } from 'node:fs/promises'
import { Writable } from 'node:stream'
import type { Direction } from '../../shared/capture-types'
import { hexDump, toHex } from '../../shared/hexdump'
import { MAX_CONN_ID } from '../../shared/limits'
import type { FileCapture } from '../../core/capture/read/file-capture'
import { refuseLocked } from '../../core/capture/write/capture-target'
import { inspectTarget, sameFile } from '../../core/file-target'
import { UserError } from '../../core/net/net-errors'
import { writeReplacing } from '../../core/replace-file'
import { Decoding } from '../../core/decode/decoding'
import { planExport, type ExportJob } from '../../core/export/export-plan'
import { ExportProgress } from '../../core/export/export-progress'
import { BatchedSink, type ExportSink } from '../../core/export/export-sink'
import { ERROR_CODES } from '../../shared/errors'
import { formatBytes } from '../../shared/human-readable'
import { oneOfFlag, parseWhole, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { outputClosed, writeAll, type Io } from '../output'
import { captureNotes, openCaptureFile } from './open-capture'

const EXPORT_USAGE = 'tcpscope export FILE [--conn ID ...] [--direction client|server] [--format raw|hex|jsonl|har|pcapng|curl] [--exchange N] [-o|--output OUT [--force]] [--quiet]'

const EXPORT_NOTES = [
  'raw and hex take one --conn and a --direction; jsonl one --conn. har and pcapng cover every connection, or those named. curl takes one --conn and its --exchange.',
  'On a terminal, a long export shows how far it got on stderr (never with --quiet, or when stderr is not a terminal).'
]

const BYTE_FORMATS = ['raw', 'hex', 'jsonl'] as const
const FORMATS = [...BYTE_FORMATS, 'har', 'pcapng', 'curl'] as const

const READ_STEP = 1024 * 1024
const EVENT_STEP = 1000

async function exportBytes(capture: FileCapture, id: number, dir: Direction, total: number, out: Writable, hex: boolean): Promise<void> {
  // Hex lines must start on 16-byte boundaries, so read in multiples of 16.
  for (let offset = 0; offset < total && !outputClosed(); offset += READ_STEP) {
    const bytes = await capture.readBytes(id, dir, offset, READ_STEP)
    await writeAll(out, hex ? hexDump(bytes, offset).join('\n') + '\n' : bytes)
  }
}

async function exportEvents(capture: FileCapture, id: number, dir: Direction | undefined, out: Writable): Promise<void> {
  for (let from = 0; !outputClosed(); from += EVENT_STEP) {
    const events = await capture.readEvents(id, from, EVENT_STEP)
    if (events.length === 0) break
    let text = ''
    for (const e of events) {
      if (dir !== undefined && e.dir !== undefined && e.dir !== dir) continue
      const data = e.kind === 'data' ? { hex: toHex(await capture.readBytes(id, e.dir!, e.offset!, e.length!)) } : {}
      text += JSON.stringify({ conn: id, ...e, ...data }) + '\n'
    }
    await writeAll(out, text)
  }
}

/** Output paths that mean this process's standard output: written in order, never positioned or replaced. */
const STDOUT_NAMES = new Set(['-', '/dev/stdout'])

/**
 * Writes `-o OUT` through `write`, with one-line errors. It refuses the capture being read
 * (writing would destroy what it reads), a capture another tcpscope is recording (even with
 * --force), any other existing file unless --force, and a folder, FIFO, device or socket.
 * The output goes to a temporary file renamed over OUT once whole: a failed export leaves
 * what was there.
 */
async function writeOutput(target: string, capturePath: string, force: boolean, write: (out: Writable) => Promise<void>): Promise<void> {
  const doing = `cannot write ${target}`
  const found = await inspectTarget(target, doing, { EISDIR: `it is a folder; give a file name, e.g. ${target.replace(/\/$/, '')}/out.bin` })
  if (found.kind === 'file') {
    if (sameFile(found.identity, await stat(capturePath))) throw new UserError(`${doing}: it is the capture being exported; pick another output file`, 'EEXIST')
    await refuseLocked(found)
    if (!force && found.isCapture) throw new UserError(`${target} is a tcpscope capture; pass --force to overwrite it, or pick another output file`, 'EEXIST')
    if (!force) throw new UserError(`${target} already exists; pass --force to replace it, or pick another output file`, 'EEXIST')
  }
  await writeReplacing(found, { doing, mode: 0o644, beforeCommit: () => refuseLocked(found) }, async (file) => {
    // A plain Writable over the handle: a FileHandle's own stream holds the handle, so
    // writeReplacing's fsync and close would wait for it forever.
    let at = 0
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const step = (from: number): void => {
          file.write(chunk, from, chunk.length - from, at + from).then(({ bytesWritten }) => {
            if (from + bytesWritten < chunk.length) return step(from + bytesWritten)
            at += chunk.length
            done()
          }, done)
        }
        step(0)
      }
    })
    await write(out)
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject)
      out.end(() => resolve())
    })
  })
}

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
  exchange: { type: 'string', arg: 'N', about: 'curl: the request, by its index on the connection (0 is the first)' },
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
function progressLine(io: Io, quiet: boolean, unit: 'bytes' | 'exchanges' | 'requests'): ((p: { done: number; of: number }) => void) | undefined {
  if (quiet || (io.err as { isTTY?: boolean }).isTTY !== true) return undefined
  return ({ done, of }) => {
    const pct = of > 0 ? Math.floor((done / of) * 100) : 100
    const amount = unit === 'bytes' ? `${formatBytes(done)} of ${formatBytes(of)}` : `${done} of ${of} ${unit}`
    io.err.write(`\rexporting: ${pct}% (${amount})\x1b[K`)
  }
}

async function runEngineExport(path: string, job: ExportJob, values: Parsed<typeof OPTIONS>['values'], io: Io): Promise<void> {
  const capture = await openCaptureFile(path)
  const decoding = new Decoding()
  // A reader that went away (`| head`) stops the export at its next piece.
  const stop = new AbortController()
  try {
    const plan = await planExport(capture, decoding, job)
    const report = progressLine(io, values.quiet === true, job.format === 'pcapng' ? 'bytes' : job.format === 'har' ? 'exchanges' : 'requests')
    const progress = new ExportProgress(plan.of, report, stop.signal)
    const write = async (out: Writable): Promise<void> => {
      const sink: ExportSink = {
        write: async (bytes) => {
          if (outputClosed()) stop.abort()
          else await writeAll(out, bytes)
        }
      }
      const batched = new BatchedSink(sink)
      await plan.write(batched, progress)
      await batched.flush()
    }
    const target = values.output
    try {
      if (target === undefined || STDOUT_NAMES.has(target)) await write(io.out)
      else await writeOutput(target, path, values.force === true, write)
    } catch (err) {
      if (!(stop.signal.aborted && (err as { code?: string }).code === ERROR_CODES.ECANCELED)) throw err
    } finally {
      if (report) io.err.write('\r\x1b[K')
    }
    for (const note of captureNotes(capture.info())) io.err.write(note + '\n')
  } finally {
    await decoding.close()
    await capture.close()
  }
}

async function runExport({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`export: give exactly one capture file; usage: ${EXPORT_USAGE}`)
  const path = positionals[0]
  const format = oneOfFlag('export', values.format ?? 'raw', '--format', FORMATS)!
  const ids = connIds(values.conn)
  const exchange = parseWhole('export', values.exchange, '--exchange', 0)
  if (format === 'har' || format === 'pcapng' || format === 'curl') {
    if (values.direction !== undefined) throw new UsageError(`export: --direction is for raw, hex and jsonl; ${format} covers both sides`)
    if (format === 'curl' && (ids?.length !== 1 || exchange === undefined)) {
      throw new UsageError('export: curl exports one request: give --conn ID and --exchange N (its index on the connection, from 0)')
    }
    if (format !== 'curl' && exchange !== undefined) throw new UsageError('export: --exchange is for --format curl')
    await runEngineExport(path, { format, connIds: ids, exchange }, values, io)
    return 0
  }
  if (exchange !== undefined) throw new UsageError('export: --exchange is for --format curl')
  if (ids?.length !== 1) throw new UsageError(`export: --conn is required (one connection id from \`tcpscope ls\`) for ${format}`)
  const id = ids[0]
  const dir = oneOfFlag('export', values.direction, '--direction', ['client', 'server'] as const)
  if (format !== 'jsonl' && dir === undefined) {
    throw new UsageError('export: --direction client|server is required for raw and hex (client = the bytes the client sent)')
  }
  const capture = await openCaptureFile(path)
  try {
    const conn = await capture.connection(id)
    if (!conn) throw new UserError(`no connection #${id} in ${path}; list them with \`tcpscope ls ${path}\``)
    const write = (out: Writable): Promise<void> =>
      format === 'jsonl' ? exportEvents(capture, id, dir, out) : exportBytes(capture, id, dir!, conn.recorded?.[dir!] ?? conn.bytes[dir!], out, format === 'hex')
    const target = values.output
    if (target === undefined || STDOUT_NAMES.has(target)) await write(io.out)
    else await writeOutput(target, path, values.force === true, write)
    for (const note of captureNotes(capture.info())) io.err.write(note + '\n')
  } finally {
    await capture.close()
  }
  return 0
}

export const exportCommand = defineCommand({
  name: 'export',
  about: 'write a connection\'s bytes (raw, hex) or events (jsonl), HAR or pcapng of a capture, or a request as a curl command',
  usage: EXPORT_USAGE,
  options: OPTIONS,
  notes: EXPORT_NOTES,
  run: runExport
})
