// The proxy forwards byte-exact and does not buffer: a peer that stops reading stops the
// proxy reading from the other side, so what is in flight stays bounded by the socket
// buffers, whatever the sender pushes. The memory ceiling is checked on a child process.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { Direction } from '../../../src/shared/capture-types'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir, waitFor } from '../../helpers/net'
import { proxiedPair, portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { procStatusKiB, startCliProxy, type CliProxy } from '../../helpers/cli-proxy'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

let t: TestEngine | undefined
let cli: CliProxy | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  await cli?.stop('SIGKILL')
  cli = undefined
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

/** Resolves once `read()` has returned the same value for `polls` polls in a row. */
async function settled(read: () => number, polls = 30): Promise<number> {
  let last = -1
  let same = 0
  for (;;) {
    const v = read()
    same = v === last ? same + 1 : 0
    last = v
    if (same >= polls) return v
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('proxy: backpressure', () => {
  it.each<[Direction]>([['client'], ['server']])(
    'stops reading from the %s while the other peer reads nothing, then delivers every byte once it reads',
    async (sender) => {
      t = await testEngine()
      const payload = randomPayload(64 * MiB)
      const { client, serverSide: s, close } = await proxiedPair(t.engine)
      cleanups.push(close)
      const [from, to] = sender === 'client' ? [client, s] : [s, client]
      to.pause()
      from.end(payload)

      // The reader reads nothing, so the proxy must stop taking bytes from the sender once
      // the socket buffers toward the reader are full (a few MiB), not hold the 64 MiB.
      const taken = await settled(() => t!.engine.capture.connections()[0].bytes[sender])
      expect(taken).toBeLessThan(8 * MiB)
      expect(from.writableFinished).toBe(false)

      const received = collect(to)
      to.resume()
      expect(sha256(await received)).toBe(sha256(payload))
      to.end()
      const [conn] = await closedConnections(t.engine, 1)
      expect(conn.bytes[sender]).toBe(payload.length)
      const recorded = await t.engine['conn.read']({ capture: 'live', connId: conn.id, dir: sender, offset: 0, length: payload.length })
      expect(sha256(Buffer.from(recorded))).toBe(sha256(payload))
    }
  )

  it('keeps flowing, byte-exact, when the capture writer pushes back', async () => {
    // A tiny writer high-water mark makes the capture, not the peers, the slow side.
    t = await testEngine({ highWater: 256 * 1024, lowWater: 64 * 1024, batchBytes: 64 * 1024 })
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const payloads = Array.from({ length: 4 }, (_, i) => randomPayload(8 * MiB + i))
    const echoed = await Promise.all(
      payloads.map(async (p) => {
        const c = await connectTo(portOf(proxy.listen))
        const got = collect(c)
        c.end(p)
        return got
      })
    )
    echoed.forEach((e, i) => expect(sha256(e)).toBe(sha256(payloads[i])))
    const conns = await closedConnections(t.engine, 4)
    const hashes = new Set(payloads.map(sha256))
    for (const c of conns) {
      expect(c.end).toBe('closed')
      const down = await t.engine['conn.read']({ capture: 'live', connId: c.id, dir: 'server', offset: 0, length: c.bytes.server })
      expect(hashes.has(sha256(Buffer.from(down)))).toBe(true)
    }
  })

  it('carries 1 GiB to a slow reader byte-exact while the proxy process stays under 100 MiB of growth', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'big.tcap')
    const BLOCK = MiB
    const BLOCKS = 1024
    // The sink pauses briefly after every MiB, so the proxy keeps meeting a full socket.
    const sink = { bytes: 0, hash: createHash('sha256'), done: undefined as undefined | Promise<void> }
    const server = await startServer((s) => {
      let sinceBreak = 0
      sink.done = new Promise<void>((resolve) => {
        s.on('data', (d: Buffer) => {
          sink.bytes += d.length
          sink.hash.update(d)
          sinceBreak += d.length
          if (sinceBreak >= MiB) {
            sinceBreak = 0
            s.pause()
            setTimeout(() => s.resume(), 2)
          }
        })
        s.on('end', () => {
          s.end()
          resolve()
        })
      })
    })
    cleanups.push(server.close)
    cli = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture })
    const rssAtStart = procStatusKiB(cli.pid, 'VmRSS')

    const base = randomPayload(BLOCK)
    const sent = createHash('sha256')
    const client = await connectTo(cli.port)
    const clientClosed = once(client, 'close')
    client.resume()
    for (let i = 0; i < BLOCKS; i++) {
      // Each block is stamped with its number, so a reordered or repeated block shows.
      const block = Buffer.from(base)
      block.writeUInt32LE(i, 0)
      sent.update(block)
      if (!client.write(block)) await once(client, 'drain')
    }
    client.end()
    await waitFor(() => sink.done, 'the sink to accept')
    await sink.done
    await clientClosed
    expect(sink.bytes).toBe(GiB)
    expect(sink.hash.digest('hex')).toBe(sent.digest('hex'))

    const peakKiB = procStatusKiB(cli.pid, 'VmHWM')
    expect((peakKiB - rssAtStart) / 1024).toBeLessThan(100)

    expect(await cli.stop('SIGTERM')).toBe(0)
    const file = await FileCapture.open(capture)
    cleanups.push(() => file.close())
    expect(file.info().cutAt).toBeUndefined()
    const [conn] = await file.listConnections()
    expect(conn).toMatchObject({ end: 'closed', bytes: { client: GiB, server: 0 } })
    for (const i of [0, 1, 511, BLOCKS - 1]) {
      const expected = Buffer.from(base)
      expected.writeUInt32LE(i, 0)
      expect((await file.readBytes(conn.id, 'client', i * BLOCK, BLOCK)).equals(expected)).toBe(true)
    }
  })
})
