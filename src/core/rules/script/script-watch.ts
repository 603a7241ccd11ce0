// Calls back when a script file is saved. The folder is watched, not the file: editors save
// by writing a new file and renaming it over the old one, and a watch on the old file's inode
// would hear nothing after the first save. One save is several events (truncate, write,
// rename), so they are gathered for 100 ms into one call.

import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

export const SAVE_SETTLE_MS = 100

/** Stops watching. */
export type StopWatching = () => void

export function watchScriptFile(path: string, onSave: () => void, onError: (message: string) => void): StopWatching {
  const name = basename(path)
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  try {
    // Not persistent: a watched script must not keep the engine's process alive.
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file.toString() !== name) return
      clearTimeout(timer)
      timer = setTimeout(onSave, SAVE_SETTLE_MS)
    })
    watcher.on('error', (err) => onError(`stopped watching ${path} for changes: ${err.message}`))
  } catch (err) {
    onError(`cannot watch ${path} for changes (${(err as Error).message}); reload it by hand`)
  }
  return () => {
    clearTimeout(timer)
    watcher?.close()
  }
}
