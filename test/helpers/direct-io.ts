// Whether this machine's temp folder takes O_DIRECT reads (Linux, and a file system that
// does): the tests of reads past the page cache need it, and skip (fail under CI) without.
import { randomBytes } from 'node:crypto'
import { open, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DirectReads } from '../../src/core/capture/read/direct-reads'

export async function directReadsIn(dir: string): Promise<boolean> {
  const path = join(dir, `tcpscope-direct-${process.pid}-${randomBytes(4).toString('hex')}`)
  await writeFile(path, randomBytes(8192))
  const fh = await open(path, 'r')
  try {
    const direct = await DirectReads.open(fh.fd)
    if (direct === undefined) return false
    const got = await direct.read(0, 8192)
    direct.close()
    return got !== undefined
  } finally {
    await fh.close()
    await rm(path, { force: true })
  }
}
