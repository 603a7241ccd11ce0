// Builds the CLI once before the suite, so CLI tests run the real `tcpscope` in plain Node.
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

export default function setup(): void {
  const root = resolve(__dirname, '..')
  execFileSync(process.execPath, [resolve(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'error'], {
    cwd: root,
    stdio: 'inherit'
  })
}
