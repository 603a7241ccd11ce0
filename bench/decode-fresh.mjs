#!/usr/bin/env node
// One cold decoding of a capture in a process of its own (bench/decode.mjs's engine part):
// capture.open, then exchange.page until its scan is done, with nothing of the bench in the
// process and every compilation still to do. The bench runs it once the file is in the page
// cache, beside its own first decoding, which reads the file from the disk (the proxy writes
// captures with O_DIRECT): the two apart tell the disk's part from the CPU's.
//   node bench/decode-fresh.mjs FILE   (prints one JSON line)
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const file = process.argv[2]
if (!file) {
  console.error('usage: node bench/decode-fresh.mjs FILE')
  process.exit(2)
}
const I = createRequire(import.meta.url)(join(ROOT, 'out', 'bench', 'decode-internals.cjs'))
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-decode-fresh-'))
const engine = await I.Engine.create({ capturePath: join(dir, 'engine-live.tcap') })
try {
  const t0 = performance.now()
  const info = await engine['capture.open']({ path: file })
  const t1 = performance.now()
  let page
  do page = await engine['exchange.page']({ capture: info.id, offset: 0, limit: 100 })
  while (page.scan)
  const t2 = performance.now()
  console.log(JSON.stringify({ openMs: t1 - t0, decodeMs: t2 - t1, exchanges: page.of }))
} finally {
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
}
