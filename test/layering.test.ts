// The layering eslint.config.mjs enforces, checked by linting one import as if it were in
// each folder: who may import whom, and who may load electron or Node.
import { ESLint } from 'eslint'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '..')
const eslint = new ESLint({ cwd: root })

/** Whether `import ... from spec` is allowed in a (made-up) file at `path`, from the repo root. */
async function mayImport(path: string, spec: string): Promise<boolean> {
  const code = `import * as m from '${spec}'\nexport const x = m\n`
  const [result] = await eslint.lintText(code, { filePath: join(root, path) })
  const refusals = result.messages.filter((m) => m.ruleId === 'no-restricted-imports')
  const other = result.messages.filter((m) => m.ruleId !== 'no-restricted-imports')
  expect(other).toEqual([])
  return refusals.length === 0
}

// [file, import, allowed]
const cases: Array<[string, string, boolean]> = [
  // The engine knows none of its front ends, and no Electron.
  ['src/core/capture/x.ts', '../../shared/capture-types', true],
  ['src/core/capture/x.ts', 'node:fs', true],
  ['src/core/capture/x.ts', 'electron', false],
  ['src/core/capture/x.ts', '../../cli/args', false],
  ['src/core/x.ts', '../main/window', false],
  ['src/core/x.ts', '../renderer/src/App.vue', false],
  ['src/core/x.ts', '../preload/bridge', false],
  // The Electron shell uses electron, Node and the engine; not the UI or the CLI.
  ['src/main/x.ts', 'electron', true],
  ['src/main/x.ts', 'node:path', true],
  ['src/main/x.ts', '../core/engine', true],
  ['src/main/x.ts', '../shared/contract', true],
  ['src/main/x.ts', '../renderer/src/transport', false],
  ['src/main/x.ts', '../cli/args', false],
  // The CLI stays off Electron and the shell.
  ['src/cli/x.ts', '../core/engine', true],
  ['src/cli/x.ts', 'electron', false],
  ['src/cli/x.ts', '../main/window', false]
]

describe('layering', () => {
  it.each(cases)('%s importing %s: allowed %s', async (path, spec, allowed) => {
    expect(await mayImport(path, spec)).toBe(allowed)
  })
})
