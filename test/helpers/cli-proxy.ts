// `tcpscope proxy` (bin/tcpscope.js over the CLI the global setup builds) as a child
// process, for tests that need a separate process: memory ceilings, kill -9, another user.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'

export const CLI = resolve(__dirname, '../../bin/tcpscope.js')

export interface CliProxy {
  child: ChildProcess
  pid: number
  /** The `listening` line's address, e.g. `127.0.0.1:40123`. */
  listen: string
  port: number
  /** Its exit code, once it has exited and its output has all been read. */
  exited: Promise<number | null>
  stderr: () => string
  /** Sends a signal and waits for the process to exit (and its output to be read). */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export async function startCliProxy(args: { listen?: string; target: string; capture: string; extra?: string[] }, spawnOpts: SpawnOptions = {}): Promise<CliProxy> {
  const argv = [CLI, 'proxy', '--listen', args.listen ?? '127.0.0.1:0', '--target', args.target, '--capture', args.capture, '--json', '--quiet', ...(args.extra ?? [])]
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts })
  let err = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  // 'close', not 'exit': stderr is read after it, and its last lines can still be in the pipe at 'exit'.
  const exited = once(child, 'close').then(([code]) => code as number | null)
  const lines = createInterface({ input: child.stdout! })
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => l as string),
    exited.then((code) => {
      throw new Error(`the CLI exited (${code}) before listening: ${err.trim() || '(no stderr)'}`)
    })
  ])
  // Keep draining stdout so the child never blocks on a full pipe.
  lines.on('line', () => {})
  let msg: { type?: string; listen?: string }
  try {
    msg = JSON.parse(first)
  } catch {
    child.kill('SIGKILL')
    throw new Error(`the CLI's first line is not JSON: ${first}`)
  }
  if (msg.type !== 'listening' || typeof msg.listen !== 'string') {
    child.kill('SIGKILL')
    throw new Error(`the CLI's first line is not a listening event: ${first}`)
  }
  const listen = msg.listen
  return {
    child,
    pid: child.pid!,
    listen,
    port: Number(listen.slice(listen.lastIndexOf(':') + 1)),
    exited,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

/** A field of /proc/PID/status in KiB (VmRSS, VmHWM). */
export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(m[1])
}
