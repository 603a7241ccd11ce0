// An export kept for a front end: a temporary file read in pieces through Downloads, and
// removed when the download ends or nobody reads it for a while.
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { Downloads } from '../../../src/core/downloads'
import { createTempExport, tempDownload } from '../../../src/core/export/temp-export'
import { waitFor } from '../../helpers/net'

async function tempWith(bytes: Buffer): Promise<Awaited<ReturnType<typeof createTempExport>>> {
  const temp = await createTempExport('x.har')
  await temp.file.write(bytes, 0, bytes.length, 0)
  return temp
}

describe('exports as downloads', () => {
  it('reads the file in pieces and removes it when the download ends', async () => {
    const downloads = new Downloads()
    const bytes = Buffer.from('0123456789')
    const temp = await tempWith(bytes)
    const id = downloads.keep(tempDownload(temp, 'x.har', bytes.length))
    expect(Buffer.from(await downloads.read(id, 0, 4))).toEqual(bytes.subarray(0, 4))
    expect(Buffer.from(await downloads.read(id, 4, 100))).toEqual(bytes.subarray(4))
    // Not a capture copy: ending it marks nothing saved.
    expect(downloads.end(id)).toBeUndefined()
    await waitFor(() => !existsSync(dirname(temp.path)), 'the temporary folder to go')
    await expect(downloads.read(id, 0, 1)).rejects.toThrow(/no download/)
  })

  it('removes a file nobody reads any more, and every one on close', async () => {
    const downloads = new Downloads(20)
    const idle = await tempWith(Buffer.from('a'))
    downloads.keep(tempDownload(idle, 'a', 1))
    await waitFor(() => !existsSync(dirname(idle.path)), 'the idle download to go')
    const open = await tempWith(Buffer.from('b'))
    downloads.keep(tempDownload(open, 'b', 1))
    downloads.close()
    await waitFor(() => !existsSync(dirname(open.path)), 'the download to go on close')
  })
})
