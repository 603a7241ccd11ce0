// The proxy reads into buffers it reuses (proxy-connection.ts readDirect): whatever kept
// the bytes of one read must still hold them after the next reads, and every byte must
// still arrive and be recorded exactly, whichever way each read was handed on.
import { afterEach, describe, expect, it } from 'vitest'
import type { Direction } from '../../../src/shared/capture-types'
import { internalsStatus } from '../../../src/core/net/target/node-internals'
import { collect, connectTo, randomPayload, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('proxy: reused read buffers', () => {
  it('leaves every chunk a detailed listener was given intact, small reads and large, while reads go on', async () => {
    t = await testEngine()
    const given: Record<Direction, Buffer[]> = { client: [], server: [] }
    // Keeps the chunks themselves, as a front end's event queue does, and copies nothing.
    t.engine.capture.setListener({ detailed: true, data: (_id, dir, _offset, chunk) => given[dir].push(chunk), event() {}, pressure() {}, error() {} })
    const reply = randomPayload(3 * 1024 * 1024)
    const server = await startServer((s) => {
      void collect(s).then(() => s.end(reply))
    })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    const got = collect(c)
    const parts = [randomPayload(100), randomPayload(70_000), randomPayload(5), randomPayload(1024 * 1024), randomPayload(3000)]
    // Each part read before the next is sent: reads of every size, one after another.
    let sent = 0
    for (const p of parts) {
      c.write(p)
      sent += p.length
      await waitFor(() => given.client.reduce((n, b) => n + b.length, 0) === sent, 'the proxy to read the part')
    }
    c.end()
    expect((await got).equals(reply)).toBe(true)
    await waitFor(() => t.engine.capture.connections()[0]?.end === 'closed', 'the connection to close')
    expect(Buffer.concat(given.client).equals(Buffer.concat(parts))).toBe(true)
    expect(Buffer.concat(given.server).equals(reply)).toBe(true)
    const [conn] = t.engine.capture.connections()
    const up = await t.engine['conn.read']({ capture: 'live', connId: conn.id, dir: 'client', offset: 0, length: conn.bytes.client })
    expect(Buffer.from(up).equals(Buffer.concat(parts))).toBe(true)
    if (t.engine.capture.writerKind === 'direct') expect(internalsStatus.userBuffer).toBe('yes')
    await server.close()
  })
})
