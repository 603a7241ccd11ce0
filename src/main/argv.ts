// The capture files named on the app's command line (`tcpscope-app a.tcap b.tcap`), from a
// first launch or from a second one handed to the running app.

import { isAbsolute, resolve } from 'node:path'

/**
 * Paths to open, made absolute against `cwd` (the launching shell's folder, which a second
 * launch reports itself). A packaged app's argv is [app, ...args]; an unpackaged one's is
 * [electron, appPath, ...args]. Switches (Chromium's own among them) are not files; after
 * `--` everything is.
 */
export function capturePathsFromArgv(argv: readonly string[], opts: { packaged: boolean; cwd: string }): string[] {
  const args = argv.slice(opts.packaged ? 1 : 2)
  const paths: string[] = []
  let switches = true
  for (const arg of args) {
    if (switches && arg === '--') {
      switches = false
      continue
    }
    if (arg === '' || (switches && arg.startsWith('-'))) continue
    paths.push(isAbsolute(arg) ? arg : resolve(opts.cwd, arg))
  }
  return paths
}
