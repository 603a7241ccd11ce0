// The decode worker's entry (built beside the CLI and Electron's main bundle): hosts the
// decoders of every capture so their CPU stays off the thread that forwards bytes.

import { parentPort } from 'node:worker_threads'
import { DecoderSet } from './decoder-set'
import type { FeedOp, FeedOptions } from './decoder-host'

interface Request {
  id: number
  key: number
  drop?: boolean
  ops?: FeedOp[]
  bytes?: Uint8Array
  opts?: FeedOptions
}

const set = new DecoderSet()
parentPort?.on('message', (m: Request) => {
  if (m.drop) return set.drop(m.key)
  const result = set.feed(m.key, m.ops ?? [], m.bytes ?? new Uint8Array(0), m.opts)
  parentPort?.postMessage({ id: m.id, result })
})
