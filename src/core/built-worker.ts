// Where a worker thread's built script is: beside the engine's bundle (out/cli/*.cjs,
// out/main/*.js), or beside the entry when this code sits in a chunk folder. Run from
// TypeScript source (tests) there is none, unless a test names the built one.

import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** `name.cjs` or `name.js` beside this bundle, if built. */
export function builtWorkerFile(name: string): string | undefined {
  for (const dir of [__dirname, join(__dirname, '..')]) {
    for (const file of [`${name}.cjs`, `${name}.js`]) {
      const path = join(dir, file)
      if (existsSync(path)) return path
    }
  }
  return undefined
}
