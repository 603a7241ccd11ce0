// One export, planned before a byte is written: what it covers, how many units its
// progress counts, the file name to offer, and how to write it to any sink. The engine's
// capture.export (exports.ts) and the CLI's `tcpscope export` both write through this, to
// a file, a download or standard output.

import { basename, extname } from 'node:path'
import type { Direction } from '../../shared/capture-types'
import { CONNECTION_EXPORT_FORMATS, type ExportArgs } from '../../shared/export-args'
import { UserError } from '../../shared/errors'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { writeDirection, writeEvents, writeMessages } from './connection-export'
import { DEFAULT_BODY_LIMIT } from '../../shared/limits'
import { curlCommand } from './curl'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import type { ExportAs } from './delivered'
import { harExchangeCount, writeHar } from './har'
import { pcapngSize, writePcapng } from './pcapng'

type ExportFormat = ExportArgs['format']

export interface ExportJob {
  format: ExportFormat
  /** Only these connections (default: all; for curl, raw, hex and jsonl, exactly one). */
  connIds?: readonly number[]
  /** curl: the exchange's index on the connection. */
  exchange?: number
  /** raw and hex: whose bytes; jsonl: only that side's events (default both). */
  direction?: Direction
  /** HAR: decoded bytes of one body written at most (default DEFAULT_BODY_LIMIT); a body past it is cut, and says so. jsonl messages: payload bytes. */
  bodyLimit?: number
  /** jsonl: one line per message (msg.page's), not per event. */
  messages?: boolean
  /** HAR and curl: what each side sent (default), or what the receivers got after tcpscope's rules. */
  as?: ExportAs
}

export interface ExportPlan {
  /** A file name to offer (`capture.har`). */
  name: string
  /** Units progress counts: exchanges for HAR, payload bytes for pcapng, raw and hex, events for jsonl. */
  of: number
  /** curl: the command itself. */
  text?: string
  write(sink: BatchedSink, progress: ExportProgress): Promise<void>
}

const EXTENSIONS: Record<ExportFormat, string> = { har: 'har', pcapng: 'pcapng', curl: 'sh', raw: 'bin', hex: 'txt', jsonl: 'jsonl' }

function nameFor(view: CaptureView, job: ExportJob): string {
  const stem = basename(view.path, extname(view.path)) || 'capture'
  const conns = job.connIds?.length === 1 ? `-conn${job.connIds[0]}` : ''
  const exchange = job.format === 'curl' ? `-exchange${job.exchange ?? 0}` : ''
  const side = job.direction !== undefined ? `-${job.direction}` : ''
  return `${stem}${conns}${exchange}${side}.${EXTENSIONS[job.format]}`
}

/** The one connection a curl, raw, hex or jsonl export is of. */
function oneConnection(ids: readonly number[] | undefined, format: ExportFormat, what: string): number {
  if (ids?.length !== 1) throw new UserError(`${format} exports ${what}: name exactly one connection`)
  return ids[0]
}

/** Checks what the job names exists, and measures it. */
export async function planExport(view: CaptureView, decoding: Decoding, job: ExportJob): Promise<ExportPlan> {
  const ids = job.connIds === undefined ? undefined : [...new Set(job.connIds)]
  for (const id of ids ?? []) {
    if ((await view.connection(id)) === undefined) throw new UserError(`no connection #${id} in this capture`)
  }
  if (job.direction !== undefined && !CONNECTION_EXPORT_FORMATS.some((f) => f === job.format)) throw new UserError(`a direction is for raw, hex and jsonl; ${job.format} covers both sides`)
  if (job.as !== undefined && job.as !== 'sent' && job.format !== 'har' && job.format !== 'curl') throw new UserError(`"as delivered" is for har and curl; ${job.format} exports the bytes as each side sent them`)
  const name = nameFor(view, job)
  switch (job.format) {
    case 'pcapng':
      return { name, of: await pcapngSize(view, ids), write: (sink, progress) => writePcapng(view, ids, sink, progress) }
    case 'har':
      return { name, of: await harExchangeCount(view, decoding, ids), write: (sink, progress) => writeHar(view, decoding, ids, sink, progress, job.bodyLimit, job.as) }
    case 'curl': {
      const id = oneConnection(ids, job.format, 'one request')
      if (job.exchange === undefined) throw new UserError('curl exports one request: name its exchange (its index on the connection, from 0)')
      const text = await curlCommand(view, decoding, id, job.exchange, job.as)
      return {
        name,
        of: 1,
        text,
        write: async (sink, progress) => {
          await sink.text(text)
          progress.step(1)
        }
      }
    }
    case 'raw':
    case 'hex': {
      const id = oneConnection(ids, job.format, "one direction's bytes")
      const dir = job.direction
      if (dir === undefined) throw new UserError(`${job.format} exports one direction's bytes: name the direction (client: what the client sent)`)
      const conn = (await view.connection(id))!
      const total = conn.recorded?.[dir] ?? conn.bytes[dir]
      return { name, of: total, write: (sink, progress) => writeDirection(view, id, dir, total, job.format === 'hex', sink, progress) }
    }
    case 'jsonl': {
      const id = oneConnection(ids, job.format, job.messages === true ? "one connection's messages" : "one connection's events")
      if (job.messages === true) {
        const first = await decoding.rawMessages.page(view, { connId: id, limit: 1 })
        if (first.framing === 'none') throw new UserError(`connection #${id} is not cut into messages (no framing was chosen and no protocol recognised): choose one with frame.set (show --frame)`)
        return { name: nameFor(view, job).replace(/\.jsonl$/, '-messages.jsonl'), of: first.total, write: (sink, progress) => writeMessages(view, decoding.rawMessages, id, job.direction, job.bodyLimit ?? DEFAULT_BODY_LIMIT, sink, progress) }
      }
      const { total } = await view.eventPage(id, 0, 1)
      return { name, of: total, write: (sink, progress) => writeEvents(view, id, job.direction, sink, progress) }
    }
  }
}
