// Telling a connection's protocol reads what telling needs, not a whole batch: a connection
// interleaved with many others (redis-benchmark's 50 clients through the proxy) had up to
// 4 MiB of the file read for its first few bytes, 64 connections at once. Records a kept
// window holds cost no read: those come as a whole batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Decoding } from '../../../src/core/decode/decoding'
import { readBatch } from '../../../src/core/decode/decode-feed'
import { MAX_DETECT_BYTES } from '../../../src/core/protocols/detect'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, startServer } from '../../helpers/net'
import { allClosed } from './decode-peers'

const CONNS = 20
const TURNS = 100

let t: TestEngine
let file: FileCapture

beforeAll(async () => {
  t = await testEngine()
  const server = await startServer((s) => {
    s.on('data', (d: Buffer) => s.write(Buffer.from(`+OK ${d.length}\r\n`)))
    s.on('end', () => s.end())
  })
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  // Request and answer, turn after turn, on every connection at once: their records interleave.
  await Promise.all(
    Array.from({ length: CONNS }, async (_, k) => {
      const c = await connectTo(portOf(proxy.listen))
      for (let i = 0; i < TURNS; i++) {
        const answered = new Promise((resolve) => c.once('data', resolve))
        c.write(`*3\r\n$3\r\nSET\r\n$6\r\nkey:${String(k).padStart(2, '0')}\r\n$3\r\n${String(i % 1000).padStart(3, '0')}\r\n`)
        await answered
      }
      c.end()
    })
  )
  await allClosed(t.engine, CONNS)
  await server.close()
  await t.engine.close()
  file = await FileCapture.open(t.capturePath)
}, 120_000)
afterAll(async () => {
  await file?.close()
  await t?.dispose()
})

describe('a batch while the protocol is still to be told', () => {
  it('holds a few records and at most what detection reads; a decoding batch holds the rest', async () => {
    const [first] = await file.listConnections()
    const want = { client: 0, server: 0 }
    const ended = { client: false, server: false }
    const detecting = await readBatch(file, first.id, 'proxy', 0, want, ended, undefined, true)
    expect(detecting.ops.length).toBeGreaterThan(0)
    expect(detecting.next).toBeLessThanOrEqual(32)
    expect(detecting.bytes.length).toBeLessThanOrEqual(MAX_DETECT_BYTES)
    const decoding = await readBatch(file, first.id, 'proxy', 0, want, ended)
    // Every record of the connection: its open, 2 x TURNS data, the two FINs and the close.
    expect(decoding.next).toBeGreaterThanOrEqual(2 * TURNS)
  })

  it('takes a whole batch while detecting when a kept window holds the records: nothing is read for them', async () => {
    const [first] = await file.listConnections()
    const want = { client: 0, server: 0 }
    const ended = { client: false, server: false }
    const size = file.info().size
    await file.keepWindow(0, size)
    const held = await readBatch(file, first.id, 'proxy', 0, want, ended, size, true)
    expect(held.next).toBeGreaterThanOrEqual(2 * TURNS)
    // A window holding only the end of the file: the connection's first records must be read, so few are.
    file.dropWindows(size)
    await file.keepWindow(Math.floor(size / 2), size)
    const partly = await readBatch(file, first.id, 'proxy', 0, want, ended, size, true)
    expect(partly.next).toBeLessThanOrEqual(32)
    expect(partly.bytes.length).toBeLessThanOrEqual(MAX_DETECT_BYTES)
    file.dropWindows(size)
  })

  it('still tells every interleaved connection as raw, batch by batch', async () => {
    const decoding = new Decoding({ worker: false })
    const conns = await file.listConnections()
    expect(conns).toHaveLength(CONNS)
    for (const c of conns) {
      await decoding.exchanges(file, c.id)
      expect(decoding.summary(file, c.id)?.protocol).toBe('raw')
    }
    await decoding.close()
  })
})
