// Where the desktop app records: a new capture file per run under the user's data folder,
// so a run never overwrites an earlier one. And the names a capture file goes by.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A capture's file extensions: `.tcap`, which tcpscope writes, then `.tcpscope`, the same
 * format under the app's name (the engine knows a capture by its contents, not its name).
 * The open and save dialogs offer both; the installers associate both with the app
 * (electron-builder.yml, checked against this list by test/packaging).
 */
export const CAPTURE_EXTENSIONS = ['tcap', 'tcpscope'] as const

/** `capture-2025-01-31T12-00-00-000Z.tcap`: ':' is not allowed in Windows file names. */
export function captureFileName(now: Date): string {
  return `capture-${now.toISOString().replace(/[:.]/g, '-')}.${CAPTURE_EXTENSIONS[0]}`
}

export function newCapturePath(userDataDir: string, now = new Date()): string {
  const dir = join(userDataDir, 'captures')
  mkdirSync(dir, { recursive: true })
  return join(dir, captureFileName(now))
}
