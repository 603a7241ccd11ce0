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

describe('layering', () => {
  it('keeps the engine free of its front ends and of Electron', async () => {
    expect(await mayImport('src/core/capture/x.ts', '../../shared/capture-types')).toBe(true)
    expect(await mayImport('src/core/capture/x.ts', 'node:fs')).toBe(true)
    expect(await mayImport('src/core/capture/x.ts', 'electron')).toBe(false)
    expect(await mayImport('src/core/capture/x.ts', '../../cli/args')).toBe(false)
    expect(await mayImport('src/core/x.ts', '../main/window')).toBe(false)
    expect(await mayImport('src/core/x.ts', '../renderer/src/App.vue')).toBe(false)
    expect(await mayImport('src/core/x.ts', '../preload/bridge')).toBe(false)
  })

  it('lets the Electron shell use electron, Node and the engine, not the UI or the CLI', async () => {
    expect(await mayImport('src/main/x.ts', 'electron')).toBe(true)
    expect(await mayImport('src/main/x.ts', 'node:path')).toBe(true)
    expect(await mayImport('src/main/x.ts', '../core/engine')).toBe(true)
    expect(await mayImport('src/main/x.ts', '../shared/contract')).toBe(true)
    expect(await mayImport('src/main/x.ts', '../renderer/src/transport')).toBe(false)
    expect(await mayImport('src/main/x.ts', '../cli/args')).toBe(false)
  })

  it('keeps the CLI off Electron and the shell', async () => {
    expect(await mayImport('src/cli/x.ts', '../core/engine')).toBe(true)
    expect(await mayImport('src/cli/x.ts', 'electron')).toBe(false)
    expect(await mayImport('src/cli/x.ts', '../main/window')).toBe(false)
  })
})
