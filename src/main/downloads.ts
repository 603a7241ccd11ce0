// The page's downloads in the desktop app: a copy of the capture, exports (HAR, pcapng, curl,
// raw), the CA certificate. The page hands each to the browser's downloads as web mode does
// (a link with a `download` name, features/files/download-capture.ts); here every one goes
// through the native save dialog, under the name the page gave, in the folder the last one
// went to (at first, Downloads).
// Only types come from electron, so this runs, and is tested, in plain Node.

import type { SaveDialogOptions } from 'electron'
import { basename, dirname, extname, join } from 'node:path'

/** The parts of Electron's DownloadItem used here. */
export interface DownloadItemLike {
  getFilename(): string
  setSaveDialogOptions(options: SaveDialogOptions): void
  getSavePath(): string
  once(event: 'done', listener: (event: unknown, state: 'completed' | 'cancelled' | 'interrupted') => void): unknown
}

/** The parts of Electron's Session used here. */
export interface DownloadSession {
  on(event: 'will-download', listener: (event: unknown, item: DownloadItemLike) => void): unknown
}

export interface SaveDialogWords {
  /** The dialog's title. */
  title: string
  /** The "All files" filter's name. */
  allFiles: string
}

/**
 * The save dialog for one download: the page's name in `folder`, offered under a filter for
 * its own extension, so a save dialog that adds extensions keeps it.
 */
export function downloadDialogOptions(suggestedName: string, folder: string, words: SaveDialogWords): SaveDialogOptions {
  // Chromium has already made the name safe for a file system; basename keeps it in the folder regardless.
  const name = basename(suggestedName) || 'download'
  const ext = extname(name).slice(1)
  const all = { name: words.allFiles, extensions: ['*'] }
  return {
    title: words.title,
    defaultPath: join(folder, name),
    filters: ext ? [{ name: `*.${ext}`, extensions: [ext] }, all] : [all],
    properties: ['createDirectory', 'showOverwriteConfirmation']
  }
}

/**
 * Every download of `session` asks where to go. No save path is set, so Electron shows the
 * dialog (titled with the blob: URL unless told otherwise), and a cancel there cancels the
 * download. `downloads` is the folder offered until a download has been saved somewhere.
 */
export function askWhereToSaveDownloads(session: DownloadSession, opts: { downloads(): string; words(): SaveDialogWords }): void {
  let lastFolder: string | undefined
  session.on('will-download', (_event, item) => {
    item.setSaveDialogOptions(downloadDialogOptions(item.getFilename(), lastFolder ?? opts.downloads(), opts.words()))
    item.once('done', (_done, state) => {
      const saved = item.getSavePath()
      if (state === 'completed' && saved) lastFolder = dirname(saved)
    })
  })
}
