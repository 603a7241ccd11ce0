// Runs the built CLI (out/cli/index.cjs, built by the global setup): as a real child process,
// or, for a command that reads a capture and ends, by its main() in this process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

export const CLI = resolve(__dirname, '../../bin/tcpscope.js')
const BUILT = resolve(__dirname, '../../out/cli/index.cjs')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * The commands runCli runs by the built CLI's main() in this process, when given no input
 * and no environment of their own: they read a capture (or a target) and end, and set no V8
 * flag (index.ts's FORWARDING_COMMANDS do, and ca may ask on a terminal). A process each took
 * about 0.15-0.25 s of CPU to start and load the bundle, some 330 times a run, for the same
 * code path bin/tcpscope.js takes into main(). That every command ends its process on its
 * own, leaving nothing running, is checked where it is spawned (cli-ends.test.ts), and
 * TCPSCOPE_TESTS_SPAWN=1 spawns every one.
 */
const IN_PROCESS = new Set(['show', 'export', 'ls', 'replay', 'rules', 'help', '--help', '-h', '--version', '-V'])
const inProcess = (args: string[], input: Buffer | undefined, env: NodeJS.ProcessEnv): boolean =>
  IN_PROCESS.has(args[0]) && input === undefined && Object.keys(env).length === 0 && process.env.TCPSCOPE_TESTS_SPAWN !== '1'

type CliMain = (argv: string[], io: { out: Writable; err: Writable }) => Promise<number | undefined>
let cliMain: CliMain | undefined

/** A stdout or stderr that keeps what is written, taking it at once (as a pipe a reader drains). */
function keeper(parts: Buffer[]): Writable {
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk)
      done()
    }
  })
}

/** main() of the built CLI, as bin/tcpscope.js calls it, with its exit code and its output. */
async function runInProcess(args: string[]): Promise<CliResult & { stdoutBytes: Buffer }> {
  cliMain ??= (createRequire(__filename)(BUILT) as { main: CliMain }).main
  const out: Buffer[] = []
  const err: Buffer[] = []
  const io = { out: keeper(out), err: keeper(err) }
  let code: number
  try {
    code = (await cliMain(args, io)) ?? 0
  } catch (e) {
    // What bin/tcpscope.js does with a rejection.
    io.err.write(`tcpscope: ${e instanceof Error ? e.message : String(e)}\n`)
    code = 1
  }
  const stdoutBytes = Buffer.concat(out)
  return { code, stdout: stdoutBytes.toString(), stdoutBytes, stderr: Buffer.concat(err).toString() }
}

/** Runs `tcpscope ARGS` to its end; `env` is added to this process's environment. */
export async function runCli(args: string[], input?: Buffer, env: NodeJS.ProcessEnv = {}): Promise<CliResult & { stdoutBytes: Buffer }> {
  if (inProcess(args, input, env)) return runInProcess(args)
  return spawnCli(args, input, env)
}

/** Runs `tcpscope ARGS` to its end as a process of its own, whatever the command. */
export async function spawnCli(args: string[], input?: Buffer, env: NodeJS.ProcessEnv = {}): Promise<CliResult & { stdoutBytes: Buffer }> {
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

/** A command that listens (proxy, serve), started with `--json`, once it says where; stopped by `cleanups`. */
export async function listeningCli(args: string[], cleanups: Array<() => unknown>): Promise<{ cli: CliProcess; port: number }> {
  const cli = new CliProcess([...args, '--json'])
  cleanups.push(() => cli.stop())
  const line = JSON.parse(await cli.waitLine((l) => l.includes('"listening"'))) as { listen: string }
  return { cli, port: Number(line.listen.slice(line.listen.lastIndexOf(':') + 1)) }
}
