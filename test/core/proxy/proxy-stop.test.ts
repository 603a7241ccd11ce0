// Stopping a proxy closes its listener at once; its live connections are closed too
// only when asked (closeConnections), otherwise they run to their natural end. A full
// start/traffic/stop/close cycle leaves no socket, timer or file handle behind.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { readdirSync, readlinkSync } from 'node:fs'
import { collect, connectTo, outcomeOf, randomPayload, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'

let t: TestEngine
afterEach(async () => t?.dispose())

/** An echo server; `sockets` are its accepted connections. */
async function echoServer() {
  const sockets: Socket[] = []
  const server = await startServer((s) => {
    sockets.push(s)
    s.pipe(s)
  })
  return { ...server, sockets }
}

async function echoOnce(c: Socket, text: string): Promise<string> {
  c.write(text)
  const [chunk] = (await once(c, 'data')) as [Buffer]
  return chunk.toString()
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.once('connect', () => {
      s.destroy()
      resolve('connected')
    })
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

describe('proxy: stop', () => {
  it('closes the listener: a new connect is refused and the proxy lists as stopped', async () => {
    t = await testEngine()
    const server = await echoServer()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    await t.engine['proxy.stop']({ proxyId: proxy.id })
    expect(await connectError(portOf(proxy.listen))).toBe('ECONNREFUSED')
    expect(await t.engine['proxy.list']()).toEqual([{ ...proxy, state: 'stopped' }])
    expect(t.events.filter((e) => e.type === 'proxy-stopped')).toHaveLength(1)
    await server.close()
  })

  it('with closeConnections, closes the live connections and records them as stopped', async () => {
    t = await testEngine()
    const server = await echoServer()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const clients = await Promise.all([1, 2, 3].map(() => connectTo(portOf(proxy.listen))))
    for (const c of clients) expect(await echoOnce(c, 'ping')).toBe('ping')
    const clientOutcomes = clients.map((c) => outcomeOf(c, { endOnFin: true }))
    const serverOutcomes = server.sockets.map((s) => outcomeOf(s, { endOnFin: true }))

    await t.engine['proxy.stop']({ proxyId: proxy.id, closeConnections: true })

    // Stop resolves once the connections are gone: both peers of each have seen it close.
    for (const o of [...clientOutcomes, ...serverOutcomes]) expect((await o).error ?? 'closed').toMatch(/closed|ECONNRESET/)
    const conns = t.engine.capture.connections()
    expect(conns.map((c) => c.end)).toEqual(['stopped', 'stopped', 'stopped'])
    expect((await t.engine['proxy.list']())[0]).toMatchObject({ state: 'stopped', accepted: 3, active: 0 })
    await server.close()
  })

  it('without closeConnections, lets live connections keep working to their natural end', async () => {
    t = await testEngine()
    const server = await echoServer()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const client = await connectTo(portOf(proxy.listen))
    expect(await echoOnce(client, 'before')).toBe('before')

    await t.engine['proxy.stop']({ proxyId: proxy.id })
    expect(await connectError(portOf(proxy.listen))).toBe('ECONNREFUSED')
    expect((await t.engine['proxy.list']())[0]).toMatchObject({ state: 'stopped', active: 1 })

    // The old connection still carries data both ways, then closes normally.
    const big = randomPayload(256 * 1024)
    const echoed = collect(client)
    client.end(big)
    expect((await echoed).equals(big)).toBe(true)
    const [conn] = await closedConnections(t.engine, 1)
    expect(conn).toMatchObject({ end: 'closed', bytes: { client: 6 + big.length, server: 6 + big.length } })
    expect((await t.engine['proxy.list']())[0].active).toBe(0)
    await server.close()
  })

  it('leaves no socket, timer or file handle behind after start, traffic, stop and close', async () => {
    const openFds = (): string[] =>
      readdirSync('/proc/self/fd')
        .map((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`)
          } catch {
            return '' // the descriptor readdir itself used
          }
        })
        .filter((l) => l !== '')
        .sort()
    const resources = (): string[] => process.getActiveResourcesInfo().sort()

    const cycle = async (): Promise<void> => {
      const e = await testEngine()
      const server = await echoServer()
      const a = await e.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
      const b = await e.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
      const finished = await connectTo(portOf(a.listen))
      expect(await echoOnce(finished, 'one')).toBe('one')
      const done = outcomeOf(finished, { endOnFin: true })
      finished.end()
      await done
      const live = await Promise.all([connectTo(portOf(a.listen)), connectTo(portOf(b.listen))])
      for (const c of live) expect(await echoOnce(c, 'two')).toBe('two')
      const liveDone = live.map((c) => outcomeOf(c, { endOnFin: true }))
      await e.engine['proxy.stop']({ proxyId: a.id, closeConnections: true })
      await e.engine['proxy.stop']({ proxyId: b.id })
      await e.dispose()
      await Promise.all(liveDone)
      await server.close()
    }

    /** What `now` holds beyond `before` (as multisets): what the cycle left behind. */
    const leftOver = (now: string[], before: string[]): string[] => {
      const pool = [...before]
      return now.filter((x) => {
        const i = pool.indexOf(x)
        if (i < 0) return true
        pool.splice(i, 1)
        return false
      })
    }
    /** Waits until a reading stops changing: earlier tests' sockets may still be closing. */
    const quiet = async (read: () => string[]): Promise<string[]> => {
      let last = read().join('\n')
      for (let same = 0; same < 20; ) {
        await new Promise((r) => setTimeout(r, 10))
        const now = read().join('\n')
        same = now === last ? same + 1 : 0
        last = now
      }
      return read()
    }

    await cycle() // warm up: lazily created handles (DNS, thread pool) are not leaks
    const fdsBefore = await quiet(openFds)
    const resourcesBefore = await quiet(resources)
    await cycle()
    await waitFor(() => leftOver(openFds(), fdsBefore).length === 0, 'descriptors to be released', 5000).catch(() => undefined)
    expect(leftOver(openFds(), fdsBefore)).toEqual([])
    await waitFor(() => leftOver(resources(), resourcesBefore).length === 0, 'handles and timers to be released', 5000).catch(() => undefined)
    expect(leftOver(resources(), resourcesBefore)).toEqual([])
  })
})
