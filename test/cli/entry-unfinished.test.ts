// bin/tcpscope.js, the CLI's entry: a command whose promise never settles, once nothing is
// left running, used to end the process with 0 (Node's exit code when its loop runs dry),
// its output cut short and nothing said; `tcpscope proxy` did so when its capture writer
// waited forever on close. The entry runs here over stand-in bundles, next to it as it expects.
import { afterEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI } from '../helpers/cli'
import { tempDir } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

/** The entry, over an out/cli/index.cjs whose main is `main`. */
function entryOver(main: string): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  mkdirSync(join(dir, 'bin'))
  mkdirSync(join(dir, 'out', 'cli'), { recursive: true })
  copyFileSync(CLI, join(dir, 'bin', 'tcpscope.js'))
  writeFileSync(join(dir, 'out', 'cli', 'index.cjs'), `exports.main = ${main}\n`)
  return join(dir, 'bin', 'tcpscope.js')
}

const run = (entry: string) => spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 20_000 })

describe('the CLI entry', () => {
  it('fails with 70 and one line when the command stops before it finished', () => {
    const r = run(entryOver('() => new Promise(() => {})'))
    expect(r.status).toBe(70)
    expect(r.stderr).toBe('tcpscope: stopped before the command finished: it waited for something that could not come (a bug in tcpscope; please report it with the command)\n')
  })

  it('keeps a finished command\'s exit code, and an explicit exit\'s', () => {
    expect(run(entryOver('async () => 0')).status).toBe(0)
    expect(run(entryOver('async () => 5')).status).toBe(5)
    const exited = run(entryOver('() => new Promise(() => setImmediate(() => process.exit(143)))'))
    expect(exited.status).toBe(143)
    expect(exited.stderr).toBe('')
  })
})
