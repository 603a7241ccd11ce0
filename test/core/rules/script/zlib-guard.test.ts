// A script's thread is ended (terminate()) whenever a call runs past its budget, whatever it
// is doing. Ended between node:zlib making a handle and initialising it, it left a handle
// whose clean-up aborted the whole process ("close before init"). zlib-guard.ts marks those
// two steps; the engine ends a thread only outside them. Run in a process of its own, which
// the bug would abort: 40 threads looping on inflateSync, each ended a few ms in.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CHILD = join(__dirname, 'zlib-guard-child.mjs')
// The child loads the guard from its TypeScript source, as Node 22.18 on can.
const stripsTypes = (process.features as { typescript?: unknown }).typescript !== undefined && (process.features as { typescript?: unknown }).typescript !== false

describe.runIf(stripsTypes)('the zlib guard of a script\'s thread', () => {
  it('ends 40 threads looping on inflateSync, each a few ms in, and the process lives (unguarded, Node 20 and 22 aborted within 2 to 17)', () => {
    const run = spawnSync(process.execPath, [CHILD, 'guarded'], { encoding: 'utf8', timeout: 60_000 })
    expect(run.stderr).not.toContain('close before init')
    expect(run.status).toBe(0)
    expect(run.stdout.trim()).toBe('ended 40 threads')
  })
})
