// Where the desktop app records: a new capture file per run under the user's data folder,
// so a run never overwrites an earlier one.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** `capture-2025-01-31T12-00-00-000Z.tcap`: ':' is not allowed in Windows file names. */
export function captureFileName(now: Date): string {
  return `capture-${now.toISOString().replace(/[:.]/g, '-')}.tcap`
}

export function newCapturePath(userDataDir: string, now = new Date()): string {
  const dir = join(userDataDir, 'captures')
  mkdirSync(dir, { recursive: true })
  return join(dir, captureFileName(now))
}
