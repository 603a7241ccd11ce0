// capture.export: HAR, pcapng or curl of a capture or some of its connections, written to
// a path on the engine's host or kept as a download for a front end (web mode). A path
// that exists is replaced only with the user's yes, as capture.save asks it (a one-time
// token, overwrite-confirmations.ts); the file is written beside it and renamed into place
// once whole (replace-file.ts), so a failed or cancelled export leaves what was there.

import { stat } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import type { CommandArgs } from '../../shared/contract'
import type { OperationProgress } from '../../shared/events'
import type { ExportResult } from '../../shared/protocol-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { formatBytes } from '../../shared/human-readable'
import type { CaptureView } from '../capture/query/capture-queries'
import { refuseLocked } from '../capture/write/capture-target'
import type { Decoding } from '../decode/decoding'
import type { Downloads } from '../files/downloads'
import { inspectTarget, sameFile } from '../files/file-target'
import { OverwriteConfirmations } from '../files/overwrite-confirmations'
import { writeReplacing } from '../files/replace-file'
import type { SaveFolder } from '../files/save-folder'
import { planExport, type ExportPlan } from './export-plan'
import { ExportProgress } from './export-progress'
import { BatchedSink, fileSink } from './export-sink'
import { createTempExport, tempDownload } from './temp-export'

export interface ExportDeps {
  decoding: Decoding
  downloads: Downloads
  progress: (p: OperationProgress) => void
  /** Where a relative path lands (the save folder); without it only absolute paths are taken. */
  folder?: SaveFolder
}

export class Exports {
  private readonly confirmations = new OverwriteConfirmations()

  constructor(private readonly deps: ExportDeps) {}

  async run(view: CaptureView, args: CommandArgs<'capture.export'>, signal?: AbortSignal): Promise<ExportResult> {
    const plan = await planExport(view, this.deps.decoding, args)
    const operation = args.progress
    const progress = new ExportProgress(plan.of, operation === undefined ? undefined : (p) => this.deps.progress({ operation, ...p }), signal)
    let result: ExportResult
    if (args.path !== undefined) result = await this.toPath(view, this.resolve(args.path), args.confirm, plan, progress)
    // A curl command is its text: kept as a download too, it would hold one of the few download slots for nothing.
    else if (plan.text !== undefined) result = { name: plan.name, size: Buffer.byteLength(plan.text) }
    else result = await this.toDownload(plan, progress)
    progress.finish()
    return plan.text === undefined ? result : { ...result, text: plan.text }
  }

  private resolve(path: string): string {
    if (this.deps.folder !== undefined) return this.deps.folder.resolve(path)
    if (!isAbsolute(path)) throw new UserError(`export to ${path}: give an absolute path`, ERROR_CODES.EINVAL)
    return path
  }

  private async toPath(view: CaptureView, path: string, confirm: string | undefined, plan: ExportPlan, progress: ExportProgress): Promise<ExportResult> {
    const doing = `cannot write ${path}`
    const target = await inspectTarget(path, doing, { EISDIR: `it is a folder; give a file name, e.g. ${path.replace(/\/$/, '')}/${plan.name}` })
    if (target.kind === 'file') {
      const source = await stat(view.path).catch(() => undefined)
      if (source !== undefined && sameFile(target.identity, source)) throw new UserError(`${doing}: it is the capture being exported; pick another output file`, ERROR_CODES.EEXIST)
      // A capture another tcpscope records is never replaced, yes or no.
      await refuseLocked(target)
      if (!this.confirmations.take(confirm, target.path, target.identity)) {
        const token = this.confirmations.issue(target.path, target.identity)
        const what = target.isCapture ? 'a tcpscope capture' : 'a file'
        throw new UserError(`${path} already exists (${what}, ${formatBytes(target.identity.size)}); replace it?`, ERROR_CODES.EEXIST, token)
      }
    }
    const size = await writeReplacing(target, { doing, mode: 0o644, beforeCommit: () => refuseLocked(target) }, async (file) => {
      const sink = new BatchedSink(fileSink(file))
      await plan.write(sink, progress)
      await sink.flush()
      progress.checkCancelled()
      return sink.written
    })
    return { path: target.path, name: plan.name, size }
  }

  private async toDownload(plan: ExportPlan, progress: ExportProgress): Promise<ExportResult> {
    const temp = await createTempExport(plan.name)
    let kept = false
    try {
      const sink = new BatchedSink(fileSink(temp.file))
      await plan.write(sink, progress)
      await sink.flush()
      progress.checkCancelled()
      const download = this.deps.downloads.keep(tempDownload(temp, plan.name, sink.written))
      kept = true
      return { download, name: plan.name, size: sink.written }
    } finally {
      if (!kept) await temp.discard()
    }
  }
}
