// V8's compile cache (Node 22.1+) across the CLI's commands: a forwarding command sets a V8
// flag of its own as it starts (core/v8-flags.ts), and V8 refuses a cached compile made under
// other flags. Each flag set keeps entries of its own, so that commands taking turns (as a
// person's, or the suite's, do) load what the last one of their kind left, rather than
// compiling the engine again and writing it back over the other kind's.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import * as nodeModule from 'node:module'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'

const hasCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function'

/** What Node's debug output says of each cached file, for one command. */
async function cacheLines(args: string[], cacheHome: string): Promise<string[]> {
  const r = await runCli(args, undefined, { XDG_CACHE_HOME: cacheHome, NODE_DEBUG_NATIVE: 'COMPILE_CACHE', NODE_COMPILE_CACHE: '' })
  expect(r.code).toBe(0)
  return r.stderr.split('\n').filter((l) => /^\[compile cache\] cache for .* was (accepted|rejected)/.test(l))
}

describe('the compile cache', () => {
  it.skipIf(!hasCache)('is not refused when a forwarding command and a reading one take turns', async () => {
    const { dir, cleanup } = tempDir('tcpscope-compile-cache-')
    try {
      // Each once, to fill the cache; then in turn, as a suite or a person runs them.
      for (const args of [['show', '--help'], ['proxy', '--help']]) await cacheLines(args, dir)
      const seen: string[] = []
      for (const args of [['show', '--help'], ['proxy', '--help'], ['show', '--help'], ['serve', '--help']]) seen.push(...(await cacheLines(args, dir)))
      expect(seen.filter((l) => l.includes('engine-run.cjs was accepted')).length).toBe(4)
      expect(seen.filter((l) => l.includes('was rejected'))).toEqual([])
      // One folder per flag set, named by Node.
      expect(readdirSync(join(dir, 'tcpscope', 'node-compile-cache'))).toHaveLength(2)
    } finally {
      cleanup()
    }
  })
})
