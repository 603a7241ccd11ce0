// One browser process tcpscope started: its life from spawn to exit, and stopping it. On
// POSIX it leads a process group of its own, so a stop (and the sweep after any exit)
// reaches the helpers it forked (renderers, GPU, crash handler) as well, not just the
// main process.

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { UserError } from '../../shared/errors'

/** Enough of a browser's stderr to say why it exited at once (a bad flag, no display). */
const STDERR_TAIL = 2048

/** How long its stderr may take to end after it exited, for a helper outside its group that holds the pipe. */
const STDERR_DRAIN_MS = 1_000

/** How long a stopped browser gets to close its windows and profile before it is killed. */
export const STOP_GRACE_MS = 5_000

export class BrowserProcess {
  /** How it ended: `exit code 0`, `signal SIGTERM`. */
  readonly exited: Promise<string>
  private tail = ''
  private ended = false

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-STDERR_TAIL)
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.ended = true
        this.sweepGroup()
        const how = signal !== null ? `signal ${signal}` : `exit code ${code ?? '?'}`
        // Its last words (why it quit) can still be in the pipe at 'exit': read to the pipe's
        // end ('close') first. The sweep ended the helpers that share the pipe; one that left
        // the group could hold it open for good, so not for longer than this.
        const late = setTimeout(() => resolve(how), STDERR_DRAIN_MS)
        child.once('close', () => {
          clearTimeout(late)
          resolve(how)
        })
      })
    })
  }

  /** Spawns `executable args`; an executable that cannot be run is a one-line UserError. */
  static async start(executable: string, args: string[], env?: NodeJS.ProcessEnv): Promise<BrowserProcess> {
    const child = spawn(executable, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: env ?? process.env,
      // Windows has no process groups to signal; a detached child there gets its own console.
      detached: process.platform !== 'win32'
    })
    try {
      await Promise.race([once(child, 'spawn'), once(child, 'error').then(([err]) => Promise.reject(err as Error))])
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new UserError(`cannot start ${executable}: ${e.code === 'ENOENT' ? 'no such program' : e.code === 'EACCES' ? 'permission denied' : e.message}`, e.code ?? 'EIO')
    }
    return new BrowserProcess(child, child.pid!)
  }

  get running(): boolean {
    return !this.ended
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

  /** Helpers that outlived the main process would keep the profile open (and run on): gone too. */
  private sweepGroup(): void {
    if (process.platform !== 'win32') this.signal('SIGKILL')
  }

  /** Asks it to quit (SIGTERM), kills it after `graceMs`; resolves once it has exited. */
  async stop(graceMs = STOP_GRACE_MS): Promise<string> {
    if (this.ended) return this.exited
    this.signal('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)))
    const how = await Promise.race([this.exited, late])
    clearTimeout(timer)
    if (how === 'late') this.signal('SIGKILL')
    return this.exited
  }
}
