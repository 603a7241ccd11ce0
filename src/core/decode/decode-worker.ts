// The decode worker's entry (built beside the CLI and Electron's main bundle): hosts the
// decoders of every capture so their CPU stays off the thread that forwards bytes.

import { writeFileSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { ownThreadId } from '../thread-clock'
import { DecoderSet } from './decoder-set'
import { ExchangeBatchWriter } from './exchange-batch'
import { FeedOps } from './feed-ops'
import { packReplies } from './feed-replies'
import { END_WORKER, unpackRequests, type PackedRequests } from './feed-requests'

/**
 * The worker's own thread at the lowest CPU priority (Linux: a thread's id is a pid to
 * setpriority): on a busy machine forwarding gets the CPU first, and decoding, which reads
 * from the capture file, catches up when there is room. Measured on 2 shared cores with wrk
 * through the proxy: at normal priority the worker took about a core's half from forwarding.
 */
function yieldToForwarding(): void {
  const tid = ownThreadId()
  if (tid === undefined) return
  try {
    setPriority(tid, 19)
  } catch {
    // Not Linux, or not allowed: decoding runs at the process's priority.
  }
}

/** Named, so `top -H` and each thread's comm under /proc/PID/task tell the decode workers from Node's own threads. */
function nameThread(): void {
  try {
    writeFileSync('/proc/thread-self/comm', 'tcpscope-decode')
  } catch {
    // Not Linux: the thread keeps its name.
  }
}

yieldToForwarding()
nameThread()
const set = new DecoderSet()
// A message's feeds are answered by one message: their exchanges in one batch of columns,
// moved rather than cloned (feed-replies.ts says why).
parentPort?.on('message', (packed: PackedRequests | typeof END_WORKER) => {
  // Nothing else keeps the thread: closing its port ends it once this turn is over.
  if (packed === END_WORKER) return void parentPort?.close()
  const replies = []
  const batch = new ExchangeBatchWriter()
  for (const m of unpackRequests(packed)) {
    if (m.drop) set.drop(m.key)
    else replies.push({ id: m.id, reply: set.feed(m.key, m.ops ?? new FeedOps(), m.bytes ?? new Uint8Array(0), m.opts, batch, m.last) })
  }
  if (replies.length === 0) return
  const transfer: ArrayBuffer[] = []
  parentPort?.postMessage(packReplies(replies, batch, transfer), transfer)
})
