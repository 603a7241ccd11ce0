// A process of its own for zlib-guard.test.ts (what it tests can abort a process): 40 threads
// that loop making zlib handles, each ended by terminateSafely a few ms in. `node FILE guarded|bare`.
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'

const guardModule = fileURLToPath(new URL('../../../../src/core/rules/script/zlib-guard.ts', import.meta.url))
const { terminateSafely, ZLIB_GUARD_BYTES } = await import(guardModule)
const guarded = process.argv[2] === 'guarded'
for (let i = 0; i < 40; i++) {
  const guard = new SharedArrayBuffer(ZLIB_GUARD_BYTES)
  const worker = new Worker(new URL('./zlib-guard-worker.mjs', import.meta.url), { workerData: { guard, guarded, guardModule } })
  await new Promise((resolve) => worker.once('message', resolve))
  await new Promise((resolve) => setTimeout(resolve, 5 + (i % 5) * 5))
  await terminateSafely(worker, guard)
}
console.log('ended 40 threads')
