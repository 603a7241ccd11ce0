// The CLI keeps V8's young generation at its first size (v8-flags.ts): a process that loads
// the built engine as the CLI does (its chunk loads the entry's first), starts it, then
// allocates as forwarding does (small objects, each living a moment) keeps a new space of
// 2 MiB, where a bare Node process doing the same lets it grow to 8 MiB or more (resident
// memory that bought nothing). Run in child processes: the flag is the process's, and the
// test runner's own heap has grown long before.
import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const BUILT = resolve(__dirname, '../../out/cli')
const MiB = 1024 * 1024

/** The child: starts the built engine (or not), allocates 200 MiB of objects that survive a few scavenges each, and prints its new space's size. */
const CHILD = `
const { getHeapSpaceStatistics } = require('node:v8')
const { join } = require('node:path')
const [, built, capture, engine] = process.argv
;(async () => {
  const run = engine === 'yes' ? await require(join(built, 'engine-run.cjs')).startEngine({ capture, force: true, liveDecoding: false }) : undefined
  const window = new Array(20000)
  for (let i = 0; i < 2000000; i++) window[i % window.length] = { i, text: 'x'.repeat(16) + i, list: [i, i + 1, i + 2] }
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
  process.stdout.write(String(newSpace.space_size))
  await run?.finish()
})()
`

async function newSpaceAfterLoad(engine: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-v8-'))
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD, BUILT, join(dir, 'c.tcap'), engine ? 'yes' : 'no'], { timeout: 60_000 })
    return Number(stdout)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("V8's young generation", () => {
  it("stays at its first size in the CLI's engine, where it grows in a bare process", async () => {
    const [bare, engine] = await Promise.all([newSpaceAfterLoad(false), newSpaceAfterLoad(true)])
    expect(bare).toBeGreaterThanOrEqual(8 * MiB)
    expect(engine).toBeLessThanOrEqual(2 * MiB)
  })
})
