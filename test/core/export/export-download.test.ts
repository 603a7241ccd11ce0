// An export kept for a front end: a temporary file read in pieces through Downloads, and
// removed when the download ends, when nobody reads it for a while, or when the export is
// cancelled before it is whole.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { connectTo, startServer } from '../../helpers/net'
import { Downloads } from '../../../src/core/files/downloads'
import { createTempExport, tempDownload } from '../../../src/core/export/temp-export'
import { waitFor } from '../../helpers/net'

async function tempWith(bytes: Buffer): Promise<Awaited<ReturnType<typeof createTempExport>>> {
  const temp = await createTempExport('x.har')
  await temp.file.write(bytes, 0, bytes.length, 0)
  return temp
}

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

describe('exports as downloads', () => {
  it('leaves no temporary file behind when cancelled halfway', async () => {
    t = await testEngine()
    const engine = t.engine
    const server = await startServer((s) => s.resume().on('end', () => s.end()))
    cleanups.push(server.close)
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const client = await connectTo(portOf(proxy.listen))
    client.end(Buffer.alloc(32 * 1024 * 1024, 7))
    client.resume()
    await closedConnections(engine, 1)
    // Temporary exports go to TMPDIR: this test's own, so what is left there is this export's.
    const tmp = join(t.dir, 'tmp')
    mkdirSync(tmp)
    const before = process.env.TMPDIR
    process.env.TMPDIR = tmp
    cleanups.push(() => (before === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = before)))
    const abort = new AbortController()
    const seen: number[] = []
    engine.subscribe((e) => {
      if (e.type !== 'progress') return
      seen.push(e.done)
      if (e.done > 0 && e.done < e.of) abort.abort()
    })
    await expect(engine['capture.export']({ capture: 'live', format: 'pcapng', progress: 'op' }, { signal: abort.signal })).rejects.toThrow(/cancelled/)
    expect(seen.length).toBeGreaterThan(0)
    expect(readdirSync(tmp)).toEqual([])
  })

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
