// A real client program (psql, mysql, mosquitto_pub...) run to its end, bounded, without
// blocking this process: a relay or recorded server in this same process keeps serving it.
import { spawn } from 'node:child_process'

export interface ClientRun {
  code: number | null
  out: string
  err: string
}

/** Runs `cmd args` with `env` added to this process's; killed after `timeoutMs` (default 60 s). */
export function runClient(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => (err += e.message))
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out, err })
    })
  })
}
