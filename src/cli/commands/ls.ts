// `tcpscope ls FILE`: the connections in a capture, one line each. A capture can hold
// hundreds of thousands of connections, so the table is built in two passes over the
// summaries (widths, then lines) straight into large output batches, with no array per row.

import type { ConnectionSummary } from '../../shared/capture-types'
import { formatDuration, formatPeer, formatTimestamp } from '../../shared/format'
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

const durationOf = (c: ConnectionSummary): string => (c.closedAt !== undefined ? formatDuration(c.closedAt - c.openedAt) : '-')
const endOf = (c: ConnectionSummary): string => (c.error && c.end !== 'closed' ? `${c.end} (${c.error.code})` : c.end)

/** Writes text a large batch at a time: one write per line costs more than the rest of ls. */
class Batches {
  private text = ''
  constructor(private readonly io: Io) {}
  async add(l: string): Promise<void> {
    this.text += l + '\n'
    if (this.text.length >= 64 * 1024) await this.flush()
  }
  async flush(): Promise<void> {
    if (this.text) await writeAll(this.io.out, this.text)
    this.text = ''
  }
}

const SPACES = ' '.repeat(256)
const pad = (s: string, w: number): string => (s.length >= w ? s : s + SPACES.slice(0, w - s.length))

const digits = (n: number): number => String(n).length
/** formatPeer(p).length, without building the string. */
const peerWidth = (p: ConnectionSummary['client']): number =>
  p === undefined ? 1 : 'path' in p ? p.path.length : p.address.length + 1 + digits(p.port) + (p.address.includes(':') ? 2 : 0)
/** formatDuration stays within 8 characters below a minute ("999.9 ms", "59.99 s"). */
const SHORT_DURATION_MS = 60_000

async function printTable(io: Io, conns: Iterable<ConnectionSummary>): Promise<void> {
  // Two passes, widths then lines, each making its summaries as it goes: keeping 100,000
  // rows alive between the passes cost more in garbage collection than making them twice.
  // The first pass measures without building strings.
  const w = COLUMNS.map((h) => h.length)
  const widest = (i: number, n: number): void => {
    if (n > w[i]) w[i] = n
  }
  widest(5, 8)
  for (const c of conns) {
    widest(0, digits(c.id))
    widest(1, c.kind.length)
    widest(2, peerWidth(c.client))
    widest(3, c.target.length)
    if (c.closedAt !== undefined && c.closedAt - c.openedAt >= SHORT_DURATION_MS) widest(5, durationOf(c).length)
    widest(6, digits(c.bytes.client))
    widest(7, digits(c.bytes.server))
  }
  w[4] = 'YYYY-MM-DD hh:mm:ss.mmm'.length
  const time = timestamps()
  const out = new Batches(io)
  await out.add(COLUMNS.map((h, i) => (i === COLUMNS.length - 1 ? h : pad(h, w[i]))).join('  '))
  for (const c of conns) {
    await out.add(
      `${pad(String(c.id), w[0])}  ${pad(c.kind, w[1])}  ${pad(formatPeer(c.client), w[2])}  ${pad(c.target, w[3])}  ${time(c.openedAt)}  ` +
        `${pad(durationOf(c), w[5])}  ${pad(String(c.bytes.client), w[6])}  ${pad(String(c.bytes.server), w[7])}  ${endOf(c)}`
    )
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
    const conns = await capture.eachConnection()
    const info = capture.info()
    if (values.json) {
      const out = new Batches(io)
      for (const c of conns) await out.add(JSON.stringify(c))
      await out.flush()
      if (info.cutAt !== undefined) line(io.err, JSON.stringify({ type: 'cut', cutAt: info.cutAt, cutKind: info.cutKind }))
      if (info.live) line(io.err, JSON.stringify({ type: 'live', writerPid: info.writerPid }))
    } else {
      if (info.connections === 0) line(io.out, `${path}: no connections`)
      else await printTable(io, conns)
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
    'Columns: id, kind (proxy, server, client), client, target, start, duration, bytes each way and how it ended (closed, client-reset, server-reset, connect-failed, error, stopped, open, cut).'
  ],
  run: runLs
})
