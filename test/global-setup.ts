// Builds the CLI and the renderer once before the suite: CLI tests run the real `tcpscope`
// in plain Node, and web mode serves the real built page to Chromium. Every test, and every
// process a test starts, gets one temporary folder of its own (TMPDIR), removed at the
// end: a CLI killed on purpose cannot leave its temporary capture behind in /tmp.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export default function setup(): () => void {
  const root = resolve(__dirname, '..')
  const run = (script: string, args: string[]): void => {
    execFileSync(process.execPath, [resolve(root, script), ...args], { cwd: root, stdio: 'inherit' })
  }
  run('node_modules/vite/bin/vite.js', ['build', '--config', 'vite.cli.config.ts', '--logLevel', 'error'])
  run('node_modules/vite/bin/vite.js', ['build', '--config', 'vite.renderer.config.ts', '--logLevel', 'error'])
  const tmp = mkdtempSync(join(tmpdir(), 'tcpscope-tests-'))
  // Traversable: one test runs the CLI as another user from a folder inside it.
  chmodSync(tmp, 0o755)
  process.env.TMPDIR = tmp
  // No test makes or reads a CA in the real home folder (tests that use one set their own).
  process.env.TCPSCOPE_DATA_DIR = join(tmp, 'data')
  // Web mode keeps its last setup there: each web instance gets a folder of its own instead (helpers/web.ts).
  process.env.TCPSCOPE_TESTS_SHARED_DATA_DIR = process.env.TCPSCOPE_DATA_DIR
  return () => rmSync(tmp, { recursive: true, force: true })
}
