// The CLI keeps V8's young generation small only in the commands that forward traffic for as
// long as they run (cli/index.ts, FORWARDING_COMMANDS; v8-flags.ts says why): a new space of
// 2 MiB, set before the command's module loads the engine, where a process left to V8 grows it
// to 8 MiB or more. A command that reads a capture and ends allocates far faster, and with a
// 1 MiB semi-space `export --format har` of 100,000 exchanges spent a fifth of its time in
// scavenges: those are left to V8. Each command runs in a process of its own (V8's flags are
// the process's, and the test runner's heap has grown long before), over the built CLI (its
// --help loads the command's module), then makes garbage; what its young generation grew to
// tells which it got.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { COMMAND_LOADERS, FORWARDING_COMMANDS } from '../../src/cli/index'

const INDEX = resolve(__dirname, '../../out/cli/index.cjs')

const SCRIPT = `
const v8 = require('node:v8')
require(${JSON.stringify(INDEX)}).main(process.argv.slice(1)).then(() => {
  let keep = []
  for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 2000) keep = [] }
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
  process.stderr.write('new_space ' + space.space_size + '\\n')
})
`

/** The young generation's size (bytes) after `tcpscope ARGS` and a reader's garbage. */
function youngAfter(args: string[]): number {
  const r = spawnSync(process.execPath, ['-e', SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 })
  const m = /new_space (\d+)/.exec(r.stderr)
  if (!m) throw new Error(`no size reported (exit ${r.status}): ${r.stderr}`)
  return Number(m[1])
}

const MiB = 1024 * 1024

describe("the CLI's young generation", () => {
  it('stays at its first size in every command that forwards', () => {
    for (const cmd of FORWARDING_COMMANDS) {
      expect(Object.keys(COMMAND_LOADERS), cmd).toContain(cmd)
      expect(youngAfter([cmd, '--help']), cmd).toBeLessThanOrEqual(2 * MiB)
    }
  })

  it('grows as V8 grows it in commands that read a capture and end', () => {
    for (const cmd of ['show', 'export', 'ls']) expect(youngAfter([cmd, '--help'])).toBeGreaterThanOrEqual(8 * MiB)
  })
})
