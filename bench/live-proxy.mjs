#!/usr/bin/env node
// The decoding bench's proxy under test, in its own process (forked with an IPC channel by
// decode.mjs): the engine as `tcpscope proxy` runs it (live capture, proxy.start), from the
// bench's own bundle (out/bench), so another build of the CLI mid-run cannot pull the files
// from under it, and with a question the CLI cannot answer: how many exchanges live
// decoding has listed, as it stands. TCPSCOPE_DECODE=off in its environment: the baseline.
//   node bench/live-proxy.mjs CAPTURE TARGET      then IPC: {type:'progress'}, {type:'stop'}
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const [capturePath, target] = process.argv.slice(2)
const send = (m) => process.send?.(m)

try {
  const { Engine } = createRequire(import.meta.url)(join(ROOT, 'out', 'bench', 'decode-internals.cjs'))
  const engine = await Engine.create({ capturePath, overwrite: true })
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target })
  const live = engine.captureList()[0].id
  const i = proxy.listen.lastIndexOf(':')
  process.on('message', async (m) => {
    try {
      if (m.type === 'progress') send({ type: 'progress', mode: engine.decoding.mode, ...(engine.decoding.progressNow(live) ?? { exchanges: 0, complete: 0 }) })
      else if (m.type === 'stop') {
        await engine.close()
        send({ type: 'stopped' })
        process.disconnect()
      }
    } catch (err) {
      send({ type: 'error', message: err.message })
    }
  })
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', host: proxy.listen.slice(0, i), port: Number(proxy.listen.slice(i + 1)) })
} catch (err) {
  send({ type: 'fatal', message: err.stack ?? err.message })
  process.exit(1)
}
