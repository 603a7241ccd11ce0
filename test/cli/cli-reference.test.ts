// docs/cli.md is generated from the command specs (npm run docs:cli): it must match them,
// and every example in it must be a line the command's parser accepts.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { COMMAND_LIST } from '../../src/cli/command-list'
import { COMMAND_LOADERS } from '../../src/cli/index'
import { cliReference } from '../../src/cli/cli-reference'
import { parseCommandArgs } from '../../src/cli/args'
import { parseToxicFlag } from '../../src/cli/toxic-flag'
import { parseBreakFlag } from '../../src/cli/break-flag'

const ROOT = join(__dirname, '..', '..')

/** A shell line's words, for the simple quoting the examples use ('...' and "..."). */
function words(line: string): string[] {
  const out: string[] = []
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g
  let current: string | undefined
  let last = 0
  for (const m of line.matchAll(re)) {
    const glued = m.index === last && current !== undefined
    const w = m[1] ?? m[2] ?? m[3]
    if (glued) out[out.length - 1] += w
    else out.push(w)
    current = w
    last = m.index + m[0].length
  }
  return out
}

describe('the CLI reference (docs/cli.md)', () => {
  it('is what the command specs generate (run `npm run docs:cli` after changing a command)', async () => {
    const committed = await readFile(join(ROOT, 'docs', 'cli.md'), 'utf8')
    expect(committed, 'docs/cli.md is stale: run `npm run docs:cli` and commit it').toBe(cliReference([...COMMAND_LIST]))
  })

  it('runs each command from the module help lists it from, in help\'s order', async () => {
    // index.ts loads one command's module to run it; help loads them all: the two lists are one.
    expect(Object.keys(COMMAND_LOADERS)).toEqual(COMMAND_LIST.map((c) => c.name))
    for (const c of COMMAND_LIST) expect(await COMMAND_LOADERS[c.name](), c.name).toBe(c)
  })

  it('names every command and every option of each', () => {
    const text = cliReference([...COMMAND_LIST])
    for (const c of COMMAND_LIST) {
      expect(text).toContain(`## \`tcpscope ${c.name}\``)
      for (const long of Object.keys(c.options)) expect(text).toContain(`--${long}`)
    }
  })

  for (const c of COMMAND_LIST) {
    it(`${c.name}: has examples, and each parses with the command's own options`, () => {
      expect(c.examples.length).toBeGreaterThan(0)
      for (const e of c.examples) {
        const argv = words(e.line.replace(/^eval "\$\((.*)\)"$/, '$1').replace(/\s*\|.*$/, ''))
        expect(argv.slice(0, 2), e.line).toEqual(['tcpscope', c.name])
        const { values } = parseCommandArgs(c.name, argv.slice(2), c.options as never) as { values: { toxic?: string[]; break?: string[] } }
        // The flags with a syntax of their own are read as the command reads them.
        for (const t of values.toxic ?? []) expect(() => parseToxicFlag(t), e.line).not.toThrow()
        for (const b of values.break ?? []) expect(() => parseBreakFlag(b), e.line).not.toThrow()
      }
    })
  }
})
