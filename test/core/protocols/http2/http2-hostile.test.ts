// Hostile HTTP/2, made by hand: a CONTINUATION flood, an HPACK bomb, an index past the table,
// frames of absurd declared length, padding longer than its frame, a HEADERS cut short; and
// thousands of mutations of a real conversation. Each is a problem at its offset, never a
// throw; what the decoder keeps stays bounded (the flood's block, the bomb's decoded headers)
// and it goes on decoding the rest where it can.
import { describe, expect, it } from 'vitest'
import http2 from 'node:http2'
import { MAX_BLOCK_WIRE, MAX_CONTINUATIONS } from '../../../../src/core/protocols/http2/header-block'
import { MAX_KEPT_PAYLOAD } from '../../../../src/core/protocols/http2/frame-reader'
import { listen } from '../../../helpers/net'
import { startRecordingRelay } from '../../../helpers/recording-relay'
import { decode, type Piece } from '../feed'
import { PREFACE, frame, getRoot, literalIndexed, settings } from './h2-frames'

const client = (...parts: Buffer[]): Piece => ({ dir: 'client', bytes: new Uint8Array(Buffer.concat(parts)) })
const server = (...parts: Buffer[]): Piece => ({ dir: 'server', bytes: new Uint8Array(Buffer.concat(parts)) })
const ok = (): Buffer => frame(1, 0x5, 1, Buffer.from([0x88]))

describe('hostile HTTP/2', () => {
  it('stops a CONTINUATION flood at its bound, says so once, and keeps reading frames', () => {
    const flood = Array.from({ length: 20_000 }, () => frame(9, 0, 1, Buffer.alloc(64, 0x41)))
    const d = decode([client(PREFACE, settings(), frame(1, 0x1, 1, getRoot()), ...flood, frame(1, 0x5, 3, getRoot()))])
    const messages = d.problems.map((p) => p.message)
    expect(messages.filter((m) => /CONTINUATION flood/.test(m))).toHaveLength(1)
    expect(messages.some((m) => /compression context is lost/.test(m))).toBe(true)
    expect(messages.length).toBeLessThan(10)
    expect(MAX_CONTINUATIONS * 64).toBeLessThan(MAX_BLOCK_WIRE)
    // The flood's stream never opened; the next block cannot be decoded without the lost context.
    expect(d.exchanges).toEqual([])
  })

  it('cuts an HPACK bomb at 256 KiB of decoded headers, and the table stays right for the next block', () => {
    const big = literalIndexed('x-big', 'v'.repeat(4000))
    // 0xbe: index 62, the first dynamic entry, 60,000 times: 240 MB if decoded whole.
    const bomb = Buffer.alloc(60_000, 0xbe)
    const d = decode([
      client(PREFACE, settings(), frame(1, 0x5, 1, Buffer.concat([getRoot(), big]))),
      server(settings(), ok()),
      client(frame(1, 0x5, 3, Buffer.concat([getRoot(), bomb]))),
      server(frame(1, 0x5, 3, Buffer.from([0x88]))),
      client(frame(1, 0x5, 5, Buffer.concat([getRoot(), Buffer.from([0xbe])]))),
      server(frame(1, 0x5, 5, Buffer.from([0x88])))
    ])
    const cut = d.problems.filter((p) => /decode to more than 262144 bytes/.test(p.message))
    expect(cut).toHaveLength(1)
    const [, bombed, after] = d.exchanges
    const kept = bombed.request!.headers.reduce((n, h) => n + h.name.length + h.value.length + 32, 0)
    expect(kept).toBeLessThanOrEqual(256 * 1024)
    expect(bombed.state).toBe('complete')
    // The entry was still in the table for the block after the bomb.
    expect(after.request!.headers.find((h) => h.name === 'x-big')?.value).toHaveLength(4000)
  })

  it('reads an index past the table as a compression error: the direction decodes no more header blocks', () => {
    const d = decode([client(PREFACE, settings(), frame(1, 0x5, 1, Buffer.from([0xff, 0x7f])), frame(1, 0x5, 3, getRoot()))])
    expect(d.problems[0].message).toMatch(/^stream 1: /)
    expect(d.problems.some((p) => /compression context is lost/.test(p.message))).toBe(true)
    expect(d.exchanges.every((e) => e.stream !== 3)).toBe(true)
  })

  it('skips a frame of absurd declared length without keeping it', () => {
    const huge = frame(1, 0x4, 1, Buffer.alloc(0), MAX_KEPT_PAYLOAD + 1)
    const d = decode([client(PREFACE, settings(), huge, Buffer.alloc(4096))], { skip: true })
    expect(d.problems[0].message).toMatch(/declares 1048577 bytes.*skipped/)
    // Its payload is what the decoder does not want: the feeder may skip it.
    expect(d.decoder.wantFrom('client')).toBe(PREFACE.length + 9 + 9 + MAX_KEPT_PAYLOAD + 1)
  })

  it('notes DATA whose padding is longer than its payload, DATA on no stream, and a HEADERS cut short by the end', () => {
    const d = decode([
      client(PREFACE, settings(), frame(1, 0x4, 1, getRoot()), frame(0, 0x8, 1, Buffer.from([200, 1, 2, 3])), frame(0, 0x1, 9, 'nobody')),
      { dir: 'client', bytes: new Uint8Array(frame(1, 0x4, 3, getRoot()).subarray(0, 12)) },
      { dir: 'client', end: true },
      { dir: 'server', end: true }
    ])
    expect(d.problems.map((p) => p.message)).toEqual([expect.stringMatching(/padding \(200\) is longer than its payload/), 'the last frame was cut short by the end of the stream'])
    expect(d.exchanges).toHaveLength(1)
    expect(d.exchanges[0].state).toBe('incomplete')
  })

  it('refuses what is not the preface and reads nothing more of that direction', () => {
    const d = decode([client(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'), settings())], { protocol: 'http2' })
    expect(d.problems).toEqual([{ dir: 'client', offset: 0, message: 'this is not the HTTP/2 connection preface (PRI * HTTP/2.0)' }])
  })

  it('never throws on thousands of mutations of a real conversation, and stays within its bounds', async () => {
    const h2 = http2.createServer()
    h2.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true })
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-done': '1' }))
      stream.end('answer '.repeat(50))
    })
    const relay = await startRecordingRelay(await listen(h2))
    const session = http2.connect(`http://127.0.0.1:${relay.port}`)
    await Promise.all(
      [1, 2, 3].map(
        (i) =>
          new Promise<void>((resolve, reject) => {
            const r = session.request({ ':path': `/r${i}`, 'x-n': String(i) })
            r.resume()
            r.on('end', resolve)
            r.on('error', reject)
          })
      )
    )
    session.close()
    const [conn] = await relay.settled(1)
    await relay.close()
    await new Promise<void>((r) => h2.close(() => r()))
    const pieces = conn.pieces
    let seed = 12345
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (let round = 0; round < 2000; round++) {
      const mutated = pieces.map((p) => ('bytes' in p ? { ...p, bytes: p.bytes.slice() } : p))
      const data = mutated.flatMap((p) => ('bytes' in p ? [p.bytes] : []))
      for (let k = 0; k < 1 + random(8); k++) {
        const bytes = data[random(data.length)]
        bytes[random(bytes.length)] = random(256)
      }
      const d = decode(mutated, { skip: round % 2 === 0 })
      expect(d.exchanges.length).toBeLessThanOrEqual(3)
      expect(d.problems.length).toBeLessThan(50)
    }
  })
})
