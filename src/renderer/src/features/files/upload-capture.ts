// Sends a capture file from the browser's machine to the engine (capture.upload.*): in
// chunks small enough for one frame each, one at a time so progress is what the engine has
// taken, and cancellable between chunks and while the engine opens it. However it ends
// short of opened, the engine is told to drop what it took.

import type { CaptureInfo } from '../../../../shared/capture-types'
import { EngineError } from '../../../../shared/errors'
import type { Transport } from '../../../../shared/transport'

/** Big enough that a round trip per chunk costs little, small enough to read and frame in a few ms. */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024

export interface UploadOptions {
  signal?: AbortSignal
  /** Bytes the engine has taken so far, of `total`. */
  onProgress?: (done: number, total: number) => void
  chunkBytes?: number
}

const cancelled = (): EngineError => new EngineError('ECANCELED', 'cancelled')

export async function uploadCapture(t: Transport, file: Blob & { readonly name: string }, opts: UploadOptions = {}): Promise<CaptureInfo> {
  const { signal, onProgress } = opts
  const chunkBytes = opts.chunkBytes ?? UPLOAD_CHUNK_BYTES
  if (signal?.aborted) throw cancelled()
  const { upload } = await t.call('capture.upload.begin', { name: file.name, size: file.size })
  try {
    let offset = 0
    while (offset < file.size) {
      if (signal?.aborted) throw cancelled()
      const data = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer())
      offset = (await t.call('capture.upload.chunk', { upload, offset, data })).received
      onProgress?.(offset, file.size)
    }
    if (signal?.aborted) throw cancelled()
    return await t.call('capture.upload.end', { upload }, { signal })
  } catch (err) {
    // Dropping one the engine already dropped (or finished) is no error; nothing to wait for.
    t.call('capture.upload.cancel', { upload }).catch(() => undefined)
    throw err
  }
}
