// The setups kept in the data folder: named ones in `setups/<name>.json`, the last one the
// app ran in `last-setup.json`, and the window's remembered layout in `ui-state.json`. Each
// write is atomic (a whole new file renamed into place, 0600 in a 0700 folder: a forward
// proxy's credentials may be in it), one at a time per file. A file that does not read as a
// setup is renamed aside (`NAME.json.damaged-TIME`) with a one-line warning, never a crash.

import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { checkSetupName, countSetup, MAX_SETUP_BYTES, SetupError, type LastSetup, type Setup, type SetupEntry } from '../../shared/setup-types'
import { parseSetup } from '../../shared/setup-migrations'
import { MAX_UI_STATE_BYTES } from '../../shared/ui-state'
import { ValidationError } from '../../shared/schema'
import { inspectTarget } from '../file-target'
import { readSmallFile } from '../read-small-file'
import { writeReplacing } from '../replace-file'

const SUFFIX = '.json'
/** A file name any file system takes for any setup name: letters stay, the rest is %-encoded. */
const fileNameOf = (name: string): string => encodeURIComponent(name).replace(/[!'()*.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) + SUFFIX
const nameOfFile = (file: string): string | undefined => {
  if (!file.endsWith(SUFFIX) || file.startsWith('.')) return undefined
  try {
    return decodeURIComponent(file.slice(0, -SUFFIX.length))
  } catch {
    return undefined
  }
}

export class SetupStore {
  private readonly folder: string
  /** The write under way per file: the next waits for it, so two saves never race for one rename. */
  private readonly writing = new Map<string, Promise<void>>()

  constructor(
    private readonly dataFolder: string,
    private readonly warn: (message: string) => void
  ) {
    this.folder = join(dataFolder, 'setups')
  }

  async list(): Promise<SetupEntry[]> {
    let files: string[]
    try {
      files = await readdir(this.folder)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw this.folderError(err)
    }
    const entries: SetupEntry[] = []
    for (const file of files.sort()) {
      const name = nameOfFile(file)
      if (name === undefined) continue
      const read = await this.readFile(join(this.folder, file), `setup "${name}"`)
      if (read !== undefined) entries.push({ name, savedAt: read.savedAt, ...countSetup(read.setup) })
    }
    return entries.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<Setup> {
    const read = await this.readFile(this.pathOf(name), `setup "${name}"`)
    if (read === undefined) throw new UserError(`no setup named "${name}"; list them with setup.list`, 'ENOENT')
    return read.setup
  }

  async save(name: string, setup: Setup, overwrite = false): Promise<SetupEntry> {
    const path = this.pathOf(name)
    const trimmed = checkSetupName(name)
    if (!overwrite && (await exists(path))) throw new UserError(`a setup named "${trimmed}" exists already; choose another name, or overwrite it`, ERROR_CODES.EEXIST)
    await this.write(path, `${JSON.stringify({ ...setup, name: trimmed }, null, 2)}\n`, `cannot save setup "${trimmed}"`)
    return { name: trimmed, savedAt: Date.now(), ...countSetup(setup) }
  }

  async remove(name: string): Promise<void> {
    try {
      await unlink(this.pathOf(name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`no setup named "${name}"; list them with setup.list`, 'ENOENT')
      throw new UserError(`cannot delete setup "${name}": ${(err as Error).message}`, (err as NodeJS.ErrnoException).code ?? 'EIO')
    }
  }

  async readLast(): Promise<LastSetup | null> {
    const read = await this.readFile(join(this.dataFolder, 'last-setup.json'), 'the last setup')
    return read === undefined ? null : { setup: read.setup, savedAt: read.savedAt, ...countSetup(read.setup) }
  }

  writeLast(setup: Setup): Promise<void> {
    return this.write(join(this.dataFolder, 'last-setup.json'), `${JSON.stringify(setup, null, 2)}\n`, 'cannot keep the last setup')
  }

  async readUiState(): Promise<string | null> {
    const path = join(this.dataFolder, 'ui-state.json')
    try {
      return (await readSmallFile(path, `cannot read ${path}`, MAX_UI_STATE_BYTES, "the window's remembered layout")).toString('utf8')
    } catch (err) {
      if (err instanceof UserError && err.code === 'ENOENT') return null
      throw err
    }
  }

  writeUiState(state: string): Promise<void> {
    return this.write(join(this.dataFolder, 'ui-state.json'), state, "cannot keep the window's layout")
  }

  private pathOf(name: string): string {
    return join(this.folder, fileNameOf(checkSetupName(name)))
  }

  /** The setup in `path` and when it was saved; undefined when there is none, or it was damaged and set aside. */
  private async readFile(path: string, what: string): Promise<{ setup: Setup; savedAt: number } | undefined> {
    let text: string
    let savedAt: number
    try {
      text = (await readSmallFile(path, `cannot read ${what}`, MAX_SETUP_BYTES, 'a setup')).toString('utf8')
      savedAt = (await stat(path)).mtimeMs
    } catch (err) {
      if (err instanceof UserError && err.code === 'ENOENT') return undefined
      // Too big to be a setup is damage too; anything else (permissions) is the user's to fix.
      if (!(err instanceof UserError && err.code === ERROR_CODES.EINVAL)) throw err
      return this.setAside(path, what, err.message)
    }
    try {
      return { setup: parseSetup(JSON.parse(text)), savedAt }
    } catch (err) {
      if (err instanceof SyntaxError) return this.setAside(path, what, `not JSON (${err.message})`)
      if (err instanceof SetupError) return this.setAside(path, what, err.problems[0] + (err.problems.length > 1 ? ` (and ${err.problems.length - 1} more)` : ''))
      if (err instanceof ValidationError) return this.setAside(path, what, err.message)
      throw err
    }
  }

  private async setAside(path: string, what: string, why: string): Promise<undefined> {
    const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      await rename(path, aside)
      this.warn(`${what} was damaged and was set aside as ${aside}: ${why}`)
    } catch (err) {
      this.warn(`${what} is damaged (${why}) and could not be set aside: ${(err as Error).message}`)
    }
    return undefined
  }

  private write(path: string, text: string, doing: string): Promise<void> {
    const before = this.writing.get(path) ?? Promise.resolve()
    const next = before.then(async () => {
      await this.makeFolders()
      const target = await inspectTarget(path, doing)
      await writeReplacing(target.kind === 'file' ? { ...target, mode: 0o600 } : target, { doing, mode: 0o600 }, (file) => file.writeFile(text))
    })
    const settled = next.catch(() => undefined)
    this.writing.set(path, settled)
    void settled.then(() => this.writing.get(path) === settled && this.writing.delete(path))
    return next
  }

  private async makeFolders(): Promise<void> {
    try {
      await mkdir(this.folder, { recursive: true, mode: 0o700 })
    } catch (err) {
      throw this.folderError(err)
    }
  }

  private folderError(err: unknown): UserError {
    const e = err as NodeJS.ErrnoException
    return new UserError(`cannot use tcpscope's setups folder ${this.folder}: ${e.code ?? e.message} (set TCPSCOPE_DATA_DIR to a folder you can write)`, e.code ?? 'EIO')
  }
}

const exists = (path: string): Promise<boolean> => stat(path).then(
  () => true,
  () => false
)
