#!/usr/bin/env node
// `npm run bench`: every bench, one after another. Options go to run.mjs (the haproxy
// comparison); `--quick` also shortens tls.mjs (TLS -> TLS against haproxy), peers.mjs
// (against mockttp and mitmdump as recording HTTP proxies), decode.mjs and replay.mjs. The
// last part is the proxy with the UI attached in Chromium against without it (ui.mjs --parts
// load).
//   node bench/all.mjs [run.mjs options]
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick') ? ['--quick'] : []
const steps = [
  ['run.mjs', args],
  ['tls.mjs', quick],
  ['peers.mjs', quick],
  ['open-capture.mjs', []],
  ['decode.mjs', quick],
  ['replay.mjs', quick],
  ['ui.mjs', ['--parts', 'load']]
]
for (const [script, opts] of steps) {
  const r = spawnSync(process.execPath, [join(HERE, script), ...opts], { stdio: 'inherit' })
  if (r.status !== 0) {
    process.stderr.write(`bench: ${script} ${r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`}; the benches after it did not run\n`)
    process.exit(r.status ?? 1)
  }
}
