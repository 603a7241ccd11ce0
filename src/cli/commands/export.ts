// `tcpscope export FILE --conn ID ...`: one direction's bytes exactly as captured (raw),
// as an xxd-style hex dump, or the connection's events as JSON lines.

import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Direction } from '../../shared/capture-types'
import { hexDump, toHex } from '../../shared/hexdump'
import type { FileCapture } from '../../core/capture/file-capture'
import { UserError } from '../../core/net/net-errors'
import { oneOfFlag, parseCommandArgs, parseWhole, requireString, UsageError } from '../args'
import { outputClosed, writeAll, type Io } from '../output'
import { cutNote, openCaptureFile } from './open-capture'

export const EXPORT_USAGE =
  'tcpscope export FILE --conn ID --direction client|server --format raw|hex|jsonl [-o OUT]'

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

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('export', argv, {
    conn: { type: 'string' },
    direction: { type: 'string' },
    format: { type: 'string' },
    o: { type: 'string', short: 'o' },
    output: { type: 'string' }
  })
  if (positionals.length !== 1) throw new UsageError(`export: give exactly one capture file; usage: ${EXPORT_USAGE}`)
  const path = positionals[0]
  const id = parseWhole('export', requireString('export', values.conn, '--conn', 'a connection id from `tcpscope ls`'), '--conn', 1)!
  const format = oneOfFlag('export', values.format ?? 'raw', '--format', ['raw', 'hex', 'jsonl'] as const)!
  const dir = oneOfFlag('export', values.direction, '--direction', ['client', 'server'] as const)
  if (format !== 'jsonl' && dir === undefined) {
    throw new UsageError('export: --direction client|server is required for raw and hex (client = the bytes the client sent)')
  }
  const capture = await openCaptureFile(path)
  try {
    const conn = capture.connections().find((c) => c.id === id)
    if (!conn) throw new UserError(`no connection #${id} in ${path}; list them with \`tcpscope ls ${path}\``)
    const target = values.o ?? values.output
    const out: Writable = target !== undefined ? createWriteStream(target) : io.out
    if (format === 'jsonl') await exportEvents(capture, id, dir, out)
    else await exportBytes(capture, id, dir!, conn.bytes[dir!], out, format === 'hex')
    if (target !== undefined) {
      out.end()
      await finished(out)
    }
    const note = cutNote(path, capture.info().cutAt)
    if (note) io.err.write(note + '\n')
  } finally {
    await capture.close()
  }
  return 0
}
