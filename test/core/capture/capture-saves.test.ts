// Saving the live capture as a user meets it: a relative name lands in the save folder the
// engine reports (never its working directory) and the folder follows the last save; the
// live capture says whether it is saved; a download reads the same consistent copy in
// pieces; and a connection still open when the capture was saved reads as such, not as cut.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/core/engine'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { connectTo, startServer, tempDir } from '../../helpers/net'
import { portOf } from '../../helpers/engine'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function folder(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

async function engineIn(saveFolder: string): Promise<{ engine: Engine; dir: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const engine = await Engine.create({ capturePath: join(dir, 'live.tcap'), saveFolder })
  cleanups.push(() => engine.close())
  return { engine, dir }
}

/** One echoed connection through a proxy of `engine`, left open. */
async function openConnection(engine: Engine, text = 'kept open'): Promise<void> {
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const c = await connectTo(portOf(proxy.listen))
  cleanups.push(() => c.destroy())
  c.write(text)
  await once(c, 'data')
}

const live = async (engine: Engine) => (await engine['capture.list']())[0]

describe('saving the live capture', () => {
  it('puts a relative name in the save folder it reports, then beside the last save; never in the working directory', async () => {
    const home = folder()
    const { engine, dir } = await engineIn(home)
    await openConnection(engine)
    expect(await live(engine)).toMatchObject({ saveFolder: home, unsaved: true })
    expect((await live(engine)).savedTo).toBeUndefined()

    const saved = await engine['capture.save']({ path: 'first.tcap' })
    expect(saved.path).toBe(join(home, 'first.tcap'))
    expect(existsSync(join(home, 'first.tcap'))).toBe(true)
    expect(existsSync(join(process.cwd(), 'first.tcap'))).toBe(false)
    expect(await live(engine)).toMatchObject({ unsaved: false, savedTo: join(home, 'first.tcap'), saveFolder: home })

    const elsewhere = join(dir, 'sub')
    mkdirSync(elsewhere)
    await engine['capture.save']({ path: join(elsewhere, 'second.tcap') })
    expect((await live(engine)).saveFolder).toBe(elsewhere)
    expect((await engine['capture.save']({ path: 'third.tcap' })).path).toBe(join(elsewhere, 'third.tcap'))
    // Opening by a relative name looks in the same folder.
    expect(await engine['capture.open']({ path: 'third.tcap' })).toMatchObject({ path: join(elsewhere, 'third.tcap'), connections: 1 })
  })

  it('counts as unsaved again once a connection changes after the save', async () => {
    const { engine, dir } = await engineIn(folder())
    expect((await live(engine)).unsaved).toBe(false)
    await openConnection(engine)
    await engine['capture.save']({ path: join(dir, 'a.tcap') })
    expect((await live(engine)).unsaved).toBe(false)
    await openConnection(engine, 'another')
    expect((await live(engine)).unsaved).toBe(true)
  })

  it('a connection open when the capture was saved reads as saved-open, and the filter finds it', async () => {
    const { engine, dir } = await engineIn(folder())
    await openConnection(engine)
    const copy = join(dir, 'copy.tcap')
    await engine['capture.save']({ path: copy })
    const file = await FileCapture.open(copy)
    cleanups.push(() => file.close())
    expect((await file.listConnections())[0]).toMatchObject({ end: 'saved-open' })
    const opened = await engine['capture.open']({ path: copy })
    expect((await engine['conn.page']({ capture: opened.id, offset: 0, limit: 10, filter: 'state:saved-open' })).total).toBe(1)
    expect((await engine['conn.page']({ capture: opened.id, offset: 0, limit: 10, filter: 'state:cut' })).total).toBe(0)
  })
})

describe('downloading the live capture', () => {
  it('reads a consistent copy in pieces that opens as the same capture as one saved by path, and then counts as saved', async () => {
    const { engine, dir } = await engineIn(folder())
    await openConnection(engine, 'x'.repeat(100_000))
    const saved = await engine['capture.save']({ path: join(dir, 'by-path.tcap') })
    await openConnection(engine, 'after the save')
    expect((await live(engine)).unsaved).toBe(true)

    const start = await engine['capture.download.begin']()
    expect(start).toMatchObject({ name: 'live.tcap', connections: 2 })
    // Recording goes on while the page reads: the copy stays the one of that moment.
    await openConnection(engine, 'during the download')
    const parts: Uint8Array[] = []
    for (let at = 0; at < start.size; ) {
      const piece = await engine['capture.download.read']({ download: start.download, offset: at, length: 7_000 })
      expect(piece.length).toBeGreaterThan(0)
      parts.push(piece)
      at += piece.length
    }
    const bytes = Buffer.concat(parts)
    expect(bytes.length).toBe(start.size)
    expect((await live(engine)).unsaved).toBe(true)
    await engine['capture.download.end']({ download: start.download })
    // Three connections now, and the third came after the copy: unsaved again.
    expect((await live(engine)).unsaved).toBe(true)

    const downloaded = join(dir, 'downloaded.tcap')
    writeFileSync(downloaded, bytes)
    const file = await FileCapture.open(downloaded)
    cleanups.push(() => file.close())
    expect(file.info()).toMatchObject({ connections: 2, live: false })
    expect(file.info().cutAt).toBeUndefined()
    const rows = await file.listConnections()
    expect(rows.map((r) => [r.id, r.bytes.client, r.end])).toEqual([
      [1, 100_000, 'saved-open'],
      [2, 14, 'saved-open']
    ])
    // The records before the saved copy's index are the very bytes saved by path.
    const byPath = readFileSync(saved.path)
    const byPathRows = await (async () => {
      const f = await FileCapture.open(saved.path)
      cleanups.push(() => f.close())
      return f.listConnections()
    })()
    expect(byPathRows[0].bytes).toEqual(rows[0].bytes)
    expect(Buffer.compare(bytes.subarray(0, 4096), byPath.subarray(0, 4096))).toBe(0)
  })

  it('counts as a save once every byte was read, and not when the page stopped early', async () => {
    const { engine } = await engineIn(folder())
    await openConnection(engine)
    const early = await engine['capture.download.begin']()
    await engine['capture.download.read']({ download: early.download, offset: 0, length: 100 })
    await engine['capture.download.end']({ download: early.download })
    expect((await live(engine)).unsaved).toBe(true)

    const whole = await engine['capture.download.begin']()
    await engine['capture.download.read']({ download: whole.download, offset: 0, length: whole.size })
    await engine['capture.download.end']({ download: whole.download })
    expect((await live(engine)).unsaved).toBe(false)
    // No path to show: the copy is where the browser put it.
    expect((await live(engine)).savedTo).toBeUndefined()
    await expect(engine['capture.download.read']({ download: whole.download, offset: 0, length: 1 })).rejects.toThrow(/no download "d2" under way/)
  })
})
