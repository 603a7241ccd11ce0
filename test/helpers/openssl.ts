// openssl s_server and s_client as real TLS peers: started as child processes, their output
// gathered, killed by the cleanup the caller keeps. Callers check for openssl first
// (needProgram / hasProgram).
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { freePort } from './net'

export interface OpensslPeer {
  child: ChildProcess
  /** stdout and stderr so far, together. */
  output(): string
  /** Resolves once the output matches (rejects after `ms`, with what it printed). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>
  stop(): Promise<void>
}

function peer(args: string[]): OpensslPeer {
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  const waiters = new Set<() => void>()
  const add = (c: Buffer): void => {
    out += c.toString('latin1')
    for (const w of waiters) w()
  }
  child.stdout!.on('data', add)
  child.stderr!.on('data', add)
  child.stdin!.on('error', () => {})
  const exited = once(child, 'exit')
  return {
    child,
    output: () => out,
    waitFor: (pattern, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(out)) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(out)
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`openssl ${args[0]} never printed ${String(pattern)}; it printed:\n${out}`))
        }, ms)
        waiters.add(check)
        check()
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    }
  }
}

/** `openssl s_server` on a free loopback port, ready to accept; `args` are its options (-cert, -key, -Verify 1, ...). */
export async function sServer(args: string[]): Promise<OpensslPeer & { port: number }> {
  const port = await freePort()
  const p = peer(['s_server', '-accept', `127.0.0.1:${port}`, ...args])
  // It prints ACCEPT once it listens.
  await p.waitFor(/ACCEPT/)
  return { ...p, port }
}

/** `openssl s_client` to `host:port`; `args` are its options (-servername, -CAfile, ...). Write to child.stdin to send. */
export function sClient(host: string, port: number, args: string[]): OpensslPeer {
  return peer(['s_client', '-connect', `${host}:${port}`, ...args])
}
