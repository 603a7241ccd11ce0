// `tcpscope export FILE --conn ID ...`: one direction's bytes exactly as captured (raw),
// as an xxd-style hex dump, or the connection's events as JSON lines. It reads the
// connection's own records and bytes, not the file, and never writes over a capture by accident.

import { stat } from 'node:fs/promises'
import { Writable } from 'node:stream'
import type { Direction } from '../../shared/capture-types'
import { hexDump, toHex } from '../../shared/hexdump'
import { MAX_CONN_ID } from '../../shared/limits'
import type { FileCapture } from '../../core/capture/file-capture'
import { refuseLocked } from '../../core/capture/capture-target'
import { inspectTarget, sameFile } from '../../core/file-target'
import { UserError } from '../../core/net/net-errors'
import { writeReplacing } from '../../core/replace-file'
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
  conn: { type: 'string', arg: 'ID', about: 'the connection, by its id in `tcpscope ls`' },
  direction: { type: 'string', arg: 'client|server', about: 'whose bytes: client = what the client sent (required for raw and hex; with jsonl, only that side\'s events)' },
  format: { type: 'string', arg: 'raw|hex|jsonl', about: 'raw bytes (default), an xxd-style hex dump, or the events as JSON lines' },
  output: { type: 'string', short: 'o', arg: 'OUT', about: 'write to OUT instead of stdout (- or /dev/stdout: stdout); an existing file only with --force, never the capture being read' },
  force: { type: 'boolean', about: 'let -o replace an existing file (never a capture another tcpscope is recording)' }
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
  about: 'write one direction of a connection (raw, hex) or its events (jsonl)',
  usage: EXPORT_USAGE,
  options: OPTIONS,
  run: runExport
})
