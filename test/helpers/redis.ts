// A real redis-server on a free loopback port, for tests that put a proxy in front of it.
// Callers check for it first (needProgram / needPeer in ./peers).
import { spawn } from 'node:child_process'
import { connectTo, startServer } from './net'

export interface Redis {
  port: number
  stop(): void
}

/** `extra`: more redis-server options (e.g. `--rename-command COMMAND ""`). */
export async function startRedis(dir: string, extra: string[] = []): Promise<Redis> {
  // Ask the kernel for a free port, then give it to redis (which cannot listen on 0 and report).
  const probe = await startServer(() => {})
  const port = probe.port
  await probe.close()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], { stdio: 'ignore' })
  const stop = (): void => void redis.kill('SIGKILL')
  for (let i = 0; ; i++) {
    try {
      ;(await connectTo(port)).destroy()
      return { port, stop }
    } catch (err) {
      if (i > 100 || redis.exitCode !== null) {
        stop()
        throw err
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}
