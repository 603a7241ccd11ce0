// `tcpscope ls FILE`: the connections in a capture, one line each, as the engine's
// connection list (conn.page) gives them to the UI. A capture can hold hundreds of
// thousands of connections, so the list is read a page at a time, twice for the table
// (widths, then lines), and written in large output batches.

import type { ConnectionSummary } from '../../shared/capture-types'
import { tlsWord } from '../../shared/tls-types'
import { formatDuration, formatPeer, formatTimestamp, WALL_CLOCK_MS } from '../../shared/human-readable'
import type { Engine } from '../../core/engine'
import { UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { OutputBatches, line, type Io } from '../output'
import { captureNotes, withCaptureFile } from './open-capture'

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

const SPACES = ' '.repeat(256)
const pad = (s: string, w: number): string => (s.length >= w ? s : s + SPACES.slice(0, w - s.length))
const digits = (n: number): number => String(n).length
/** formatDuration stays within 8 characters below a minute ("999.9 ms", "59.99 s"). */
const SHORT_DURATION_MS = 60_000

const durationOf = (c: ConnectionSummary): string => (c.closedAt === undefined ? '-' : formatDuration(c.closedAt - c.openedAt, WALL_CLOCK_MS))
/** The target with its TLS (and the name the client asked for) and, for a forward proxy's tunnel, how it was asked for. */
export function targetOf(c: Pick<ConnectionSummary, 'target' | 'tls' | 'via'>): string {
  let t = c.target
  if (c.tls !== undefined) t += ` [${tlsWord(c.tls.starttls)}${c.tls.sni !== undefined ? ` ${c.tls.sni}` : ''}]`
  if (c.via !== undefined) t += ` via ${c.via}`
  return t
}
/** Bytes one side sent, and how many of them the capture did not keep (gaps), when any. */
const bytesOf = (c: ConnectionSummary, dir: 'client' | 'server'): string => {
  const gap = c.notKept?.[dir] ?? 0
  return gap > 0 ? `${c.bytes[dir]} (${gap} not kept)` : String(c.bytes[dir])
}
const endOf = (c: ConnectionSummary): string => (c.error !== undefined && c.end !== 'closed' ? `${c.end} (${c.error.code})` : c.end)

/**
 * Rows asked for at a time: few enough that a page's summaries die young. Pages of 10,000
 * (MAX_PAGE) were kept past a collection, and took ls half as long again over 100,000 rows.
 */
const LS_PAGE = 1000

/** Every connection in id order, a page at a time, as recorded: a list starts no decoding. */
async function eachPage(engine: Engine, capture: string, use: (rows: ConnectionSummary[]) => Promise<void> | void): Promise<void> {
  for (let offset = 0; ; offset += LS_PAGE) {
    const page = await engine['conn.page']({ capture, offset, limit: LS_PAGE, protocols: false })
    if (page.rows.length > 0) await use(page.rows)
    if (offset + LS_PAGE >= page.total) return
  }
}

/** Two passes over the list, widths then lines: no row is kept past its page. */
async function printTable(io: Io, engine: Engine, capture: string): Promise<void> {
  const w = COLUMNS.map((h) => h.length)
  const widest = (i: number, n: number): void => {
    if (n > w[i]) w[i] = n
  }
  widest(5, 8)
  await eachPage(engine, capture, (rows) => {
    for (const c of rows) {
      widest(0, digits(c.id))
      widest(1, c.kind.length)
      widest(2, formatPeer(c.client).length)
      widest(3, targetOf(c).length)
      if (c.closedAt !== undefined && c.closedAt - c.openedAt >= SHORT_DURATION_MS) widest(5, durationOf(c).length)
      widest(6, c.notKept === undefined ? digits(c.bytes.client) : bytesOf(c, 'client').length)
      widest(7, c.notKept === undefined ? digits(c.bytes.server) : bytesOf(c, 'server').length)
    }
  })
  w[4] = 'YYYY-MM-DD hh:mm:ss.mmm'.length
  const time = timestamps()
  const out = new OutputBatches(io.out)
  out.line(COLUMNS.map((h, i) => (i === COLUMNS.length - 1 ? h : pad(h, w[i]))).join('  '))
  await eachPage(engine, capture, async (rows) => {
    for (const c of rows) {
      const full = out.line(
        `${pad(String(c.id), w[0])}  ${pad(c.kind, w[1])}  ${pad(formatPeer(c.client), w[2])}  ${pad(targetOf(c), w[3])}  ${time(c.openedAt)}  ` +
          `${pad(durationOf(c), w[5])}  ${pad(bytesOf(c, 'client'), w[6])}  ${pad(bytesOf(c, 'server'), w[7])}  ${endOf(c)}`
      )
      if (full) await out.flush()
    }
  })
  await out.flush()
}

const OPTIONS = {
  json: { type: 'boolean', about: 'one JSON object per connection instead of the table (with `tls`: each TLS leg\'s version, cipher, SNI, ALPN and certificate chain, and any handshake failure; `via`: how a forward proxy\'s tunnel was asked for)' }
} as const satisfies OptionTable

async function runLs({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`ls: give exactly one capture file; usage: ${LS_USAGE}`)
  const path = positionals[0]
  await withCaptureFile(path, async ({ engine, capture, info }) => {
    if (values.json) {
      const out = new OutputBatches(io.out)
      await eachPage(engine, capture, async (rows) => {
        for (const c of rows) if (out.line(JSON.stringify(c))) await out.flush()
      })
      await out.flush()
      if (info.cutAt !== undefined) line(io.err, JSON.stringify({ type: 'cut', cutAt: info.cutAt, cutKind: info.cutKind }))
      if (info.live) line(io.err, JSON.stringify({ type: 'live', writerPid: info.writerPid }))
    } else {
      if (info.connections === 0) line(io.out, `${path}: no connections`)
      else await printTable(io, engine, capture)
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
    'Columns: id, kind (proxy, server, client), client, target (with [TLS NAME] when it carried TLS, NAME the server name asked for, [TLS after STARTTLS (smtp) NAME] when TLS began midway, and "via CONNECT", "via SOCKS5" or "via HTTP" for a forward proxy\'s tunnel), start, duration, bytes each way (with "(N not kept)" when the capture has gaps there: bytes forwarded while the disk was too slow, with --when-disk-is-slow drop) and how it ended (closed, client-reset, server-reset, connect-failed, error, stopped, open, saved-open: still open when the capture was saved, cut: the file ends first).'
  ],
  examples: [
    { line: 'tcpscope ls capture.tcap', about: 'One line per connection: id, kind, peers, times, bytes, how it ended.' },
    { line: 'tcpscope ls capture.tcap --json', about: 'The same as JSON lines, for scripts.' }
  ],
  run: runLs
})
