// One program tcpscope started for the person (an intercepted browser, a command run from
// Intercept ▸ "A command…"): its life from spawn to exit, and stopping it. On POSIX it
// leads a process group of its own, so a stop (and the sweep after any exit) reaches the
// helpers it forked (a browser's renderers, GPU and crash handler; what a command left
// running in the background) as well, not just the main process.

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { UserError } from '../../shared/errors'

/** How a program ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ChildOptions {
  /** Its environment (default: tcpscope's). */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Receives what it writes to stdout and stderr; absent, its stdout is not read (a browser's). */
  output?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void
}

/** Enough of a browser's stderr to say why it exited at once (a bad flag, no display). */
const STDERR_TAIL = 2048

/** How long its output may take to end after it exited, for a helper outside its group that holds a pipe. */
const STDERR_DRAIN_MS = 1_000

/** How long a stopped program gets to close its windows and profile before it is killed. */
export const STOP_GRACE_MS = 5_000

export class ChildGroup {
  /** How it ended, once its output is read to the end. */
  readonly ended: Promise<ChildExit>
  /** The same in words: `exit code 0`, `signal SIGTERM`. */
  readonly exited: Promise<string>
  private tail = ''
  private done = false

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    output: ChildOptions['output']
  ) {
    child.stdout?.on('data', (chunk: Buffer) => output?.('stdout', chunk))
    child.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-STDERR_TAIL)
      output?.('stderr', chunk)
    })
    this.ended = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.done = true
        this.sweepGroup()
        const how = { code, signal }
        // Its last words (why it quit) can still be in the pipe at 'exit': read to the pipe's
        // end ('close') first. The sweep ended the helpers that share the pipes; one that left
        // the group could hold them open for good, so not for longer than this.
        const late = setTimeout(() => resolve(how), STDERR_DRAIN_MS)
        child.once('close', () => {
          clearTimeout(late)
          resolve(how)
        })
      })
    })
    this.exited = this.ended.then(({ code, signal }) => (signal !== null ? `signal ${signal}` : `exit code ${code ?? '?'}`))
  }

  /** Spawns `executable args`; an executable (or a folder) that cannot be used is a one-line UserError. */
  static async start(executable: string, args: string[], opts: ChildOptions = {}): Promise<ChildGroup> {
    const child = spawn(executable, args, {
      // No input: nobody types into a program the page started; it reads EOF at once, never waits.
      stdio: ['ignore', opts.output ? 'pipe' : 'ignore', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      // Windows has no process groups to signal; a detached child there gets its own console.
      detached: process.platform !== 'win32'
    })
    try {
      await Promise.race([once(child, 'spawn'), once(child, 'error').then(([err]) => Promise.reject(err as Error))])
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new UserError(`cannot start ${executable}: ${e.code === 'ENOENT' ? 'no such program' : e.code === 'EACCES' ? 'permission denied' : e.message}`, e.code ?? 'EIO')
    }
    return new ChildGroup(child, child.pid!, opts.output)
  }

  get running(): boolean {
    return !this.done
  }

  /** The last of what it wrote to stderr, trimmed. */
  stderrTail(): string {
    return this.tail.trim()
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      if (process.platform === 'win32') this.child.kill(sig)
      else process.kill(-this.pid, sig)
    } catch {
      // ESRCH: already gone.
    }
  }

  /** Helpers that outlived the main process would keep a profile or a pipe open (and run on): gone too. */
  private sweepGroup(): void {
    if (process.platform !== 'win32') this.signal('SIGKILL')
  }

  /** Asks it to quit (SIGTERM), kills it after `graceMs`; resolves once it has exited. */
  async stop(graceMs = STOP_GRACE_MS): Promise<string> {
    if (this.done) return this.exited
    this.signal('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)))
    const how = await Promise.race([this.exited, late])
    clearTimeout(timer)
    if (how === 'late') this.signal('SIGKILL')
    return this.exited
  }
}
