// The engine's side of a user's script (issue 44): what the proxy calls for each request,
// response, message and connection. The script runs in a worker thread (script-thread.ts)
// with a deadline per call and a heap limit, so nothing it does can stop the proxy: an
// error, a hang or a runaway heap becomes an outcome that lets the traffic pass unchanged,
// one reported line, and a fresh thread; and while a hook holds its thread, the calls made
// meanwhile pass unchanged at once rather than wait for it. Saving the file loads the new version in a new
// thread and swaps it in only once it loaded, so a bad edit keeps the last good code.

import { basename, resolve } from 'node:path'
import { builtWorkerFile } from '../../built-worker'
import { readSmallFile } from '../../files/read-small-file'
import { UserError } from '../../net/net-errors'
import { ERROR_CODES } from '../../../shared/errors'
import { BEAT_MS } from './script-signals'
import { ScriptStartFailure, ScriptThread } from './script-thread'
import { HOOK_NAMES, type HookArgs, type HookName, type HookOutcome, type ScriptConnection, type ScriptHostOptions, type ScriptMessage, type ScriptRequest, type ScriptResponse, type ScriptStatus, type WorkerOutcome } from './script-types'
import { watchScriptFile, type StopWatching } from './script-watch'

export const DEFAULT_SCRIPT_TIMEOUT_MS = 3000
export const DEFAULT_SCRIPT_MEMORY_MB = 128
/** A script is code a person writes; 4 MiB is far past any, and bounds what one save reads. */
const MAX_SCRIPT_BYTES = 4 * 1024 * 1024
/** Distinct lines remembered so each is reported once; past this many, the memory starts over. */
const MAX_REMEMBERED_LINES = 1000

interface Settings {
  file: string
  timeoutMs: number
  memoryMb: number
  report: (line: string) => void
}

export class ScriptHost {
  readonly path: string
  private readonly name: string
  private thread: ScriptThread | undefined
  /** while a stopped thread is replaced: what calls wait for (undefined when the restart failed) */
  private restarting: Promise<ScriptThread | undefined> | undefined
  private readonly retired = new Set<ScriptThread>()
  /** the last source that loaded: what a restart runs, whatever the file holds now */
  private source = ''
  private hooks: HookName[] = []
  private loadedAt = 0
  private lastError: string | undefined
  private restarts = 0
  private calls = 0
  private errors = 0
  private readonly reported = new Set<string>()
  private readonly watchers = new Set<() => void>()
  private stopWatching: StopWatching | undefined
  /** reloads and restarts, one at a time */
  private changes: Promise<unknown> = Promise.resolve()
  private closed = false
  /** while calls are in flight: looks in on the threads, to answer calls queued behind a hook that holds one */
  private checking: NodeJS.Timeout | undefined

  private constructor(
    path: string,
    private readonly settings: Settings
  ) {
    this.path = path
    this.name = basename(path)
  }

  /** Rejects with a one-line UserError for a file that is missing or does not load (naming file:line). */
  static async load(path: string, opts: ScriptHostOptions = {}): Promise<ScriptHost> {
    const file = opts.workerFile ?? builtWorkerFile('script-worker')
    if (file === undefined) throw new UserError('cannot run scripts: the script worker (script-worker.cjs) is not built beside tcpscope', ERROR_CODES.EINTERNAL)
    const host = new ScriptHost(resolve(path), {
      file,
      timeoutMs: opts.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
      memoryMb: opts.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB,
      report: opts.report ?? (() => undefined)
    })
    await host.replace()
    if (opts.watch !== false) host.stopWatching = watchScriptFile(host.path, () => host.reloadOnSave(), (line) => host.fault(line))
    return host
  }

  has(hook: HookName): boolean {
    return this.hooks.includes(hook)
  }

  async onRequest(req: ScriptRequest): Promise<HookOutcome<ScriptRequest>> {
    if (!this.has('onRequest')) return {}
    const body = owned(req.body)
    const { changed, ...rest } = await this.run({ hook: 'onRequest', req: { method: req.method, url: req.url, path: req.path, headers: req.headers, body } }, [body.buffer])
    return changed ? { ...rest, changed: { ...req, ...changed } } : rest
  }

  async onResponse(res: ScriptResponse, req: ScriptRequest): Promise<HookOutcome<ScriptResponse>> {
    if (!this.has('onResponse')) return {}
    const [resBody, reqBody] = [owned(res.body), owned(req.body)]
    const args: HookArgs = { hook: 'onResponse', res: { ...res, body: resBody }, req: { method: req.method, url: req.url, path: req.path, headers: req.headers, body: reqBody } }
    const { changed, ...rest } = await this.run(args, [resBody.buffer, reqBody.buffer])
    return changed ? { ...rest, changed: { ...res, ...changed } } : rest
  }

  async onMessage(msg: ScriptMessage): Promise<HookOutcome<ScriptMessage>> {
    if (!this.has('onMessage')) return {}
    const bytes = owned(msg.bytes)
    const { changed, ...rest } = await this.run({ hook: 'onMessage', msg: { protocol: msg.protocol, dir: msg.dir, summary: msg.summary, fields: msg.fields, bytes } }, [bytes.buffer])
    return changed?.bytes ? { ...rest, changed: { ...msg, bytes: changed.bytes } } : rest
  }

  async onConnect(conn: ScriptConnection): Promise<HookOutcome<never>> {
    if (!this.has('onConnect')) return {}
    const { action, delayMs, error } = await this.run({ hook: 'onConnect', conn: { id: conn.id, client: conn.client, target: conn.target } }, [])
    return { ...(action ? { action } : {}), ...(delayMs ? { delayMs } : {}), ...(error ? { error } : {}) }
  }

  async onClose(conn: ScriptConnection): Promise<void> {
    if (!this.has('onClose')) return
    await this.run({ hook: 'onClose', conn: { id: conn.id, client: conn.client, target: conn.target } }, [])
  }

  status(): ScriptStatus {
    return {
      path: this.path,
      loadedAt: this.loadedAt,
      hooks: [...this.hooks],
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      restarts: this.restarts,
      calls: this.calls,
      errors: this.errors
    }
  }

  /**
   * Loads the file again in a new thread, and swaps it in once it loaded (ctx.state starts
   * over). A file that does not load leaves the running version in place and rejects with
   * a one-line UserError naming file:line.
   */
  reload(): Promise<void> {
    return this.serially(() => this.replace())
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopWatching?.()
    clearInterval(this.checking)
    this.checking = undefined
    const threads = [this.thread, ...this.retired]
    this.thread = undefined
    this.retired.clear()
    await Promise.all(threads.map((t) => t?.terminate()))
    this.watchers.clear()
  }

  /**
   * Called when the status changes in a way worth showing: a load, a reload, a restart, a
   * new error. Not per call: calls and errors are counted, and read with status().
   */
  watchStatus(cb: () => void): () => void {
    this.watchers.add(cb)
    return () => this.watchers.delete(cb)
  }

  private async run(args: HookArgs, transfer: ArrayBuffer[]): Promise<WorkerOutcome> {
    this.calls++
    const thread = this.thread ?? (await this.restarting)
    if (thread === undefined) {
      this.errors++
      return { error: this.closed ? `${this.name} is closed` : `${this.name} is stopped${this.lastError ? ` (${this.lastError})` : ''}; save it or reload it to start it again` }
    }
    this.check()
    const { outcome, reported } = await thread.call(args, transfer)
    if (outcome.error !== undefined) {
      this.errors++
      // A stopped or busy thread's error is every call's in flight: it was reported once, when it stopped or got busy.
      if (!reported) this.fault(outcome.error)
    }
    return outcome
  }

  /** Looks in on the threads every beat while calls are in flight: one timer for all of them, none while idle. */
  private check(): void {
    if (this.checking !== undefined || this.closed) return
    this.checking = setInterval(() => {
      const now = Date.now()
      let inFlight = false
      for (const thread of [this.thread, ...this.retired]) if (thread?.check(now)) inFlight = true
      if (!inFlight) {
        clearInterval(this.checking)
        this.checking = undefined
      }
    }, BEAT_MS)
    // A call's own deadline keeps the process alive while it is in flight; this need not.
    this.checking.unref()
  }

  /** Reads the file and starts it in a thread of its own; installs it once it loaded. */
  private async replace(): Promise<void> {
    try {
      const source = (await readSmallFile(this.path, `cannot load script ${this.path}`, MAX_SCRIPT_BYTES, 'a script')).toString('utf8')
      const thread = await this.start(source)
      if (this.closed) return void (await thread.terminate())
      const old = this.thread
      this.thread = thread
      this.source = source
      this.hooks = thread.hooks
      this.loadedAt = Date.now()
      this.lastError = undefined
      this.reported.clear()
      if (old) {
        this.retired.add(old)
        void old.retire().then(() => this.retired.delete(old))
      }
      if (thread.hooks.length === 0) this.say(`${this.name} exports none of ${HOOK_NAMES.join(', ')}: it changes nothing`)
    } catch (err) {
      if (this.loadedAt !== 0) {
        this.lastError = (err as Error).message
        this.notify()
      }
      throw err
    }
    this.notify()
  }

  private async start(source: string): Promise<ScriptThread> {
    try {
      return await ScriptThread.start(
        {
          file: this.settings.file,
          path: this.path,
          timeoutMs: this.settings.timeoutMs,
          memoryMb: this.settings.memoryMb,
          onStop: (thread, cause) => this.threadStopped(thread, cause),
          onReport: (line) => this.fault(line),
          onBusy: (line) => this.fault(`${this.name}: ${line}`),
          onLog: (line) => this.say(`[${this.name}] ${line}`)
        },
        source
      )
    } catch (err) {
      if (err instanceof ScriptStartFailure) throw new UserError(err.message, ERROR_CODES.EINVAL)
      throw new UserError(`cannot start script ${this.path}: ${(err as Error).message}`, ERROR_CODES.EINTERNAL)
    }
  }

  /** A save: a bad edit is one reported line, every time it is saved (the person is waiting for it). */
  private reloadOnSave(): void {
    this.reload().catch((err: unknown) => {
      if (!this.closed) this.say((err as Error).message)
    })
  }

  private threadStopped(thread: ScriptThread, cause: string): void {
    this.retired.delete(thread)
    if (thread !== this.thread || this.closed) return
    this.thread = undefined
    this.restarts++
    this.fault(`${this.name}: ${cause}: stopped, the script restarted`)
    this.restarting = this.serially(() => this.restart())
  }

  /** The last good version again, in a fresh thread (unless a reload got there first). */
  private async restart(): Promise<ScriptThread | undefined> {
    try {
      if (this.thread !== undefined || this.closed) return this.thread
      const thread = await this.start(this.source)
      if (this.closed) return void (await thread.terminate())
      this.thread = thread
      this.notify()
      return thread
    } catch (err) {
      this.fault(`${this.name} could not be restarted: ${(err as Error).message}`)
      return undefined
    } finally {
      this.restarting = undefined
    }
  }

  /** One line per distinct problem, not per call: a hook that fails on every request says so once. */
  private fault(line: string): void {
    if (this.closed) return
    this.lastError = line
    if (this.reported.has(line)) return
    if (this.reported.size >= MAX_REMEMBERED_LINES) this.reported.clear()
    this.reported.add(line)
    this.say(line)
    this.notify()
  }

  private say(line: string): void {
    try {
      this.settings.report(line)
    } catch {
      // The caller's report failing is the caller's; the script goes on.
    }
  }

  private notify(): void {
    for (const cb of this.watchers) {
      try {
        cb()
      } catch {
        // A watcher's failure is its own; the script goes on.
      }
    }
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.changes.then(task)
    this.changes = run.catch(() => undefined)
    return run
  }
}

/** A copy of exactly the bytes, to transfer: the caller's buffer (often a slice of a larger one) stays its own. */
function owned(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}
