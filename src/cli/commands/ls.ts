// `tcpscope ls FILE`: the connections in a capture, one line each, the fields the engine's
// connection list (conn.page) gives the UI. A capture can hold hundreds of thousands of
// connections and ls is asked for at a shell's pace, so it starts no engine (no temporary
// live capture, no decoding): it opens the file's index and formats each line from the
// index's columns (RowFields) without making a summary object of any row, in two passes
// (widths, then lines) written in large output batches. Issue 46: 100,000 rows through
// conn.page's summaries took 340-412 ms beyond the process's start.

import type { ConnectionSummary, Direction } from '../../shared/capture-types'
import { tlsWord } from '../../shared/tls-types'
import { formatDuration, formatTimestamp, WALL_CLOCK_MS } from '../../shared/human-readable'
import type { IndexView } from '../../core/capture/read/index-view'
import { UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { OutputBatches, line, type Io } from '../output'
import { captureNotes, withCaptureIndex } from './capture-index-read'
import { ByteLines } from '../byte-lines'
import { changedWord, endWord } from '../connection-words'

const LS_USAGE = 'tcpscope ls FILE [--json]'

const COLUMNS = ['ID', 'KIND', 'CLIENT', 'TARGET', 'START', 'DURATION', 'CLIENT BYTES', 'SERVER BYTES', 'CHANGED', 'END'] as const

const MILLIS = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}`)

/** Local time with milliseconds; rows mostly share their second, so its text is reused. */
function timestamps(): (ms: number, out: ByteLines) => void {
  let second = NaN
  let prefix = ''
  return (ms, out) => {
    const s = Math.floor(ms / 1000)
    if (s !== second) {
      second = s
      prefix = formatTimestamp(s * 1000).slice(0, -4)
    }
    out.text(prefix).text(MILLIS[Math.floor(ms) % 1000] ?? '.000', 0)
  }
}

const SPACES = ' '.repeat(256)
const pad = (s: string, w: number): string => (s.length >= w ? s : s + SPACES.slice(0, w - s.length))
/** How many characters String(n) has, without making it (a whole number; anything else is made). */
function digits(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return String(n).length
  let d = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) d++
  return d
}
/** formatDuration stays within 8 characters below a minute ("999.9 ms", "59.99 s"). */
const SHORT_DURATION_MS = 60_000

type Rows = Pick<IndexView, 'size' | 'fields' | 'bytes' | 'summary'>

const durationOf = (closedAt: number, openedAt: number): string => (Number.isNaN(closedAt) ? '-' : formatDuration(closedAt - openedAt, WALL_CLOCK_MS))
/** The target with its TLS (and the name the client asked for) and, for a forward proxy's tunnel, how it was asked for. */
export function targetOf(c: Pick<ConnectionSummary, 'target' | 'tls' | 'via'>): string {
  let t = c.target
  if (c.tls !== undefined) t += ` [${tlsWord(c.tls.starttls)}${c.tls.sni !== undefined ? ` ${c.tls.sni}` : ''}]`
  if (c.via !== undefined) t += ` via ${c.via}`
  return t
}
/**
 * Bytes one side sent, with how many of them the capture did not keep (gaps) and, the
 * server's, what tcpscope answered the client with in its place, when any (noted).
 */
function bytesOf(rows: Rows, row: number, dir: Direction): string {
  const gap = rows.fields.notKept(row, dir)
  const answered = dir === 'server' ? rows.fields.answered(row) : 0
  return `${rows.bytes(row, dir)}${gap > 0 ? ` (${gap} not kept)` : ''}${answered > 0 ? ` (+${answered} answered by tcpscope)` : ''}`
}
const noted = (rows: Rows, row: number, dir: Direction): boolean => rows.fields.notKept(row, dir) > 0 || (dir === 'server' && rows.fields.answered(row) > 0)
/** The length of the client's peer as formatPeer writes it (peerText), and the peer written in its parts: no string made per row. */
function peerLength(rows: Rows, row: number): number {
  const address = rows.fields.peerAddress(row, 'client')
  if (address === undefined) return 1
  const port = rows.fields.peerPort(row, 'client')
  if (port === undefined) return address.length
  return address.length + 1 + digits(port) + (address.includes(':') ? 2 : 0)
}
function writePeer(out: ByteLines, rows: Rows, row: number, width: number): void {
  const address = rows.fields.peerAddress(row, 'client')
  const port = address === undefined ? undefined : rows.fields.peerPort(row, 'client')
  if (address === undefined || port === undefined) {
    out.text(address ?? '-', width)
    return
  }
  const v6 = address.includes(':')
  if (v6) out.text('[')
  out.text(address).text(v6 ? ']:' : ':').int(port, width - address.length - 1 - (v6 ? 2 : 0))
}
function endOf(rows: Rows, row: number): string {
  const f = rows.fields
  const end = f.end(row)
  return endWord(end, f.errorCode(row), end === 'tcpscope-reset' ? f.changed(row)?.reset : undefined)
}
function rowTarget(rows: Rows, row: number): string {
  const f = rows.fields
  const tls = f.tls(row)
  const via = f.via(row)
  return tls === undefined && via === undefined ? f.target(row) : targetOf({ target: f.target(row), tls, via })
}

/** Two passes over the index's columns, widths then lines: no row becomes an object. */
async function printTable(io: Io, rows: Rows): Promise<void> {
  const f = rows.fields
  const w = COLUMNS.map((h) => h.length)
  const widest = (i: number, n: number): void => {
    if (n > w[i]) w[i] = n
  }
  widest(5, 8)
  for (let row = 0; row < rows.size; row++) {
    widest(0, digits(f.id(row)))
    widest(1, f.kind(row).length)
    widest(2, peerLength(rows, row))
    widest(3, rowTarget(rows, row).length)
    const closedAt = f.closedAt(row)
    if (closedAt - f.openedAt(row) >= SHORT_DURATION_MS) widest(5, durationOf(closedAt, f.openedAt(row)).length)
    widest(6, noted(rows, row, 'client') ? bytesOf(rows, row, 'client').length : digits(rows.bytes(row, 'client')))
    widest(7, noted(rows, row, 'server') ? bytesOf(rows, row, 'server').length : digits(rows.bytes(row, 'server')))
    widest(8, changedWord(f.changed(row)).length)
  }
  w[4] = 'YYYY-MM-DD hh:mm:ss.mmm'.length
  const time = timestamps()
  const out = new ByteLines(io.out)
  out.text(COLUMNS.map((h, i) => (i === COLUMNS.length - 1 ? h : pad(h, w[i]))).join('  ')).end()
  for (let row = 0; row < rows.size; row++) {
    const openedAt = f.openedAt(row)
    out.int(f.id(row), w[0] + 2).text(f.kind(row), w[1] + 2)
    writePeer(out, rows, row, w[2] + 2)
    out.text(rowTarget(rows, row), w[3] + 2)
    time(openedAt, out)
    out.spaces(2).text(durationOf(f.closedAt(row), openedAt), w[5] + 2)
    if (noted(rows, row, 'client')) out.text(bytesOf(rows, row, 'client'), w[6] + 2)
    else out.int(rows.bytes(row, 'client'), w[6] + 2)
    if (noted(rows, row, 'server')) out.text(bytesOf(rows, row, 'server'), w[7] + 2)
    else out.int(rows.bytes(row, 'server'), w[7] + 2)
    out.text(changedWord(f.changed(row)), w[8] + 2)
    if (out.text(endOf(rows, row)).end()) await out.flush()
  }
  await out.flush()
}

const OPTIONS = {
  json: { type: 'boolean', about: 'one JSON object per connection instead of the table (with `tls`: each TLS leg\'s version, cipher, SNI, ALPN and certificate chain, and any handshake failure; `via`: how a forward proxy\'s tunnel was asked for)' }
} as const satisfies OptionTable

async function runLs({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`ls: give exactly one capture file; usage: ${LS_USAGE}`)
  const path = positionals[0]
  await withCaptureIndex(path, async ({ rows, info }) => {
    if (values.json) {
      // conn.page's rows (protocols: false) are these summaries, in this order.
      const out = new OutputBatches(io.out)
      for (let row = 0; row < rows.size; row++) if (out.line(JSON.stringify(rows.summary(row)))) await out.flush()
      await out.flush()
      if (info.cutAt !== undefined) line(io.err, JSON.stringify({ type: 'cut', cutAt: info.cutAt, cutKind: info.cutKind }))
      if (info.live) line(io.err, JSON.stringify({ type: 'live', writerPid: info.writerPid }))
    } else {
      if (info.connections === 0) line(io.out, `${path}: no connections`)
      else await printTable(io, rows)
      for (const note of captureNotes(info)) line(io.err, note)
    }
  })
  return 0
}

export const lsCommand = defineCommand({
  name: 'ls',
  about: 'list the connections in a capture file',
  usage: LS_USAGE,
  options: OPTIONS,
  notes: [
    'Columns: id, kind (proxy, server, client), client, target (with [TLS NAME] when it carried TLS, NAME the server name asked for, [TLS after STARTTLS (smtp) NAME] when TLS began midway, and "via CONNECT", "via SOCKS5" or "via HTTP" for a forward proxy\'s tunnel), start, duration, bytes each way as each side sent them (with "(N not kept)" when the capture has gaps there: bytes forwarded while the disk was too slow, with --when-disk-is-slow drop; and the server\'s with "(+N answered by tcpscope)" when a rule, the script or tcpscope itself answered the client in the target\'s place), who changed what a receiver got (breakpoint: a message edited at a breakpoint; rule: a traffic rule or the script mocked, rewrote or forwarded one; reset:rule, reset:breakpoint, reset:toxic, reset:action: tcpscope reset the connection because of a rule or the script, a breakpoint\'s Reset, a reset_peer or down toxic, or a person\'s RST action; several joined with commas, e.g. breakpoint,rule; -: nothing changed) and how it ended (closed, client-reset, server-reset, tcpscope-reset: tcpscope reset it on purpose, with the sides it sent an RST to, e.g. "tcpscope-reset (RST to client and server)" ("RST to neither side" when each only saw it close, as a Unix socket does), connect-failed, error, stopped: tcpscope closed it as its proxy or session stopped, open, saved-open: still open when the capture was saved, cut: the file ends first).'
  ],
  examples: [
    { line: 'tcpscope ls capture.tcap', about: 'One line per connection: id, kind, peers, times, bytes, how it ended.' },
    { line: 'tcpscope ls capture.tcap --json', about: 'The same as JSON lines, for scripts.' }
  ],
  run: runLs
})
