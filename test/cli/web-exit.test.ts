// What Ctrl-C in web mode says about the live capture: a temporary one that was never saved
// is deleted, and the terminal says so and where; one given with --capture is kept there.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { portOf } from '../helpers/engine'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function web(args: string[] = []): Promise<WebMode> {
  const w = await startWeb(args)
  cleanups.push(() => w.stop('SIGKILL'))
  return w
}

/** One echoed connection through a proxy started over the page's WebSocket, then closed. */
async function oneConnection(w: WebMode): Promise<void> {
  const client = await w.client()
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const proxy = await client.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const c = await connectTo(portOf(proxy.listen))
  c.write('hello')
  await once(c, 'data')
  c.end()
  await once(c, 'close')
}

describe('tcpscope web: Ctrl-C says what became of the live capture', () => {
  it('a temporary capture that was never saved: deleted, and the line says how much and where', async () => {
    const w = await web()
    await oneConnection(w)
    expect(await w.stop('SIGINT')).toBe(0)
    const said = /^tcpscope: the live capture \(1 connection, [\d.]+ (B|KiB)\) was not saved and is deleted: (\S+\.tcap)$/m.exec(w.cli.stderr)
    expect(said, w.cli.stderr).not.toBeNull()
    expect(existsSync(said![2])).toBe(false)
  })

  it('a temporary capture saved since its last change: the line says where the copy is', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const w = await web()
    await oneConnection(w)
    const copy = join(dir, 'copy.tcap')
    await (await w.client()).call('capture.save', { path: copy })
    expect(await w.stop('SIGINT')).toBe(0)
    expect(w.cli.stderr).toMatch(new RegExp(`^tcpscope: the live capture \\(1 connection, .+\\) was saved to ${copy}; its temporary file is deleted: \\S+\\.tcap$`, 'm'))
    expect(existsSync(copy)).toBe(true)
  })

  it('a temporary capture downloaded by the page since its last change: the line says so', async () => {
    const w = await web()
    await oneConnection(w)
    const client = await w.client()
    const { download, size } = await client.call('capture.download.begin', undefined)
    await client.call('capture.download.read', { download, offset: 0, length: size })
    await client.call('capture.download.end', { download })
    expect(await w.stop('SIGINT')).toBe(0)
    expect(w.cli.stderr).toMatch(/^tcpscope: the live capture \(1 connection, .+\) was downloaded from the page; its temporary file is deleted: \S+\.tcap$/m)
  })

  it('--capture FILE: kept there, and the line says so', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'kept.tcap')
    const w = await web(['--capture', capture])
    await oneConnection(w)
    expect(await w.stop('SIGINT')).toBe(0)
    expect(w.cli.stderr).toMatch(new RegExp(`^tcpscope: the live capture \\(1 connection, .+\\) is kept at ${capture}$`, 'm'))
    expect(existsSync(capture)).toBe(true)
  })
})
