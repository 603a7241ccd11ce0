// Where a capture may be written (recorded, saved, replaced): nowhere but a new file or an
// existing tcpscope capture that no other process is recording and that is not the capture
// being copied. Anything else (a user's notes, a FIFO, a device) is never touched.

import { ERROR_CODES, UserError } from '../../../shared/errors'
import { sameFile, type WriteTarget } from '../../file-target'
import { CaptureLockedError, probeWriter, type LockNamespace } from './capture-lock'

export interface CaptureTargetOptions {
  /** What is being done, for errors: `cannot save to PATH`. */
  doing: string
  /** The capture being copied from, which must not be written over. */
  source?: { dev: number; ino: number; path: string }
  lockNamespace?: LockNamespace
}

/** Refuses, in one line, a target that is not a new file nor a capture free to replace. */
export async function checkCaptureTarget(target: WriteTarget, opts: CaptureTargetOptions): Promise<void> {
  if (target.kind === 'absent') return
  const { source, doing } = opts
  if (source !== undefined && sameFile(target.identity, source)) {
    throw new UserError(`${doing}: that is the live capture itself (${source.path}); pick another file`, ERROR_CODES.EEXIST)
  }
  await refuseLocked(target, opts.lockNamespace)
  if (!target.isCapture) {
    throw new UserError(`${doing}: ${target.path} is not a tcpscope capture, and only captures are ever replaced; pick another name`, ERROR_CODES.ENOTCAPTURE)
  }
}

/** A capture another tcpscope is recording is refused, naming the writer. */
export async function refuseLocked(target: WriteTarget, ns?: LockNamespace): Promise<void> {
  if (target.kind === 'absent') return
  const writer = await probeWriter(target.identity, ns)
  if (writer !== undefined) throw new UserError(new CaptureLockedError(target.path, writer.pid).message, ERROR_CODES.ELOCKED)
}
