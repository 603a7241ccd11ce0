// Builds the CLI and the renderer once before the suite: CLI tests run the real `tcpscope`
// in plain Node, and web mode serves the real built page to Chromium. Every test, and every
// process a test starts, gets one temporary folder of its own (TMPDIR), removed at the
// end: a CLI killed on purpose cannot leave its temporary capture behind in /tmp.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export default async function setup(): Promise<() => void> {
  const root = resolve(__dirname, '..')
  const build = async (config: string): Promise<void> => {
    const child = spawn(process.execPath, [resolve(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', config, '--logLevel', 'error'], { cwd: root, stdio: 'inherit' })
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
    if (code !== 0) throw new Error(`vite build --config ${config} failed (${signal ?? `exit ${code}`})`)
  }
  // The two builds write to different folders: side by side, the renderer's (the longer)
  // hides the CLI's. Both end before the suite starts, even when one fails. Skipped when
  // the caller has just built them (CI's run on the machine's Node tests the CLI its own
  // `npm run build` made).
  if (process.env.TCPSCOPE_TESTS_PREBUILT !== '1') {
    for (const r of await Promise.allSettled([build('vite.cli.config.ts'), build('vite.renderer.config.ts')])) {
      if (r.status === 'rejected') throw r.reason
    }
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tcpscope-tests-'))
  // Traversable: one test runs the CLI as another user from a folder inside it.
  chmodSync(tmp, 0o755)
  process.env.TMPDIR = tmp
  // No test makes or reads a CA in the real home folder (tests that use one set their own).
  process.env.TCPSCOPE_DATA_DIR = join(tmp, 'data')
  // Web mode keeps its last setup there: each web instance gets a folder of its own instead (helpers/web.ts).
  process.env.TCPSCOPE_TESTS_SHARED_DATA_DIR = process.env.TCPSCOPE_DATA_DIR
  // Retried a moment: a worker's Chromium (test/helpers/browser.ts) is killed as the worker
  // exits, and may still write its profile in here while this runs (ENOTEMPTY).
  return () => rmSync(tmp, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
}
