// External programs used as real peers (redis-server, curl, python3, ...). On a person's
// machine a missing one skips its test with a reason; under CI=true it fails, since CI
// installs them all.
import { spawnSync } from 'node:child_process'

const found = new Map<string, boolean>()

/** True when `cmd args` runs and exits 0 (e.g. `python3 -c "import os; os.pidfd_open"`). */
export function programWorks(cmd: string, args: string[] = ['--version']): boolean {
  const key = [cmd, ...args].join('\0')
  let ok = found.get(key)
  if (ok === undefined) {
    ok = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0
    found.set(key, ok)
  }
  return ok
}

export const hasProgram = (name: string): boolean => programWorks('sh', ['-c', `command -v ${name}`])

/** Call first thing in a test: skips it (or fails it in CI) when `what` is not available. */
export function needProgram(ctx: { skip: (note: string) => never }, what: string, available: boolean): void {
  if (available) return
  if (process.env.CI === 'true') throw new Error(`${what} is required in CI but is not available here`)
  ctx.skip(`${what} is not available here; install it to run this test`)
}

/** True when the test may run; false (with a note) when a peer is missing; throws under CI. */
export function needPeer(...names: string[]): boolean {
  const missing = names.filter((n) => !hasProgram(n))
  if (missing.length === 0) return true
  const message = `needs ${missing.join(', ')} (install: apt-get install ${missing.join(' ')})`
  if (process.env.CI === 'true') throw new Error(`${message}: CI must have it`)
  console.warn(`skipping: ${message}`)
  return false
}
