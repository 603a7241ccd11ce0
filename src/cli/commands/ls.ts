// `tcpscope ls FILE`: the connections in a capture, one line each. A capture can hold
// hundreds of thousands of connections, so the table is built in two passes over the
// index's fields (widths, then lines) straight into large output batches.

import type { FileCapture } from '../../core/capture/read/file-capture'
import { formatDuration, formatTimestamp, WALL_CLOCK_MS } from '../../shared/human-readable'
import { UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { line, writeAll, type Io } from '../output'
import { captureNotes, openCaptureFile } from './open-capture'

const LS_USAGE = 'tcpscope ls FILE [--json]'

const COLUMNS = ['ID', 'KIND', 'CLIENT', 'TARGET', 'START', 'DURATION', 'CLIENT BYTES', 'SERVER BYTES', 'END'] as const

/** Local time with milliseconds; rows mostly share their second, so its text is reused. */
function timestamps(): (ms: number) => string {
  let second = NaN
  let prefix = ''
  return (ms) => {
    const s = Math.floor(ms / 1000)
    if (s !== second) {
      second = s
      prefix = formatTimestamp(s * 1000).slice(0, -4)
    }
    return `${prefix}.${String(Math.floor(ms) % 1000).padStart(3, '0')}`
  }
}

/**
 * Writes lines a large batch at a time: one write per line costs more than the rest of ls,
 * and so does awaiting per line; only a full batch waits for the output.
 */
class Batches {
  private lines: string[] = []
  private size = 0
  constructor(private readonly io: Io) {}
  /** Whether the batch is full: then flush() before adding more. */
  add(l: string): boolean {
    this.lines.push(l)
    this.size += l.length + 1
    return this.size >= 256 * 1024
  }
  async flush(): Promise<void> {
    if (this.lines.length) await writeAll(this.io.out, this.lines.join('\n') + '\n')
    this.lines = []
    this.size = 0
  }
}

const SPACES = ' '.repeat(256)
const pad = (s: string, w: number): string => (s.length >= w ? s : s + SPACES.slice(0, w - s.length))
const digits = (n: number): number => String(n).length
/** formatDuration stays within 8 characters below a minute ("999.9 ms", "59.99 s"). */
const SHORT_DURATION_MS = 60_000

type Rows = Awaited<ReturnType<FileCapture['allRows']>>

const durationOf = (r: Rows, row: number): string => {
  const closed = r.fields.closedAt(row)
  return Number.isNaN(closed) ? '-' : formatDuration(closed - r.fields.openedAt(row), WALL_CLOCK_MS)
}
const endOf = (r: Rows, row: number): string => {
  const end = r.fields.end(row)
  const code = r.fields.errorCode(row)
  return code !== undefined && end !== 'closed' ? `${end} (${code})` : end
}

/**
 * Two passes over the rows' fields, widths then lines, building no summary per row: over
 * 100,000 connections the objects cost more (in garbage collection) than the rest of ls.
 */
async function printTable(io: Io, r: Rows): Promise<void> {
  const f = r.fields
  const w = COLUMNS.map((h) => h.length)
  const widest = (i: number, n: number): void => {
    if (n > w[i]) w[i] = n
  }
  widest(5, 8)
  for (let row = 0; row < r.size; row++) {
    widest(0, digits(f.id(row)))
    widest(1, f.kind(row).length)
    widest(2, f.peerText(row, 'client').length)
    widest(3, f.target(row).length)
    const closed = f.closedAt(row)
    if (!Number.isNaN(closed) && closed - f.openedAt(row) >= SHORT_DURATION_MS) widest(5, durationOf(r, row).length)
    widest(6, digits(r.bytes(row, 'client')))
    widest(7, digits(r.bytes(row, 'server')))
  }
  w[4] = 'YYYY-MM-DD hh:mm:ss.mmm'.length
  const time = timestamps()
  const out = new Batches(io)
  out.add(COLUMNS.map((h, i) => (i === COLUMNS.length - 1 ? h : pad(h, w[i]))).join('  '))
  for (let row = 0; row < r.size; row++) {
    const full = out.add(
      `${pad(String(f.id(row)), w[0])}  ${pad(f.kind(row), w[1])}  ${pad(f.peerText(row, 'client'), w[2])}  ${pad(f.target(row), w[3])}  ${time(f.openedAt(row))}  ` +
        `${pad(durationOf(r, row), w[5])}  ${pad(String(r.bytes(row, 'client')), w[6])}  ${pad(String(r.bytes(row, 'server')), w[7])}  ${endOf(r, row)}`
    )
    if (full) await out.flush()
  }
  await out.flush()
}

const OPTIONS = {
  json: { type: 'boolean', about: 'one JSON object per connection instead of the table' }
} as const satisfies OptionTable

async function runLs({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`ls: give exactly one capture file; usage: ${LS_USAGE}`)
  const path = positionals[0]
  const capture = await openCaptureFile(path)
  try {
    const info = capture.info()
    if (values.json) {
      const out = new Batches(io)
      const r = await capture.allRows()
      // A summary at a time, dropped at once: keeping 100,000 alive costs more than making them.
      for (let row = 0; row < r.size; row++) if (out.add(JSON.stringify(r.summary(row)))) await out.flush()
      await out.flush()
      if (info.cutAt !== undefined) line(io.err, JSON.stringify({ type: 'cut', cutAt: info.cutAt, cutKind: info.cutKind }))
      if (info.live) line(io.err, JSON.stringify({ type: 'live', writerPid: info.writerPid }))
    } else {
      if (info.connections === 0) line(io.out, `${path}: no connections`)
      else await printTable(io, await capture.allRows())
      for (const note of captureNotes(info)) line(io.err, note)
    }
  } finally {
    await capture.close()
  }
  return 0
}

export const lsCommand = defineCommand({
  name: 'ls',
  about: 'list the connections in a capture file',
  usage: LS_USAGE,
  options: OPTIONS,
  notes: [
    'Columns: id, kind (proxy, server, client), client, target, start, duration, bytes each way and how it ended (closed, client-reset, server-reset, connect-failed, error, stopped, open, saved-open: still open when the capture was saved, cut: the file ends first).'
  ],
  run: runLs
})
