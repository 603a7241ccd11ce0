// `tcpscope export FILE --conn ID ...`: one direction's bytes exactly as captured (raw),
// as an xxd-style hex dump, or the connection's events as JSON lines. It reads the
// connection's own records and bytes, not the file, and never writes over a capture.

import { closeSync, createWriteStream, fstatSync, openSync, readSync, statSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Direction } from '../../shared/capture-types'
import { hexDump, toHex } from '../../shared/hexdump'
import { MAX_CONN_ID } from '../../shared/limits'
import type { FileCapture } from '../../core/capture/file-capture'
import { MAGIC } from '../../core/capture/capture-format'
import { UserError } from '../../core/net/net-errors'
import { fileWriteError } from '../../core/file-errors'
import { oneOfFlag, parseWhole, requireString, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { outputClosed, writeAll, type Io } from '../output'
import { captureNotes, openCaptureFile } from './open-capture'

const EXPORT_USAGE = 'tcpscope export FILE --conn ID --direction client|server [--format raw|hex|jsonl] [-o|--output OUT [--force]]'

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

const isCapture = (fd: number): boolean => {
  const head = Buffer.alloc(MAGIC.length)
  return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(MAGIC)
}

/**
 * Opens `-o OUT` for writing, with one-line errors. It refuses the capture being read
 * (writing would destroy what it reads), and any other capture file unless --force.
 */
function openOutput(target: string, capturePath: string, force: boolean): number {
  const source = statSync(capturePath)
  let existing: number | undefined
  try {
    existing = openSync(target, 'r')
  } catch {
    // Nothing readable there yet: the open for writing below says why, if it fails.
  }
  if (existing !== undefined) {
    try {
      const st = fstatSync(existing)
      if (st.isDirectory()) throw new UserError(`cannot write ${target}: it is a folder; give a file name, e.g. ${target.replace(/\/$/, '')}/out.bin`, 'EISDIR')
      if (st.dev === source.dev && st.ino === source.ino) throw new UserError(`cannot write ${target}: it is the capture being exported; pick another output file`, 'EEXIST')
      if (!force && isCapture(existing)) throw new UserError(`${target} is a tcpscope capture; pass --force to overwrite it, or pick another output file`, 'EEXIST')
    } finally {
      closeSync(existing)
    }
  }
  try {
    return openSync(target, 'w')
  } catch (err) {
    throw fileWriteError(`cannot write ${target}`, err as NodeJS.ErrnoException, { EISDIR: 'it is a folder; give a file name' })
  }
}

const OPTIONS = {
  conn: { type: 'string', arg: 'ID', about: 'the connection, by its id in `tcpscope ls`' },
  direction: { type: 'string', arg: 'client|server', about: 'whose bytes: client = what the client sent (required for raw and hex; with jsonl, only that side\'s events)' },
  format: { type: 'string', arg: 'raw|hex|jsonl', about: 'raw bytes (default), an xxd-style hex dump, or the events as JSON lines' },
  output: { type: 'string', short: 'o', arg: 'OUT', about: 'write to OUT instead of stdout; never over the capture being read, nor over another capture unless --force' },
  force: { type: 'boolean', about: 'let -o replace another capture file' }
} as const satisfies OptionTable

async function runExport({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`export: give exactly one capture file; usage: ${EXPORT_USAGE}`)
  const path = positionals[0]
  const id = parseWhole('export', requireString('export', values.conn, '--conn', 'a connection id from `tcpscope ls`'), '--conn', 1, MAX_CONN_ID)!
  const format = oneOfFlag('export', values.format ?? 'raw', '--format', ['raw', 'hex', 'jsonl'] as const)!
  const dir = oneOfFlag('export', values.direction, '--direction', ['client', 'server'] as const)
  if (format !== 'jsonl' && dir === undefined) {
    throw new UsageError('export: --direction client|server is required for raw and hex (client = the bytes the client sent)')
  }
  const capture = await openCaptureFile(path)
  try {
    const conn = await capture.connection(id)
    if (!conn) throw new UserError(`no connection #${id} in ${path}; list them with \`tcpscope ls ${path}\``)
    const target = values.output
    const out: Writable = target !== undefined ? createWriteStream('', { fd: openOutput(target, path, values.force === true) }) : io.out
    if (format === 'jsonl') await exportEvents(capture, id, dir, out)
    else await exportBytes(capture, id, dir!, conn.recorded?.[dir!] ?? conn.bytes[dir!], out, format === 'hex')
    if (target !== undefined) {
      out.end()
      await finished(out)
    }
    for (const note of captureNotes(capture.info())) io.err.write(note + '\n')
  } finally {
    await capture.close()
  }
  return 0
}

export const exportCommand = defineCommand({
  name: 'export',
  about: 'write one direction of a connection (raw, hex) or its events (jsonl)',
  usage: EXPORT_USAGE,
  options: OPTIONS,
  run: runExport
})
