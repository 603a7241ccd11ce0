// Where a save by a bare or relative name lands: a folder the front end shows beside the
// name, never the engine's working directory (a checkout, a service's `/`). It starts at
// the user's home (or a folder the front end chose) and follows the last save.

import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'

export class SaveFolder {
  constructor(private folder: string = homedir()) {
    this.folder = resolve(folder)
  }

  get current(): string {
    return this.folder
  }

  /** The absolute path a name means: `~/…` in the home folder, a relative one in the current folder. */
  resolve(path: string): string {
    if (path === '~') return homedir()
    if (path.startsWith('~/') || path.startsWith('~\\')) return join(homedir(), path.slice(2))
    return isAbsolute(path) ? resolve(path) : resolve(this.folder, path)
  }

  /** A save went to `path`: the next relative name lands beside it. */
  remember(path: string): void {
    this.folder = dirname(path)
  }
}
