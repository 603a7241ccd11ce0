// Takes a copy of the live capture to the browser's machine (capture.download.*): the engine
// fixes a consistent copy of that moment, the page reads it in pieces small enough for one
// frame each, one at a time (the engine reads each from its file; only the page holds the
// whole), and hands the file to the browser's downloads. However it ends, the engine lets
// its copy go; reading every byte is what counts as saved there.

import { EngineError } from '../../../../shared/errors'
import type { Transport } from '../../../../shared/transport'

export const DOWNLOAD_CHUNK_BYTES = 4 * 1024 * 1024

export interface DownloadOptions {
  signal?: AbortSignal
  /** Bytes read so far, of `total`. */
  onProgress?: (done: number, total: number) => void
  chunkBytes?: number
}

export interface DownloadedCapture {
  blob: Blob
  connections: number
}

const cancelled = (): EngineError => new EngineError('ECANCELED', 'cancelled')

export async function downloadCapture(t: Transport, opts: DownloadOptions = {}): Promise<DownloadedCapture> {
  if (opts.signal?.aborted) throw cancelled()
  const { download, size, connections } = await t.call('capture.download.begin')
  return { blob: await readDownload(t, download, size, opts), connections }
}

/**
 * Reads a download the engine keeps (a capture's copy, an export) in pieces, into a Blob.
 * However it ends, the engine lets it go: after every byte was read, that tells it the copy
 * is saved; before, it only frees it.
 */
export async function readDownload(t: Transport, download: string, size: number, opts: DownloadOptions = {}): Promise<Blob> {
  const { signal, onProgress } = opts
  const chunkBytes = opts.chunkBytes ?? DOWNLOAD_CHUNK_BYTES
  try {
    const parts: Uint8Array[] = []
    for (let offset = 0; offset < size; ) {
      if (signal?.aborted) throw cancelled()
      const piece = await t.call('capture.download.read', { download, offset, length: Math.min(chunkBytes, size - offset) })
      if (piece.length === 0) throw new EngineError('EIO', `the copy ended at byte ${offset} of ${size}`)
      parts.push(piece)
      offset += piece.length
      onProgress?.(offset, size)
    }
    return new Blob(parts as BlobPart[], { type: 'application/octet-stream' })
  } finally {
    await t.call('capture.download.end', { download }).catch(() => undefined)
  }
}

/** `capture-2026-11-23T09-30-00-000Z.tcap`, the desktop app's naming (':' is not allowed on Windows). */
export function downloadName(now = new Date()): string {
  return `capture-${now.toISOString().replace(/[:.]/g, '-')}.tcap`
}

/** Hands a file to the browser's downloads, as a link with `download` would. */
export function offerDownload(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // The browser has taken the file once the click is handled; the URL only pins the bytes.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
