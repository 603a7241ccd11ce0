// The layering eslint.config.mjs enforces (an allow-list per folder, eslint-rules/layering.mjs),
// checked by linting made-up files in each folder of src/: who may import whom, and who may
// load electron or Node, whatever the form of the import (static, type-only, re-export,
// dynamic import(), require) and however the path is spelled (an alias, a climb out of the
// folder).
import { ESLint } from 'eslint'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '..')
const eslint = new ESLint({ cwd: root })

/** The layering refusals (and the rules that guard src/shared's globals) for `code` in a file at `path`. */
async function refusals(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) })
  const ours = ['layering/imports', 'no-restricted-globals']
  const other = result.messages.filter((m) => !ours.includes(m.ruleId ?? ''))
  expect(other).toEqual([])
  return result.messages.filter((m) => ours.includes(m.ruleId ?? '')).map((m) => m.message)
}

/** Whether `import ... from spec` is allowed in a (made-up) file at `path`, from the repo root. */
const mayImport = async (path: string, spec: string): Promise<boolean> => (await refusals(path, `import * as m from '${spec}'\nexport const x = m\n`)).length === 0

// [file, import, allowed]
const cases: Array<[string, string, boolean]> = [
  // The contract is pure TypeScript: no Node, DOM, Electron, or any other folder.
  ['src/shared/x.ts', './errors', true],
  ['src/shared/payload/x.ts', '../errors', true],
  ['src/shared/x.ts', 'node:fs', false],
  ['src/shared/x.ts', 'fs', false],
  ['src/shared/x.ts', 'electron', false],
  ['src/shared/x.ts', 'ws', false],
  ['src/shared/x.ts', '../core/engine', false],
  ['src/shared/x.ts', '../renderer/src/transport', false],
  // The engine knows none of its front ends, and no Electron.
  ['src/core/capture/x.ts', '../../shared/capture-types', true],
  ['src/core/capture/x.ts', 'node:fs', true],
  ['src/core/capture/x.ts', 'ws', true],
  ['src/core/capture/x.ts', 'electron', false],
  ['src/core/capture/x.ts', '../../cli/args', false],
  ['src/core/x.ts', '../main/window', false],
  ['src/core/x.ts', '../renderer/src/App.vue', false],
  ['src/core/x.ts', '../preload/bridge', false],
  // The decoders are a stricter sub-layer of the engine: Uint8Array, no Node, no packages,
  // nothing of the engine outside them; the engine may use them.
  ['src/core/protocols/http1/x.ts', '../stream-decoder', true],
  ['src/core/protocols/x.ts', '../../shared/protocol-types', true],
  ['src/core/protocols/http1/x.ts', 'node:zlib', false],
  ['src/core/protocols/x.ts', 'buffer', false],
  ['src/core/protocols/x.ts', 'ws', false],
  ['src/core/protocols/x.ts', '../net/addresses', false],
  ['src/core/http/x.ts', '../protocols/http1/message-reader', true],
  // The capture store is beneath the rest of the engine: decoding may use it, never the reverse.
  ['src/core/capture/x.ts', '../files/file-target', true],
  ['src/core/files/x.ts', '../capture/format/capture-format', true],
  ['src/core/files/x.ts', '../capture/write/live-capture', false],
  ['src/core/files/x.ts', '../proxy/proxy', false],
  ['src/core/capture/query/x.ts', '../../regex/user-regex', true],
  ['src/core/capture/query/x.ts', '../../../shared/errors', true],
  ['src/core/capture/query/x.ts', 'node:fs', true],
  ['src/core/capture/format/x.ts', 'electron', false],
  ['src/core/capture/query/x.ts', '../../decode/exchange-words', false],
  ['src/core/capture/x.ts', '../decode/decoding', false],
  ['src/core/capture/write/x.ts', '../../proxy/proxy', false],
  ['src/core/capture/x.ts', '../engine', false],
  ['src/core/decode/x.ts', '../capture/query/capture-queries', true],
  // Its rooms, from the bottom up: format <- read <- query <- write; the top puts them together.
  ['src/core/capture/format/x.ts', './capture-format', true],
  ['src/core/capture/format/x.ts', '../read/capture-reader', false],
  ['src/core/capture/format/x.ts', '../query/capture-index', false],
  ['src/core/capture/read/x.ts', '../format/index-codec', true],
  ['src/core/capture/read/x.ts', '../query/capture-index', false],
  ['src/core/capture/read/x.ts', '../write/capture-lock', false],
  ['src/core/capture/read/x.ts', '../open-captures', false],
  ['src/core/capture/read/x.ts', '../../capture/query/capture-index', false],
  ['src/core/capture/query/x.ts', '../read/capture-reader', true],
  ['src/core/capture/query/x.ts', '../format/capture-format', true],
  ['src/core/capture/query/x.ts', '../write/live-capture', false],
  ['src/core/capture/write/x.ts', '../query/capture-index', true],
  ['src/core/capture/write/x.ts', '../read/capture-snapshot', true],
  ['src/core/capture/write/x.ts', '../../files/replace-file', true],
  ['src/core/capture/write/x.ts', '../file-capture', false],
  ['src/core/capture/x.ts', './write/capture-lock', true],
  ['src/core/capture/x.ts', './read/stored-index', true],
  // A path that climbs out of src/ and back in lands where it lands.
  ['src/core/x.ts', '../../src/cli/args', false],
  ['src/core/x.ts', '../../package.json', false],
  // The Electron shell uses electron, Node and the engine; not the UI or the CLI.
  ['src/main/x.ts', 'electron', true],
  ['src/main/x.ts', 'node:path', true],
  ['src/main/x.ts', '../core/engine', true],
  ['src/main/x.ts', '../shared/contract', true],
  ['src/main/x.ts', '../renderer/src/transport', false],
  ['src/main/x.ts', '../cli/args', false],
  ['src/main/x.ts', '../preload/bridge', false],
  // The sandboxed preload: electron, the few built-ins Electron gives it, the contract.
  ['src/preload/x.ts', 'electron', true],
  ['src/preload/x.ts', 'events', true],
  ['src/preload/x.ts', 'node:url', true],
  ['src/preload/x.ts', '../shared/contract', true],
  ['src/preload/x.ts', 'node:fs', false],
  ['src/preload/x.ts', 'ws', false],
  ['src/preload/x.ts', '../core/engine', false],
  ['src/preload/x.ts', '../renderer/src/transport', false],
  // The page: the contract, its own modules and packages; no Node, Electron or engine.
  ['src/renderer/src/app/x.ts', '../../../shared/contract', true],
  ['src/renderer/src/app/x.ts', './engine-store', true],
  ['src/renderer/src/app/x.ts', '@renderer/platform/engine-store', true],
  ['src/renderer/src/features/x/x.ts', '../../app/App.vue', false],
  ['src/renderer/src/features/x/x.ts', '@renderer/app/useShortcuts', false],
  ['src/renderer/src/platform/x.ts', '../app/App.vue', false],
  ['src/renderer/src/platform/x.ts', '../features/connections/connections-store', false],
  ['src/renderer/src/platform/x.ts', '../ui/dialog/PanelDialog.vue', false],
  ['src/renderer/src/platform/i18n/x.ts', '../../../../shared/errors', true],
  ['src/renderer/src/app/x.ts', 'vue', true],
  ['src/renderer/src/app/x.ts', '@tanstack/vue-virtual', true],
  ['src/renderer/src/app/x.ts', 'node:fs', false],
  ['src/renderer/src/app/x.ts', 'path', false],
  ['src/renderer/src/app/x.ts', 'fs/promises', false],
  ['src/renderer/src/app/x.ts', 'electron', false],
  ['src/renderer/src/app/x.ts', '../../../core/engine', false],
  ['src/renderer/src/app/x.ts', '../../../main/window', false],
  ['src/renderer/src/app/x.ts', '../../../preload/bridge', false],
  // Aliases: one that climbs out of the page into the engine, and one the build does not define.
  ['src/renderer/src/app/x.ts', '@renderer/../../../core/engine', false],
  ['src/renderer/src/app/x.ts', '@/core/engine', false],
  ['src/renderer/src/app/x.ts', '~/core/engine', false],
  // The page's generic widgets know none of its features and not its shell; both use them.
  ['src/renderer/src/ui/list/x.ts', '../grid/useGridRows', true],
  ['src/renderer/src/ui/x.ts', '../../../shared/capture-types', true],
  ['src/renderer/src/ui/x.ts', 'vue', true],
  ['src/renderer/src/ui/x.ts', '../features/connections/selection-store', false],
  ['src/renderer/src/ui/form/x.ts', '@renderer/platform/engine-store', false],
  ['src/renderer/src/ui/x.ts', 'node:fs', false],
  ['src/renderer/src/features/x/x.ts', '../../ui/list/list-keys', true],
  ['src/renderer/src/features/x/x.ts', '../../platform/engine-store', true],
  // The CLI stays off Electron, the shell and the page; it reads its own version.
  ['src/cli/x.ts', '../core/engine', true],
  ['src/cli/x.ts', 'node:stream', true],
  ['src/cli/x.ts', '../../package.json', true],
  ['src/cli/x.ts', 'electron', false],
  ['src/cli/x.ts', '../main/window', false],
  ['src/cli/x.ts', '../renderer/src/transport', false],
  ['src/cli/x.ts', '../preload/bridge', false]
]

describe('layering', () => {
  it.each(cases)('%s importing %s: allowed %s', async (path, spec, allowed) => {
    expect(await mayImport(path, spec)).toBe(allowed)
  })

  it('covers every folder of src/', async () => {
    const folders = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
    const checked = new Set(cases.map(([path]) => path.split('/')[1]))
    expect([...checked].sort()).toEqual(folders.sort())
    // A folder with no allow-list is refused whole, whatever it imports.
    expect(await refusals('src/plugins/x.ts', 'export const x = 1\n')).toEqual(['src/plugins is not a known layer; give it its allow-list in eslint-rules/layering.mjs.'])
  })

  it('checks every form of import, not only the static one', async () => {
    const core = 'src/core/x.ts'
    expect(await refusals(core, "export const load = () => import('electron')\n")).toHaveLength(1)
    expect(await refusals(core, 'export const load = () => import(`../main/window`)\n')).toHaveLength(1)
    expect(await refusals(core, "export * from '../cli/args'\n")).toHaveLength(1)
    expect(await refusals(core, "export { runWeb } from '../cli/commands/web'\n")).toHaveLength(1)
    expect(await refusals(core, "import type { Io } from '../cli/output'\nexport type X = Io\n")).toHaveLength(1)
    expect(await refusals(core, "export type X = import('../renderer/src/transport').Transport\n")).toHaveLength(1)
    expect(await refusals(core, 'export const load = (name: string) => import(`./${name}`)\n')).toEqual([
      'A module named by a computed expression cannot be checked against the layering; name it with a string.'
    ])
    expect(await refusals('src/renderer/src/x.ts', "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const fs = require('fs')\n")).toHaveLength(1)
    // The dynamic form of an allowed import is allowed.
    expect(await refusals(core, "export const load = () => import('node:fs')\n")).toEqual([])
  })

  it("the page may take the preload bridge's type, not its code", async () => {
    const page = 'src/renderer/src/app/x.ts'
    expect(await refusals(page, "import type { TcpscopeBridge } from '../../../preload/bridge'\nexport type B = TcpscopeBridge\n")).toEqual([])
    expect(await refusals(page, "import { type TcpscopeBridge } from '../../../preload/bridge'\nexport type B = TcpscopeBridge\n")).toEqual([])
    expect(await refusals(page, "import { exposeBridge } from '../../../preload/bridge'\nexport const b = exposeBridge\n")).toEqual([
      expect.stringContaining("'../../../preload/bridge' reaches into src/preload for code (only its types may be imported)")
    ])
  })

  it('a refusal says which layer refused and why', async () => {
    expect(await refusals('src/shared/x.ts', "import { readFile } from 'node:fs'\nexport const r = readFile\n")).toEqual([
      "src/shared is the contract, pure TypeScript for every runtime (no Node, DOM or Electron); 'node:fs' is Node's fs, which src/shared may not load."
    ])
  })

  it("a room of the capture store names the room it may not use, for types too", async () => {
    const read = 'src/core/capture/read/x.ts'
    expect(await refusals(read, "import type { CaptureIndex } from '../query/capture-index'\nexport type I = CaptureIndex\n")).toEqual([
      "src/core/capture/read reads a capture file through its index: of the capture store it uses only format; '../query/capture-index' reaches into src/core/capture/query."
    ])
    expect(await refusals('src/core/capture/query/x.ts', "export { exchangeWord } from '../../decode/exchange-words'\n")).toEqual([
      expect.stringContaining("'../../decode/exchange-words' reaches into src/core/decode.")
    ])
  })

  it('the decoders use no Node globals either', async () => {
    expect(await refusals('src/core/protocols/http1/x.ts', "export const b = Buffer.from('x')\n")).toHaveLength(1)
    expect(await refusals('src/core/protocols/x.ts', 'export const e = process.env\n')).toHaveLength(1)
    expect(await refusals('src/core/protocols/x.ts', "import { inflateRawSync } from 'node:zlib'\nexport const i = inflateRawSync\n")).toEqual([
      "src/core/protocols are decoders over Uint8Array, runnable anywhere (a worker, the page): no Node, I/O or packages; 'node:zlib' is Node's zlib, which src/core/protocols may not load."
    ])
  })

  it('src/shared uses no Node or DOM globals', async () => {
    expect(await refusals('src/shared/x.ts', 'export const home = process.env.HOME\n')).toHaveLength(1)
    expect(await refusals('src/shared/x.ts', "export const b = Buffer.from('x')\n")).toHaveLength(1)
    expect(await refusals('src/shared/x.ts', 'export const w = window.innerWidth\n')).toHaveLength(1)
    expect(await refusals('src/shared/x.ts', 'export const d = document.title\n')).toHaveLength(1)
    // What every runtime has is fine.
    expect(await refusals('src/shared/x.ts', "export const bytes = new TextEncoder().encode('x')\n")).toEqual([])
  })
})
