// An export kept for a front end to download: written into a private temporary folder,
// read back in pieces through Downloads, and removed when the download ends or idles.

import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DownloadFile } from '../files/downloads'

export interface TempExport {
  path: string
  file: FileHandle
  /** Removes the folder and what is in it (an export that failed, or one nobody reads any more). */
  discard(): Promise<void>
}

export async function createTempExport(name: string): Promise<TempExport> {
  const dir = await mkdtemp(join(tmpdir(), 'tcpscope-export-'))
  const path = join(dir, name.replace(/[/\\]/g, '_'))
  try {
    const file = await open(path, 'wx+', 0o600)
    return {
      path,
      file,
      discard: async () => {
        await file.close().catch(() => undefined)
        await rm(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** The finished export as a download: read from its open file, removed when released. */
export function tempDownload(t: TempExport, name: string, size: number): DownloadFile {
  return {
    name,
    size,
    read: async (offset, length) => {
      const n = Math.max(0, Math.min(length, size - offset))
      const b = Buffer.alloc(n)
      let got = 0
      while (got < n) {
        const { bytesRead } = await t.file.read(b, got, n - got, offset + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      return got === n ? b : b.subarray(0, got)
    },
    release: () => t.discard()
  }
}
