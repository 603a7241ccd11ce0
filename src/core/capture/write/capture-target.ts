// Where a capture may be written (recorded, saved, replaced): nowhere but a new file or an
// existing tcpscope capture that no other process is recording and that is not the capture
// being copied. Anything else (a user's notes, a FIFO, a device) is never touched. A new
// recording that replaces a capture starts beside it and is put in its place once begun.

import { lstat, rename } from 'node:fs/promises'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { fileWriteError } from '../../files/file-errors'
import { identityOf, inspectTarget, sameFile, unchanged, type WriteTarget } from '../../files/file-target'
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

/** Why a capture file cannot be created, in one line. */
const CREATE_REASONS = { EISDIR: 'that is a folder; give a file path such as FOLDER/capture.tcap' }
export const createError = (path: string, err: NodeJS.ErrnoException): UserError => fileWriteError(`cannot create capture file ${path}`, err, CREATE_REASONS)

/**
 * What recording to `path` may write: nothing there, or (with `overwrite`) a capture that
 * no other tcpscope is recording. A folder, FIFO, device or socket is refused unopened.
 */
export async function recordingTarget(path: string, opts: { overwrite?: boolean; lockNamespace?: LockNamespace }): Promise<WriteTarget> {
  const doing = `cannot create capture file ${path}`
  const target = await inspectTarget(path, doing, CREATE_REASONS)
  if (target.kind === 'absent') return target
  if (!(opts.overwrite ?? false)) {
    await refuseLocked(target, opts.lockNamespace)
    throw new UserError(`${path} already exists; overwrite it (--force) or pick another name`, 'EEXIST')
  }
  await checkCaptureTarget(target, { doing, lockNamespace: opts.lockNamespace })
  return target
}

/** The new capture replaces the old one, if that is still the capture that was checked and nobody records it. */
export async function putInPlace(filePath: string, target: WriteTarget & { kind: 'file' }, ns?: LockNamespace): Promise<void> {
  const now = await lstat(target.path).catch(() => undefined)
  if (now === undefined || !unchanged(identityOf(now), target.identity)) {
    throw new UserError(`cannot create capture file ${target.path}: it changed while recording was starting; nothing was replaced, try again`, 'EEXIST')
  }
  await refuseLocked(target, ns)
  await rename(filePath, target.path)
}
