// The disk's own limit for a recording proxy: a plain Node process (forked by run.mjs) that
// writes N bytes to a file with fs.writev in 1 MiB batches (16 x 64 KiB buffers, the size of
// socket reads), one batch in flight at a time, then fsyncs. Steps are driven over IPC so the
// parent can read this process's CPU time between them:
//   {cmd:'write', file, bytes} -> {type:'written', ms}
//   {cmd:'fsync'}              -> {type:'synced', ms, size}
//   {cmd:'remove'}             -> {type:'removed'}
import { close, fstat, fsync, open, unlink, writev } from 'node:fs'
import { promisify } from 'node:util'
import { REF, PERIOD } from './lib/pattern.mjs'

const pOpen = promisify(open)
const pWritev = promisify(writev)
const pFsync = promisify(fsync)
const pClose = promisify(close)
const pFstat = promisify(fstat)
const pUnlink = promisify(unlink)

const PIECE = 64 * 1024
const BATCH = 1024 * 1024
// 16 distinct 64 KiB pieces of the bench pattern (the page cache sees real data, not zeros).
const pieces = Array.from({ length: BATCH / PIECE }, (_, i) => REF.subarray((i * PIECE) % PERIOD, (i * PIECE) % PERIOD + PIECE))

let fd = -1
let file = ''
const now = () => performance.now()

async function write(bytes) {
  fd = await pOpen(file, 'w')
  const t0 = now()
  let pos = 0
  while (pos < bytes) {
    const n = Math.min(BATCH, bytes - pos)
    let batch = pieces
    if (n < BATCH) {
      batch = []
      for (let left = n, i = 0; left > 0; left -= PIECE, i++) batch.push(left >= PIECE ? pieces[i] : pieces[i].subarray(0, left))
    }
    const { bytesWritten } = await pWritev(fd, batch, pos)
    if (bytesWritten !== n) throw new Error(`short write: ${bytesWritten} of ${n} bytes at ${pos}`)
    pos += n
  }
  return now() - t0
}

process.on('message', async (m) => {
  try {
    if (m.cmd === 'write') {
      file = m.file
      const ms = await write(m.bytes)
      process.send({ type: 'written', ms })
    } else if (m.cmd === 'fsync') {
      const t0 = now()
      await pFsync(fd)
      const ms = now() - t0
      const { size } = await pFstat(fd)
      await pClose(fd)
      fd = -1
      process.send({ type: 'synced', ms, size })
    } else if (m.cmd === 'remove') {
      await pUnlink(file).catch(() => {})
      process.send({ type: 'removed' })
    }
  } catch (err) {
    process.send({ type: 'error', message: String(err && err.message) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready' })
