// A rules file (JSON or YAML, rule-types.ts): read, parsed, checked. Watched while a proxy
// uses it: saving it reloads the rules, and an edit that does not check keeps the last good
// rules and says why in one line.

import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { RuleSpec } from '../../shared/rules/rule-types'
import { checkRules } from '../../shared/rules/rule-schema'
import { UserError } from '../net/net-errors'

/** Largest rules file read. */
const MAX_RULES_FILE = 16 * 1024 * 1024
/** Editors save in several writes (or replace the file): one reload after they are done. */
const SETTLE_MS = 100

/** The rules of the file at `path`; a one-line UserError naming the file for anything wrong. */
export async function readRulesFile(path: string): Promise<RuleSpec[]> {
  let text: string
  try {
    const bytes = await readFile(path)
    if (bytes.length > MAX_RULES_FILE) throw new UserError(`${path}: a rules file of ${bytes.length} bytes is over the ${MAX_RULES_FILE / 1024 / 1024} MiB limit`, 'EINVAL')
    text = bytes.toString('utf8')
  } catch (err) {
    if (err instanceof UserError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new UserError(`cannot read the rules file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? (err as Error).message)}`, code === 'ENOENT' ? 'ENOENT' : 'EINVAL')
  }
  let doc: unknown
  const json = /\.json$/i.test(path) || /^\s*[[{]/.test(text)
  // yaml is loaded when a YAML file is first read, not with the engine.
  const yaml = json ? undefined : await import('yaml')
  try {
    doc = yaml === undefined ? JSON.parse(text) : yaml.parse(text, { maxAliasCount: 100 })
  } catch (err) {
    throw new UserError(`${path}: not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`, 'EINVAL')
  }
  try {
    return checkRules(doc).rules
  } catch (err) {
    throw new UserError(`${path}: ${(err as Error).message}`, 'EINVAL')
  }
}

/** Watches a rules file: `changed` with its new rules after each save, `failed` with the one line when an edit does not check. */
export class RulesFileWatch {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    readonly path: string,
    private readonly changed: (rules: RuleSpec[]) => void,
    private readonly failed: (message: string) => void
  ) {
    this.arm()
  }

  /** fs.watch on the file itself: an editor that replaces the file ends the watch, so it is armed again after each change. */
  private arm(): void {
    if (this.closed) return
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.soon())
      this.watcher.on('error', () => this.rearm())
    } catch {
      // Gone for a moment (replaced): try again shortly.
      this.timer = setTimeout(() => this.arm(), SETTLE_MS * 5)
    }
  }

  private rearm(): void {
    this.watcher?.close()
    this.watcher = undefined
    this.timer = setTimeout(() => {
      this.arm()
      this.soon()
    }, SETTLE_MS)
  }

  private soon(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.reload(), SETTLE_MS)
  }

  private async reload(): Promise<void> {
    if (this.closed) return
    // A rename-replace leaves the old watch on the old inode.
    this.watcher?.close()
    this.arm()
    try {
      const rules = await readRulesFile(this.path)
      if (!this.closed) this.changed(rules)
    } catch (err) {
      if (!this.closed) this.failed(`${(err as Error).message}; the rules before this edit stay`)
    }
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.watcher?.close()
  }
}
