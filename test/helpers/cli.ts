// Runs the built CLI (out/cli/index.cjs, built by the global setup) as a real child process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

export const CLI = resolve(__dirname, '../../bin/tcpscope.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `tcpscope ARGS` to its end; `env` is added to this process's environment. */
export async function runCli(args: string[], input?: Buffer, env: NodeJS.ProcessEnv = {}): Promise<CliResult & { stdoutBytes: Buffer }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => out.push(c))
  child.stderr.on('data', (c: Buffer) => err.push(c))
  child.stdin.end(input)
  const [code] = (await once(child, 'close')) as [number | null]
  const stdoutBytes = Buffer.concat(out)
  return { code, stdout: stdoutBytes.toString(), stdoutBytes, stderr: Buffer.concat(err).toString() }
}

/** A long-running CLI command whose stdout is read line by line. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: string[] = []
  private waiters: Array<() => void> = []
  stderr = ''
  /**
   * Its exit code once it has exited and its output has all been read: 'close', not 'exit',
   * which can come while its last lines are still in the pipe.
   */
  private readonly closed: Promise<number | null>
  private done = false

  /** Runs `tcpscope ARGS`, or adopts `child` (a CLI started some other way, e.g. under a shell). */
  constructor(args: string[], child?: ChildProcessWithoutNullStreams) {
    this.child = child ?? spawn(process.execPath, [CLI, ...args])
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      this.lines.push(l)
      for (const w of this.waiters.splice(0)) w()
    })
    this.child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()))
    this.closed = new Promise((resolve) =>
      this.child.once('close', (code: number | null) => {
        this.done = true
        for (const w of this.waiters.splice(0)) w()
        resolve(code)
      })
    )
  }

  async waitLine(match: (l: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.lines.find(match)
      if (found !== undefined) return found
      if (this.done) throw new Error(`CLI exited (${this.child.exitCode}) with no matching line; got:\n${this.lines.join('\n')}\n${this.stderr}`)
      if (Date.now() > deadline) throw new Error(`no matching line; got:\n${this.lines.join('\n')}\n${this.stderr}`)
      await new Promise<void>((r) => {
        this.waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }

  /** Sends `signal` unless it has exited already; its exit code once its output is all read. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    return this.closed
  }
}

/**
 * A copy of the built CLI (its entry and its bundled files) and of the Node that runs this
 * test under `dir`, for running it as another user who may not be able to reach the checkout
 * or that Node (say, a clone in a private temporary folder, whose CI unpacked Node 22 inside
 * it). Returns the copied Node and entry.
 */
export function portableCli(dir: string): { node: string; cli: string } {
  const root = join(dir, 'tcpscope-cli')
  mkdirSync(join(root, 'bin'), { recursive: true })
  mkdirSync(join(root, 'out', 'cli'), { recursive: true })
  copyFileSync(CLI, join(root, 'bin', 'tcpscope.js'))
  // index.cjs and the chunks each command loads when it runs (vite.cli.config.ts); the
  // workers and the Kaitai compiler, bundles of their own, are left out as before.
  const built = resolve(__dirname, '../../out/cli')
  for (const f of readdirSync(built)) if (f.endsWith('.cjs') && !f.endsWith('-worker.cjs') && f !== 'ksy-compiler.cjs') copyFileSync(join(built, f), join(root, 'out', 'cli', f))
  const node = join(root, 'bin', 'node')
  // A hard link is a new name in a folder the other user can enter (no copy of ~100 MB); across file systems, a copy.
  try {
    linkSync(process.execPath, node)
  } catch {
    copyFileSync(process.execPath, node)
  }
  chmodSync(node, 0o755)
  for (const d of [root, join(root, 'bin'), join(root, 'out'), join(root, 'out', 'cli')]) chmodSync(d, 0o755)
  return { node, cli: join(root, 'bin', 'tcpscope.js') }
}
