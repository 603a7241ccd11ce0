// The setups kept in the data folder's `setups/`: named ones as `<name>.json`, the last one
// the app ran as `.last-setup.json`, and the window's remembered layout as `.ui-state.json`.
// Each write is atomic (a whole new file renamed into place), 0600 in a folder kept 0700 (a
// forward proxy's credentials may be in it), one at a time per file. A file that does not
// read as a setup is renamed aside (`NAME.json.damaged-TIME`) with a one-line warning, never
// a crash.

import { chmod, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { checkSetupName, countSetup, MAX_SETUP_BYTES, SetupError, type LastSetup, type Setup, type SetupEntry } from '../../shared/setup-types'
import { parseSetup } from '../../shared/setup-migrations'
import { MAX_UI_STATE_BYTES } from '../../shared/ui-state'
import { ValidationError } from '../../shared/schema'
import { inspectTarget } from '../files/file-target'
import { readSmallFile } from '../files/read-small-file'
import { writeReplacing } from '../files/replace-file'

const SUFFIX = '.json'
const LAST = '.last-setup.json'
const UI_STATE = '.ui-state.json'
/** Names Windows keeps for devices, whatever follows them. */
const DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)$/i
/**
 * A setup's file name. A name's letters and digits (any script), spaces and _ ( ) - are safe
 * in every file system's names as they are, and stay (64 Chinese characters are 192 bytes,
 * under every limit); `.` is %-encoded (a trailing one is dropped by Windows), and so is the
 * first letter of a Windows device name. `%` is no name's, so a file name reads back as one.
 */
const fileNameOf = (name: string): string => (DEVICE.test(name) ? `%${name.charCodeAt(0).toString(16).toUpperCase()}${name.slice(1)}` : name).replace(/\./g, '%2E') + SUFFIX
/** The setup a file in the folder is, or undefined for any other file (hidden, foreign, not how fileNameOf writes it). */
function nameOfFile(file: string): string | undefined {
  if (!file.endsWith(SUFFIX) || file.startsWith('.')) return undefined
  try {
    const name = checkSetupName(decodeURIComponent(file.slice(0, -SUFFIX.length)))
    return fileNameOf(name) === file ? name : undefined
  } catch {
    return undefined
  }
}

export class SetupStore {
  private readonly folder: string
  /** The write under way per file: the next waits for it, so two saves never race for one rename. */
  private readonly writing = new Map<string, Promise<void>>()

  constructor(
    dataFolder: string,
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
    for (const file of files) {
      const name = nameOfFile(file)
      if (name === undefined) continue
      try {
        const read = await this.readFile(join(this.folder, file), `setup "${name}"`)
        if (read !== undefined) entries.push({ name, savedAt: read.savedAt, ...countSetup(read.setup) })
      } catch (err) {
        // One file that cannot be read (its mode, a folder of that name) is said; the rest are listed.
        if (!(err instanceof UserError)) throw err
        this.warn(err.message)
      }
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
    const taken = overwrite ? undefined : new UserError(`a setup named "${trimmed}" exists already; choose another name, or overwrite it`, ERROR_CODES.EEXIST)
    await this.write(path, `${JSON.stringify({ ...setup, name: trimmed }, null, 2)}\n`, `cannot save setup "${trimmed}"`, taken)
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
    const read = await this.readFile(join(this.folder, LAST), 'the last setup')
    return read === undefined ? null : { setup: read.setup, savedAt: read.savedAt, ...countSetup(read.setup) }
  }

  writeLast(setup: Setup): Promise<void> {
    return this.write(join(this.folder, LAST), `${JSON.stringify(setup, null, 2)}\n`, 'cannot keep the last setup')
  }

  async readUiState(): Promise<string | null> {
    const path = join(this.folder, UI_STATE)
    try {
      return (await readSmallFile(path, `cannot read ${path}`, MAX_UI_STATE_BYTES, "the window's remembered layout")).toString('utf8')
    } catch (err) {
      if (err instanceof UserError && err.code === 'ENOENT') return null
      throw err
    }
  }

  async writeUiState(state: string): Promise<void> {
    // The contract bounds it in characters; the file is read back bounded in bytes.
    if (Buffer.byteLength(state) > MAX_UI_STATE_BYTES) throw new UserError(`the window's layout is over ${MAX_UI_STATE_BYTES} bytes; it is not kept`, ERROR_CODES.EINVAL)
    await this.write(join(this.folder, UI_STATE), state, "cannot keep the window's layout")
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

  /** Writes `text` whole to `path` after any write to it under way; `taken` refuses a file that is there by then. */
  private write(path: string, text: string, doing: string, taken?: UserError): Promise<void> {
    const before = this.writing.get(path) ?? Promise.resolve()
    const next = before.then(async () => {
      await this.makeFolder()
      const target = await inspectTarget(path, doing)
      if (taken !== undefined && target.kind === 'file') throw taken
      await writeReplacing(target.kind === 'file' ? { ...target, mode: 0o600 } : target, { doing, mode: 0o600 }, (file) => file.writeFile(text))
    })
    const settled = next.catch(() => undefined)
    this.writing.set(path, settled)
    void settled.then(() => this.writing.get(path) === settled && this.writing.delete(path))
    return next
  }

  /** The setups folder, made 0700, or brought back to it when someone widened it. */
  private async makeFolder(): Promise<void> {
    try {
      await mkdir(this.folder, { recursive: true, mode: 0o700 })
      if (((await stat(this.folder)).mode & 0o077) !== 0) await chmod(this.folder, 0o700)
    } catch (err) {
      throw this.folderError(err)
    }
  }

  private folderError(err: unknown): UserError {
    const e = err as NodeJS.ErrnoException
    return new UserError(`cannot use tcpscope's setups folder ${this.folder}: ${e.code ?? e.message} (set TCPSCOPE_DATA_DIR to a folder you can write)`, e.code ?? 'EIO')
  }
}
