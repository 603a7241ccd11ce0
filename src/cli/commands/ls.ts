// `tcpscope ls FILE`: the connections in a capture, one line each.

import type { ConnectionSummary } from '../../shared/capture-types'
import { formatDuration, formatPeer, formatTimestamp } from '../../shared/format'
import { parseCommandArgs, UsageError } from '../args'
import { line, type Io } from '../output'
import { captureNotes, openCaptureFile } from './open-capture'

export const LS_USAGE = 'tcpscope ls FILE [--json]'

const COLUMNS = ['ID', 'KIND', 'CLIENT', 'TARGET', 'START', 'DURATION', 'CLIENT BYTES', 'SERVER BYTES', 'END'] as const

function row(c: ConnectionSummary): string[] {
  const duration = c.closedAt !== undefined ? formatDuration(c.closedAt - c.openedAt) : '-'
  const end = c.error && c.end !== 'closed' ? `${c.end} (${c.error.code})` : c.end
  return [String(c.id), c.kind, formatPeer(c.client), c.target, formatTimestamp(c.openedAt), duration, String(c.bytes.client), String(c.bytes.server), end]
}

export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '))
}

export async function lsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('ls', argv, { json: { type: 'boolean' } })
  if (positionals.length !== 1) throw new UsageError(`ls: give exactly one capture file; usage: ${LS_USAGE}`)
  const path = positionals[0]
  const capture = await openCaptureFile(path)
  try {
    const conns = await capture.listConnections()
    const info = capture.info()
    if (values.json) {
      for (const c of conns) line(io.out, JSON.stringify(c))
      if (info.cutAt !== undefined) line(io.err, JSON.stringify({ type: 'cut', cutAt: info.cutAt, cutKind: info.cutKind }))
      if (info.live) line(io.err, JSON.stringify({ type: 'live', writerPid: info.writerPid }))
    } else {
      if (conns.length === 0) line(io.out, `${path}: no connections`)
      else for (const l of table([[...COLUMNS], ...conns.map(row)])) line(io.out, l)
      for (const note of captureNotes(info)) line(io.err, note)
    }
  } finally {
    await capture.close()
  }
  return 0
}
