// A proxy's traffic rules with where they came from: set by a front end, or loaded from a
// rules file that is watched and reloaded while the proxy lives.

import { dirname, resolve } from 'node:path'
import type { RulesState } from '../../shared/rules/rule-args'
import { RuleSet } from './rule-set'
import { readRulesFile, RulesFileWatch } from './rules-file'
import { ScriptHost } from './script/script-host'
import { UserError } from '../net/net-errors'

export interface TrafficRulesOptions {
  /** One line for the front ends: a reload refused, a script's error or restart. */
  warn?: (message: string) => void
  /** The built script worker, where it is not beside the engine (tests run from source). */
  scriptWorkerFile?: string
  /** How much the check for rules an earlier one hides may compare (RuleSetOptions): a one-shot `rules check` has no traffic to hold up. */
  shadowBudget?: number
}

export class TrafficRules {
  readonly set: RuleSet
  private file: string | undefined
  private error: string | undefined
  private watcher: RulesFileWatch | undefined
  private script_: ScriptHost | undefined
  private unwatchScript: (() => void) | undefined
  private readonly warn: (message: string) => void

  constructor(private readonly opts: TrafficRulesOptions = {}) {
    this.warn = opts.warn ?? (() => {})
    // A check cut short by its budget says so once, as any rules warning.
    this.set = new RuleSet({ warn: (m) => this.warn(m), ...(opts.shadowBudget !== undefined ? { shadowBudget: opts.shadowBudget } : {}) })
  }

  /** The loaded script, if any. */
  get script(): ScriptHost | undefined {
    return this.script_
  }

  /** Whether a connection needs the traffic stages at all: rules, or a script. */
  get active(): boolean {
    return this.set.size > 0 || this.script_ !== undefined
  }

  /** Loads a script (replacing the one before, once the new one has loaded). Throws its one line and keeps the old one when it does not load. */
  async loadScript(path: string): Promise<void> {
    const host = await ScriptHost.load(path, {
      report: (line) => this.warn(line),
      ...(this.opts.scriptWorkerFile !== undefined ? { workerFile: this.opts.scriptWorkerFile } : {})
    })
    await this.unloadScript(false)
    this.script_ = host
    this.unwatchScript = host.watchStatus(() => this.set.touch())
    this.set.touch()
  }

  async reloadScript(): Promise<void> {
    if (this.script_ === undefined) throw new UserError('this proxy has no script: load one first (--script FILE)', 'ESTATE')
    await this.script_.reload()
    this.set.touch()
  }

  async unloadScript(tell = true): Promise<void> {
    const host = this.script_
    this.script_ = undefined
    this.unwatchScript?.()
    this.unwatchScript = undefined
    await host?.close()
    if (tell) this.set.touch()
  }

  /** Where a respond step's relative `file` is read from: the rules file's folder, else the engine's working folder. */
  get baseDir(): string | undefined {
    return this.file === undefined ? undefined : dirname(this.file)
  }

  state(): RulesState {
    return {
      rules: this.set.list(),
      ...(this.file !== undefined ? { file: this.file } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.script_ !== undefined ? { script: this.script_.status() } : {})
    }
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
    try {
      this.set.set(rules)
    } catch (err) {
      // What only compiling finds (a regex RE2 cannot run) names the file, as what reading finds does.
      throw err instanceof UserError ? new UserError(`${file}: ${err.message}`, err.code) : err
    }
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
    void this.unloadScript(false)
  }
}
