// External programs used as real peers (redis-server, curl, ...). On a person's machine a
// missing one skips its test with a reason; under CI=true it fails, since CI installs them.
import { execFileSync } from 'node:child_process'

export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** True when the test may run; throws under CI when a peer is missing. */
export function needPeer(...names: string[]): boolean {
  const missing = names.filter((n) => !hasProgram(n))
  if (missing.length === 0) return true
  const message = `needs ${missing.join(', ')} (install: apt-get install ${missing.join(' ')})`
  if (process.env.CI === 'true') throw new Error(`${message}: CI must have it`)
  console.warn(`skipping: ${message}`)
  return false
}
