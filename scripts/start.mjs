// `npm start`: the desktop app. Electron 45 has no postinstall, so its binary may not be
// downloaded yet: then it is installed here, once, with a time limit. Only where that cannot
// happen (ELECTRON_SKIP_BINARY_DOWNLOAD is set, the download fails or takes too long) does the
// same UI open in a browser through web mode, with one line saying why, so the first command
// of the README always opens the app.
//
// Tests replace the slow or heavy steps through the environment:
//   TCPSCOPE_ELECTRON_INSTALLER     a Node script run instead of electron's install.js
//   TCPSCOPE_ELECTRON_LAUNCHER      a Node script run instead of electron-vite (given `preview ...`)
//   TCPSCOPE_ELECTRON_INSTALL_TIMEOUT_S  the install's time limit, in seconds (default 300)
//   TCPSCOPE_SKIP_BUILD=1           web mode uses the build already in out/
// ELECTRON_OVERRIDE_DIST_PATH, Electron's own, says where the binary is, as require('electron') reads it.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const env = process.env
const args = process.argv.slice(2)
/** Where the electron package is; undefined where it is not installed (npm ci --omit=dev). */
const electronDir = (() => {
  try {
    return dirname(require.resolve('electron/package.json'))
  } catch {
    return undefined
  }
})()
const installTimeoutS = Number(env.TCPSCOPE_ELECTRON_INSTALL_TIMEOUT_S) > 0 ? Number(env.TCPSCOPE_ELECTRON_INSTALL_TIMEOUT_S) : 300

/** Where require('electron') would find the binary (path.txt names it inside dist/), if it is there. */
function electronBinary() {
  if (!electronDir) return undefined
  let rel
  try {
    rel = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim()
  } catch {
    rel = undefined
  }
  const bin = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron') : rel && join(electronDir, 'dist', rel)
  return bin && existsSync(bin) ? bin : undefined
}

/**
 * Downloads the binary with Electron's own installer (as `npx install-electron` does).
 * Returns undefined when it is installed, or why not, in a few words.
 */
function installElectron() {
  const installer = env.TCPSCOPE_ELECTRON_INSTALLER || join(electronDir, 'install.js')
  process.stderr.write(`tcpscope: Electron's binary is not downloaded yet; downloading it now (once; up to ${installTimeoutS} s)...\n`)
  // Its output is kept: on failure it prints a stack trace, of which one line says enough.
  const r = spawnSync(process.execPath, [installer], { cwd: root, encoding: 'utf8', timeout: installTimeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 })
  if (r.error?.code === 'ETIMEDOUT') return `the download took longer than ${installTimeoutS} s`
  if (r.error) return `its installer did not run (${r.error.message})`
  if (r.status === 0) return undefined
  const said = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('at '))
  return said ? said.slice(0, 200) : `its installer exited with ${r.status ?? r.signal}`
}

const run = (cmd, argv) => spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1

/** Runs the app to its end, passing on SIGINT and SIGTERM so that it stops as it should (web mode completes its capture). */
function launch(argv) {
  const child = spawn(process.execPath, argv, { cwd: root, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('error', (err) => {
    process.stderr.write(`tcpscope: could not start ${argv[0]}: ${err.message}\n`)
    process.exitCode = 1
  })
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 : 1)
    process.exit()
  })
}

/** Why the app cannot open in Electron here, or undefined when it can. */
function whyNotElectron() {
  if (electronBinary()) return undefined
  if (!electronDir) return 'the electron package is not installed; run npm ci'
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so its binary is not downloaded'
  const failed = installElectron()
  return failed && `its binary could not be downloaded: ${failed}`
}

const why = whyNotElectron()
if (why === undefined) {
  const launcher = env.TCPSCOPE_ELECTRON_LAUNCHER || join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
  launch([launcher, 'preview', ...args])
} else {
  process.stderr.write(`tcpscope: no Electron (${why}); the app opens in your browser instead (web mode): open the URL below\n`)
  const built = env.TCPSCOPE_SKIP_BUILD === '1' ? 0 : run('npm', ['run', 'build', '--silent'])
  if (built !== 0) process.exitCode = built
  else launch([join(root, 'bin', 'tcpscope.js'), 'web', ...args])
}
