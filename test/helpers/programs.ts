// External programs some tests need: skip with a clear note when one is missing,
// except in CI (CI=true), where a missing program is a failure, not a silent skip.
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

/** Call first thing in a test: skips it (or fails it in CI) when the program is missing. */
export function needProgram(ctx: { skip: (note: string) => never }, what: string, available: boolean): void {
  if (available) return
  if (process.env.CI === 'true') throw new Error(`${what} is required in CI but is not available here`)
  ctx.skip(`${what} is not available here; install it to run this test`)
}
