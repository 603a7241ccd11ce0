// One export, planned before a byte is written: what it covers, how many units its
// progress counts, the file name to offer, and how to write it to any sink. The engine's
// capture.export (exports.ts) and the CLI's `tcpscope export` both write through this, to
// a file, a download or standard output.

import { basename, extname } from 'node:path'
import type { ExportFormat } from '../../shared/protocol-types'
import { UserError } from '../../shared/errors'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { curlCommand } from './curl'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import { harExchangeCount, writeHar } from './har'
import { pcapngSize, writePcapng } from './pcapng'

export interface ExportJob {
  format: ExportFormat
  /** Only these connections (default: all; for curl, exactly one). */
  connIds?: readonly number[]
  /** curl: the exchange's index on the connection. */
  exchange?: number
}

export interface ExportPlan {
  /** A file name to offer (`capture.har`). */
  name: string
  /** Units progress counts: exchanges for HAR, payload bytes for pcapng. */
  of: number
  /** curl: the command itself. */
  text?: string
  write(sink: BatchedSink, progress: ExportProgress): Promise<void>
}

const EXTENSIONS: Record<ExportFormat, string> = { har: 'har', pcapng: 'pcapng', curl: 'sh' }

function nameFor(view: CaptureView, job: ExportJob): string {
  const stem = basename(view.path, extname(view.path)) || 'capture'
  const conns = job.connIds?.length === 1 ? `-conn${job.connIds[0]}` : ''
  const exchange = job.format === 'curl' ? `-exchange${job.exchange ?? 0}` : ''
  return `${stem}${conns}${exchange}.${EXTENSIONS[job.format]}`
}

/** Checks what the job names exists, and measures it. */
export async function planExport(view: CaptureView, decoding: Decoding, job: ExportJob): Promise<ExportPlan> {
  const ids = job.connIds === undefined ? undefined : [...new Set(job.connIds)]
  for (const id of ids ?? []) {
    if ((await view.connection(id)) === undefined) throw new UserError(`no connection #${id} in this capture`)
  }
  const name = nameFor(view, job)
  switch (job.format) {
    case 'pcapng':
      return { name, of: await pcapngSize(view, ids), write: (sink, progress) => writePcapng(view, ids, sink, progress) }
    case 'har':
      return { name, of: await harExchangeCount(view, decoding, ids), write: (sink, progress) => writeHar(view, decoding, ids, sink, progress) }
    case 'curl': {
      if (ids?.length !== 1) throw new UserError('curl exports one request: name exactly one connection')
      if (job.exchange === undefined) throw new UserError('curl exports one request: name its exchange (its index on the connection, from 0)')
      const text = await curlCommand(view, decoding, ids[0], job.exchange)
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
  }
}
