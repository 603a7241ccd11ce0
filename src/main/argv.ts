// The capture files named on the app's command line (`tcpscope-app a.tcap b.tcpscope`), from
// a first launch or from a second one handed to the running app. A double-click in a file
// manager arrives this way on Linux and Windows (electron-builder.yml's file associations).

import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A local `file:` URL as a path; a URL of any other kind (or a remote or malformed one) is not a file to open. */
function fileUrlPath(arg: string): string | undefined {
  try {
    return fileURLToPath(arg)
  } catch {
    return undefined
  }
}

/**
 * Paths to open, made absolute against `cwd` (the launching shell's folder, which a second
 * launch reports itself). A packaged app's argv is [app, ...args]; an unpackaged one's is
 * [electron, appPath, ...args]. Switches (Chromium's own among them) are not files; after
 * `--` everything is. The Linux desktop entry passes files as `%U`, and a file manager may
 * fill that with `file:///…` URLs rather than paths.
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
    // A scheme of two letters or more: `C:\…` and `C:/…` stay Windows paths.
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) {
      const path = fileUrlPath(arg)
      if (path !== undefined) paths.push(path)
      continue
    }
    paths.push(isAbsolute(arg) ? arg : resolve(opts.cwd, arg))
  }
  return paths
}
