// Electron's binary, where it is installed. Found the way scripts/start.mjs finds it, not with
// require('electron'): that tries to download the binary when it is missing.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export function electronBinary(): { path: string } | { missing: string } {
  let dir: string
  try {
    dir = dirname(createRequire(__filename).resolve('electron/package.json'))
  } catch {
    return { missing: 'the electron package is not installed' }
  }
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return { missing: `Electron's binary was never downloaded (no ${pathFile}; installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1?)` }
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(bin) ? { path: bin } : { missing: `Electron's binary is not at ${bin}` }
}
