// Writing a copy of a capture that is still being recorded: its first `end` bytes (whole
// records, already on disk) and then a stored index for exactly those, so the copy is a
// complete, closed capture of that moment. Where it goes, and how a file that is there is
// kept safe, is replace-file.ts's business: this writes into the file it is given.

import type { FileHandle } from 'node:fs/promises'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { pread } from '../read/capture-reader'

const STEP = 4 * 1024 * 1024

async function writeAll(file: FileHandle, b: Buffer, at: number): Promise<void> {
  for (let done = 0; done < b.length; ) done += (await file.write(b, done, b.length - done, at + done)).bytesWritten
}

/** Copies the source's first `end` bytes and then `footer` into `file`; the size written. */
export async function copyCapture(sourceFd: number, end: number, footer: Buffer[], file: FileHandle, signal?: AbortSignal): Promise<number> {
  for (let at = 0; at < end; at += STEP) {
    if (signal?.aborted) throw new UserError('saving was cancelled', ERROR_CODES.ECANCELED)
    const chunk = await pread(sourceFd, Math.min(STEP, end - at), at)
    await writeAll(file, chunk, at)
  }
  let at = end
  for (const r of footer) {
    await writeAll(file, r, at)
    at += r.length
  }
  return at
}
