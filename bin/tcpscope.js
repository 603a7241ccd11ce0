#!/usr/bin/env node
// The CLI entry: runs the built engine in plain Node, no Electron.
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const built = join(__dirname, '..', 'out', 'cli', 'index.cjs')
if (!existsSync(built)) {
  process.stderr.write('tcpscope: the CLI is not built yet; run `npm run build` (or `npm run build:cli`) first\n')
  process.exit(2)
}
// V8's compile cache (Node 22.1+): later runs load the bundle's code already compiled. It goes
// in the user's cache folder, not the temp folder Node would pick, where tcpscope leaves
// nothing behind; NODE_COMPILE_CACHE, when set, is Node's to follow. The CLI turns it on
// itself, once it has set its V8 flags (cli/compile-cache.ts says why).
const compileCache = process.env.NODE_COMPILE_CACHE
  ? undefined
  : join(process.env.XDG_CACHE_HOME || join(require('node:os').homedir(), '.cache'), 'tcpscope', 'node-compile-cache')
// Node exits with 0 when nothing is left running, even while a command still waits for
// something that can no longer come: that would look like success with the output cut short
// (a capture writer once waited forever on close). Say so, and fail, instead.
let finished = false
process.on('exit', (code) => {
  // An explicit process.exit (a second Ctrl-C, `run` passing on a signal) keeps its code.
  if (finished || code !== 0) return
  process.stderr.write('tcpscope: stopped before the command finished: it waited for something that could not come (a bug in tcpscope; please report it with the command)\n')
  process.exitCode = 70
})
require(built).main(process.argv.slice(2), undefined, { compileCache }).then(
  (code) => { finished = true; if (typeof code === 'number') process.exitCode = code },
  (err) => { finished = true; process.stderr.write(`tcpscope: ${err && err.message ? err.message : err}\n`); process.exitCode = 1 }
)
