// V8's compile cache for the CLI's bundles (Node 22.1+; Node 20 has none, and runs as before).
//
// V8 takes a cached compile only from a process whose flags hash the same as those of the
// process that made it, and Node names the cache's folder after that hash when the cache is
// turned on. The forwarding commands set a flag of their own (v8-flags.ts) as they start:
// with the cache turned on before that (it was, in bin/tcpscope.js), a `proxy` refused the
// engine's entries a `show` had written, compiled them again and wrote them back, for the
// next `show` to refuse in turn. Turned on after the flags, each set has a folder of its own.
// Measured on the 2-core machine (Node 22), `show --help` and `proxy --help` taking turns:
// see docs/performance.md.

import * as nodeModule from 'node:module'

/** Node 22's call, which the types of Node 20 (the oldest Node the CLI runs on) do not name. */
const cacheCall = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache

export function enableCompileCache(dir: string | undefined): void {
  if (dir === undefined || typeof cacheCall !== 'function') return
  try {
    cacheCall(dir)
  } catch {
    // A folder that cannot be written only means no cache: the bundles compile as they load.
  }
}
