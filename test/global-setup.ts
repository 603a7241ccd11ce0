// Builds the CLI and the renderer once before the suite: CLI tests run the real `tcpscope`
// in plain Node, and web mode serves the real built page to Chromium.
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

export default function setup(): void {
  const root = resolve(__dirname, '..')
  const run = (script: string, args: string[]): void => {
    execFileSync(process.execPath, [resolve(root, script), ...args], { cwd: root, stdio: 'inherit' })
  }
  run('node_modules/vite/bin/vite.js', ['build', '--config', 'vite.cli.config.ts', '--logLevel', 'error'])
  run('node_modules/vite/bin/vite.js', ['build', '--config', 'vite.renderer.config.ts', '--logLevel', 'error'])
}
