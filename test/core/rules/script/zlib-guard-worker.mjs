// A script's thread for zlib-guard.test.ts: guarded (or not, as asked), then inflating in a loop until it is ended.
import { parentPort, workerData } from 'node:worker_threads'
import { deflateSync, inflateSync } from 'node:zlib'

const { guardZlib } = await import(workerData.guardModule)
if (workerData.guarded) guardZlib(workerData.guard)
const d = deflateSync(Buffer.alloc(1000))
parentPort.postMessage('looping')
for (;;) inflateSync(d)
