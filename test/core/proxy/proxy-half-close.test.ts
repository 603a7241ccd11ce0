// A FIN from either side is forwarded as a FIN, and the other direction keeps flowing
// until it ends too: the proxy never turns a half-close into a full close.
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { collect, connectTo, randomPayload, sha256, startServer } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents, closedConnections, expectDataTiles, expectSeqInOrder } from '../../helpers/capture-checks'

let t: TestEngine
afterEach(async () => t?.dispose())

const MiB = 1024 * 1024

describe('proxy: half-close', () => {
  it("forwards the client's FIN, then carries the server's later data to the client in full", async () => {
    t = await testEngine()
    const request = randomPayload(20_000)
    const reply = randomPayload(MiB)
    let serverGot!: Promise<Buffer>
    let serverSawFin = false
    const server = await startServer((s) => {
      serverGot = collect(s)
      // The server answers only once the client has finished sending (a FIN, not a close).
      s.once('end', () => {
        serverSawFin = true
        s.end(reply)
      })
    })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const client = await connectTo(portOf(proxy.listen))
    const clientGot = collect(client)
    let clientSawEnd = false
    client.once('end', () => (clientSawEnd = true))
    client.end(request)

    expect(sha256(await clientGot)).toBe(sha256(reply))
    expect(clientSawEnd).toBe(true)
    expect(serverSawFin).toBe(true)
    expect(sha256(await serverGot)).toBe(sha256(request))

    const [conn] = await closedConnections(t.engine, 1)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true }, bytes: { client: request.length, server: reply.length } })
    const events = await allEvents(t.engine.capture, conn.id)
    expectSeqInOrder(events)
    expectDataTiles(events, 'client', request.length)
    expectDataTiles(events, 'server', reply.length)
    const clientFin = events.find((e) => e.kind === 'fin' && e.dir === 'client')!
    const serverFin = events.find((e) => e.kind === 'fin' && e.dir === 'server')!
    const serverData = events.filter((e) => e.kind === 'data' && e.dir === 'server')
    // The capture tells the story in order: the client's FIN, then every byte of the reply, then the server's FIN.
    expect(serverData.every((e) => e.seq > clientFin.seq && e.seq < serverFin.seq)).toBe(true)
    expect(events.at(-1)).toMatchObject({ kind: 'close', info: { end: 'closed' } })
    const recorded = await t.engine['conn.read']({ capture: 'live', connId: conn.id, dir: 'server', offset: 0, length: reply.length })
    expect(sha256(Buffer.from(recorded))).toBe(sha256(reply))
    await server.close()
  })

  it("forwards the server's FIN, then carries the client's later data to the server in full", async () => {
    t = await testEngine()
    const greeting = Buffer.from('220 ready, send your data then close\r\n')
    const upload = randomPayload(MiB)
    let serverGot!: Promise<Buffer>
    let serverSocket!: Socket
    const server = await startServer((s) => {
      serverSocket = s
      serverGot = collect(s)
      s.end(greeting)
    })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const client = await connectTo(portOf(proxy.listen))
    const clientGot = collect(client)
    // The client has the server's FIN (its read side ended) but can still write.
    expect(await clientGot).toEqual(greeting)
    expect(client.writable).toBe(true)
    client.end(upload)

    expect(sha256(await serverGot)).toBe(sha256(upload))
    expect(serverSocket.readableEnded).toBe(true)

    const [conn] = await closedConnections(t.engine, 1)
    expect(conn).toMatchObject({ end: 'closed', fin: { client: true, server: true }, bytes: { client: upload.length, server: greeting.length } })
    const events = await allEvents(t.engine.capture, conn.id)
    expectSeqInOrder(events)
    expectDataTiles(events, 'client', upload.length)
    const serverFin = events.find((e) => e.kind === 'fin' && e.dir === 'server')!
    const clientFin = events.find((e) => e.kind === 'fin' && e.dir === 'client')!
    const clientData = events.filter((e) => e.kind === 'data' && e.dir === 'client')
    expect(clientData.every((e) => e.seq > serverFin.seq && e.seq < clientFin.seq)).toBe(true)
    await server.close()
  })
})
