// capture.export: HAR, pcapng or curl of a capture or some of its connections, written to
// a path or kept as a download for a front end. STUB: to be built (issue 16).

import type { CommandArgs } from '../../shared/contract'
import type { OperationProgress } from '../../shared/events'
import type { ExportResult } from '../../shared/protocol-types'
import { UserError } from '../../shared/errors'
import type { CaptureView } from '../capture/capture-queries'
import type { Decoding } from '../decode/decoding'
import type { Downloads } from '../downloads'

export interface ExportDeps {
  decoding: Decoding
  downloads: Downloads
  progress: (p: OperationProgress) => void
}

export class Exports {
  constructor(private readonly deps: ExportDeps) {}

  run(_view: CaptureView, _args: CommandArgs<'capture.export'>, _signal?: AbortSignal): Promise<ExportResult> {
    void this.deps
    return Promise.reject(new UserError('export is not built yet'))
  }
}
