import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { collect, connectTo, randomPayload, sha256, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('proxy: byte-exact forwarding', () => {
  it('forwards random binary both ways over 100 concurrent connections and records it exactly', async () => {
    t = await testEngine()
    // The server answers each connection with its own random payload, then reads the client's.
    const serverReceived = new Map<number, string>()
    const sent = new Map<number, Buffer>()
    let n = 0
    const server = await startServer((s) => {
      const id = n++
      const reply = randomPayload(50_000 + id * 997)
      sent.set(id, reply)
      s.write(reply)
      s.end()
      void collect(s).then((b) => serverReceived.set(id, sha256(b)))
    })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const c = await connectTo(portOf(proxy.listen))
        const payload = randomPayload(30_000 + i * 1013)
        const got = collect(c)
        c.end(payload)
        return { payload, got: await got }
      })
    )
    await waitFor(() => serverReceived.size === 100, 'server to read all')
    const sentHashes = new Set([...sent.values()].map(sha256))
    const receivedAtServer = new Set(serverReceived.values())
    for (const r of results) {
      expect(sentHashes.has(sha256(r.got))).toBe(true)
      expect(receivedAtServer.has(sha256(r.payload))).toBe(true)
    }
    await waitFor(() => t.engine.capture.connections().every((c) => c.end !== 'open') && t.engine.capture.connections().length === 100, 'all closed')
    // The capture holds exactly what went over the wire, both directions.
    const conns = t.engine.capture.connections()
    const clientHashes = new Set(results.map((r) => sha256(r.payload)))
    for (const c of conns) {
      expect(c.end).toBe('closed')
      const up = await t.engine['conn.read']({ capture: 'live', connId: c.id, dir: 'client', offset: 0, length: c.bytes.client })
      const down = await t.engine['conn.read']({ capture: 'live', connId: c.id, dir: 'server', offset: 0, length: c.bytes.server })
      expect(clientHashes.has(sha256(Buffer.from(up)))).toBe(true)
      expect(sentHashes.has(sha256(Buffer.from(down)))).toBe(true)
    }
    await server.close()
    // The file reopens to the same connections and bytes.
    await t.engine.close()
    const file = await FileCapture.open(t.capturePath)
    expect(file.info().cutAt).toBeUndefined()
    const reopened = await file.listConnections()
    expect(reopened.length).toBe(100)
    const one = reopened[17]
    const bytes = await file.readBytes(one.id, 'client', 0, one.bytes.client)
    expect(clientHashes.has(sha256(bytes))).toBe(true)
    await file.close()
  })

  it('reports the real port and a clear error when the port is in use', async () => {
    t = await testEngine()
    const server = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end())
    })
    await expect(t.engine['proxy.start']({ listen: `127.0.0.1:${server.port}`, target: '127.0.0.1:1' })).rejects.toThrow(
      /already in use.*pick another port/
    )
    const p = await t.engine['proxy.start']({ listen: '0', target: `127.0.0.1:${server.port}` })
    expect(portOf(p.listen)).toBeGreaterThan(0)
    const c = await connectTo(portOf(p.listen))
    c.end('hi')
    await once(c, 'close')
    await server.close()
  })
})
