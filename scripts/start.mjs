// `npm start`: the desktop app where Electron's binary is installed; elsewhere (installs
// with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on machines that cannot download it) the same
// UI in a browser through web mode, so the first command of the README always opens the app.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const root = join(dirname(new URL(import.meta.url).pathname), '..')

/** Electron's own install writes path.txt beside its package once the binary is there. */
function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'))
    const rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim()
    const bin = join(dir, 'dist', rel)
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1

if (electronBinary()) {
  process.exitCode = run('npx', ['electron-vite', 'preview', ...process.argv.slice(2)])
} else {
  process.stderr.write("tcpscope: Electron's binary is not installed here, so the app opens in your browser instead (web mode); open the URL below\n")
  const built = run('npm', ['run', 'build', '--silent'])
  process.exitCode = built !== 0 ? built : run(process.execPath, [join(root, 'bin', 'tcpscope.js'), 'web', ...process.argv.slice(2)])
}
