// Reading a capture back: any byte range of either direction equals the bytes that went
// over the wire (clipped at the end), events come in seq order with data offsets that tile
// each stream, and a live capture answers for data still queued in its writer.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { statSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { Direction } from '../../../../src/shared/capture-types'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { UnknownConnectionError } from '../../../../src/core/capture/read/capture-reader'
import { proxiedPair, testEngine, type TestEngine } from '../../../helpers/engine'
import { allEvents, closedConnections, expectDataTiles, expectSeqInOrder } from '../../../helpers/capture-checks'
import type { CaptureOptions } from '../../../../src/core/capture/write/live-capture'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

/** A small seeded PRNG (mulberry32): the same "random" ranges on every run. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n)
  }
}

function bytes(rand: (n: number) => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = rand(256)
  return b
}

/** Resolves once `n` more bytes have arrived on `s` (a ping-pong never has more in flight). */
function readFully(s: Socket, n: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0
    const onData = (d: Buffer): void => {
      got += d.length
      if (got < n) return
      s.off('data', onData)
      s.pause()
      resolve()
    }
    s.on('data', onData)
    s.resume()
  })
}

/**
 * One proxied conversation of many rounds: the client sends a chunk, the server answers
 * with one, sometimes larger than the reader's merge gap, so the file interleaves both
 * directions. Returns both streams as sent.
 */
async function recordConversation(opts: CaptureOptions = {}): Promise<{ connId: number; sent: Record<Direction, Buffer> }> {
  t = await testEngine(opts)
  const rand = prng(7)
  const replies: Buffer[] = []
  const { client, serverSide: s, close } = await proxiedPair(t.engine)
  cleanups.push(close)
  const requests: Buffer[] = []
  for (let round = 0; round < 40; round++) {
    const request = bytes(rand, 1 + rand(3000))
    const reply = bytes(rand, round % 7 === 3 ? 100_000 + rand(50_000) : 1 + rand(2000))
    requests.push(request)
    replies.push(reply)
    client.write(request)
    await readFully(s, request.length)
    s.write(reply)
    await readFully(client, reply.length)
  }
  client.end()
  s.resume()
  await once(s, 'end')
  s.end()
  const [conn] = await closedConnections(t.engine, 1)
  return { connId: conn.id, sent: { client: Buffer.concat(requests), server: Buffer.concat(replies) } }
}

describe('capture reader', () => {
  it('returns any byte range of either direction exactly as sent, clipped at the end', async () => {
    const { connId, sent } = await recordConversation()
    const read = async (dir: Direction, offset: number, length: number): Promise<Buffer> =>
      Buffer.from(await t!.engine['conn.read']({ capture: 'live', connId, dir, offset, length }))
    const events = await allEvents(t!.engine.capture, connId)
    const rand = prng(42)
    const wrong: string[] = []
    for (const dir of ['client', 'server'] as const) {
      const stream = sent[dir]
      expect(t!.engine.capture.connections()[0].bytes[dir]).toBe(stream.length)
      const ranges: Array<[number, number]> = [
        [0, stream.length],
        [0, 0],
        [stream.length, 10],
        [stream.length - 1, 10],
        [stream.length + 100, 5],
        [0, stream.length + 1000]
      ]
      // Every chunk boundary, from one byte before to one after, across into the next chunk.
      for (const e of events) {
        if (e.kind !== 'data' || e.dir !== dir) continue
        for (const d of [-1, 0, 1]) if (e.offset! + d >= 0) ranges.push([e.offset! + d, 2 + rand(5000)])
      }
      for (let i = 0; i < 300; i++) ranges.push([rand(stream.length + 50), rand(200_000)])
      for (const [offset, length] of ranges) {
        const got = await read(dir, offset, length)
        if (!got.equals(stream.subarray(offset, offset + length))) wrong.push(`${dir} [${offset}, +${length}) read ${got.length} bytes, not the stream's slice`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('lists events in seq order, pages them, and data events tile each stream exactly', async () => {
    const { connId, sent } = await recordConversation()
    const events = await allEvents(t!.engine.capture, connId)
    expectSeqInOrder(events)
    expectDataTiles(events, 'client', sent.client.length)
    expectDataTiles(events, 'server', sent.server.length)
    expect(events.filter((e) => e.kind === 'data').length).toBeGreaterThanOrEqual(80)
    expect(events.at(-1)).toMatchObject({ kind: 'close', info: { end: 'closed' } })
    for (let i = 1; i < events.length; i++) expect(events[i].mono).toBeGreaterThanOrEqual(events[i - 1].mono)
    // Pages of any size put together are the whole list.
    for (const limit of [1, 7, 50]) {
      const pages = []
      for (let from = 0; from < events.length; from += limit) pages.push(...(await t!.engine['conn.events']({ capture: 'live', connId, from, limit })).events)
      expect(pages).toEqual(events)
    }
    expect((await t!.engine['conn.events']({ capture: 'live', connId, from: events.length + 5 })).events).toEqual([])
  })

  it('reads the same bytes and events from the file after it is closed', async () => {
    const { connId, sent } = await recordConversation()
    const liveEvents = await allEvents(t!.engine.capture, connId)
    await t!.engine.close()
    const file = await FileCapture.open(t!.capturePath)
    cleanups.push(() => file.close())
    expect(file.info().cutAt).toBeUndefined()
    expect(await allEvents(file, connId)).toEqual(liveEvents)
    const rand = prng(3)
    for (const dir of ['client', 'server'] as const) {
      expect((await file.readBytes(connId, dir, 0, 1 << 30)).equals(sent[dir])).toBe(true)
      for (let i = 0; i < 100; i++) {
        const offset = rand(sent[dir].length)
        const length = rand(100_000)
        expect((await file.readBytes(connId, dir, offset, length)).equals(sent[dir].subarray(offset, offset + length))).toBe(true)
      }
    }
  })

  it.each(['buffered', 'auto'] as const)('serves live reads of data still queued in the %s writer', async (writeMode) => {
    // A writer that would wait ten minutes before writing: everything stays queued until read.
    const { connId, sent } = await recordConversation({ writeMode, maxDelayMs: 600_000, batchBytes: 1 << 30 })
    const onDisk = statSync(t!.capturePath).size
    expect(onDisk).toBeLessThan(t!.engine.capture.info().size)
    const got = Buffer.from(await t!.engine['conn.read']({ capture: 'live', connId, dir: 'server', offset: 0, length: sent.server.length }))
    expect(got.equals(sent.server)).toBe(true)
    const events = await allEvents(t!.engine.capture, connId)
    expect(events.at(-1)?.kind).toBe('close')
    expect(statSync(t!.capturePath).size).toBeGreaterThan(onDisk)
  })

  it('names a connection that is not in the capture', async () => {
    t = await testEngine()
    await expect(t.engine['conn.read']({ capture: 'live', connId: 99, dir: 'client', offset: 0, length: 1 })).rejects.toThrow(UnknownConnectionError)
    await expect(t.engine['conn.events']({ capture: 'live', connId: 99 })).rejects.toThrow('no connection #99 in this capture')
  })
})
