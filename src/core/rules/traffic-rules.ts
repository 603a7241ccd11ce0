// A proxy's traffic rules with where they came from: set by a front end, or loaded from a
// rules file that is watched and reloaded while the proxy lives.

import { dirname, resolve } from 'node:path'
import type { RulesState } from '../../shared/rules/rule-args'
import { RuleSet } from './rule-set'
import { readRulesFile, RulesFileWatch } from './rules-file'

export class TrafficRules {
  readonly set = new RuleSet()
  private file: string | undefined
  private error: string | undefined
  private watcher: RulesFileWatch | undefined

  constructor(
    /** A reload failed: its one line, for the front ends (a warning). */
    private readonly warn: (message: string) => void = () => {}
  ) {}

  /** Where a respond step's relative `file` is read from: the rules file's folder, else the engine's working folder. */
  get baseDir(): string | undefined {
    return this.file === undefined ? undefined : dirname(this.file)
  }

  state(): RulesState {
    return { rules: this.set.list(), ...(this.file !== undefined ? { file: this.file } : {}), ...(this.error !== undefined ? { error: this.error } : {}) }
  }

  /** Rules given whole (the UI's list, a setup): no file behind them any more. */
  replace(rules: readonly unknown[]): void {
    this.unwatch()
    this.file = undefined
    this.error = undefined
    this.set.set(rules)
  }

  /** Loads a rules file, and with `watch` reloads it on every save. A file that does not check throws its one line and changes nothing. */
  async load(path: string, watch = true): Promise<void> {
    const file = resolve(path)
    const rules = await readRulesFile(file)
    this.unwatch()
    this.file = file
    this.error = undefined
    this.set.set(rules)
    if (!watch) return
    this.watcher = new RulesFileWatch(
      file,
      (next) => {
        try {
          this.set.set(next)
          this.error = undefined
        } catch (err) {
          this.fail(`${file}: ${(err as Error).message}; the rules before this edit stay`)
        }
      },
      (message) => this.fail(message)
    )
  }

  private fail(message: string): void {
    this.error = message
    this.warn(message)
    // The list is the same; its state (the error) is not.
    this.set.touch()
  }

  private unwatch(): void {
    this.watcher?.close()
    this.watcher = undefined
  }

  close(): void {
    this.unwatch()
  }
}
