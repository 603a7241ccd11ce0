// The native open and save dialogs, for the menu and for the page's Browse buttons: one
// path back, or undefined when the user cancelled.

import type { BrowserWindow, OpenDialogOptions, OpenDialogReturnValue, SaveDialogOptions, SaveDialogReturnValue } from 'electron'
import type { FileDialogRequest, UiLanguage } from '../shared/shell'
import { CAPTURE_EXTENSIONS } from './capture-path'
import { menuLabels } from './menu-labels'

/** The parts of Electron's dialog module used here. */
export interface NativeDialogs {
  showOpenDialog(window: BrowserWindow, options: OpenDialogOptions): Promise<OpenDialogReturnValue>
  showSaveDialog(window: BrowserWindow, options: SaveDialogOptions): Promise<SaveDialogReturnValue>
}

export async function chooseFileNatively(dialogs: NativeDialogs, window: BrowserWindow, request: FileDialogRequest, language: UiLanguage): Promise<string | undefined> {
  const l = menuLabels(language)
  const filters = [
    { name: l.captureFiles, extensions: [...CAPTURE_EXTENSIONS] },
    { name: l.allFiles, extensions: ['*'] }
  ]
  const defaultPath = request.defaultPath || undefined
  if (request.mode === 'open') {
    const r = await dialogs.showOpenDialog(window, { title: l.open, properties: ['openFile'], filters, ...(defaultPath ? { defaultPath } : {}) })
    return r.canceled ? undefined : r.filePaths[0]
  }
  // The save dialog asks before replacing a file itself, so the page sends the engine's
  // confirmation token straight back instead of asking again.
  const r = await dialogs.showSaveDialog(window, { title: l.save, filters, properties: ['createDirectory', 'showOverwriteConfirmation'], ...(defaultPath ? { defaultPath } : {}) })
  return r.canceled || !r.filePath ? undefined : r.filePath
}
