// SIGINT or SIGTERM at any moment after start stops the CLI cleanly: a script that waits
// for the `listening` line and signals at once gets a summary, exit 0 and a complete
// capture (its stored index and trailer written), every time.
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliProcess } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { TYPE, walkRecords } from '../helpers/capture-file'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('signals right after the listening line', () => {
  it.each([
    ['proxy', '--json'],
    ['proxy', ''],
    ['serve', '--json'],
    ['serve', '']
  ])('%s %s: 12 of 12 stop cleanly with a complete capture', async (command, flag) => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const outcomes: string[] = []
    for (let i = 0; i < 12; i++) {
      const capture = join(dir, `c${i}.tcap`)
      const args = command === 'proxy' ? ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9'] : ['serve', '--listen', '127.0.0.1:0']
      const cli = new CliProcess([...args, '--capture', capture, ...(flag ? [flag] : [])])
      cleanups.push(() => cli.stop('SIGKILL'))
      await cli.waitLine(() => true)
      const code = await cli.stop(i % 2 === 0 ? 'SIGINT' : 'SIGTERM')
      const last = walkRecords(readFileSync(capture)).at(-1)?.type
      const summary = cli.lines.at(-1) ?? ''
      outcomes.push(`${code} ${last === TYPE.Trailer ? 'complete' : 'cut'} ${/summary|stopped/.test(summary) ? 'summary' : 'no summary'}`)
    }
    expect(outcomes).toEqual(Array(12).fill('0 complete summary'))
  })
})

describe('a second signal while it stops', () => {
  it('exits at once (130) and leaves no temporary capture behind', async () => {
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9'])
    cleanups.push(() => cli.stop('SIGKILL'))
    await cli.waitLine(() => true)
    const pid = cli.child.pid!
    const temporary = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith(`tcpscope-${pid}-`) && f.endsWith('.tcap'))
    expect(temporary()).toHaveLength(1)
    // SIGINT again and again until it is gone: one of them lands while the first one's stop runs.
    const again = setInterval(() => cli.child.kill('SIGINT'), 5)
    cleanups.push(() => clearInterval(again))
    const code = await cli.stop('SIGINT')
    clearInterval(again)
    expect(code).toBe(130)
    expect(temporary()).toEqual([])
  })
})
