#!/usr/bin/env node
// One cold decoding of a capture in a process of its own (bench/decode.mjs's engine part):
// capture.open, then exchange.page until its scan is done, with nothing of the bench in the
// process and every compilation still to do, beside the bench's own first decoding in a
// process that has recorded and checked the file's exchanges. Both read the file from the
// disk: the proxy writes captures with O_DIRECT, and decoding reads its big windows so.
//   node bench/decode-fresh.mjs FILE   (prints one JSON line)
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeThroughEngine } from './lib/engine-decode.mjs'

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
  const read0 = { ...I.readStats }
  const { openMs, decodeMs, exchanges } = await decodeThroughEngine(engine, file)
  console.log(JSON.stringify({ openMs, decodeMs, exchanges, bytesRead: I.readStats.bytes - read0.bytes, directRead: I.readStats.direct - read0.direct }))
} finally {
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
}
