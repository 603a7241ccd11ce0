// The WebSocket decoder under random input (seeded, bounded): however a real conversation's
// bytes are split, and whichever payload bytes the decoder lets the engine skip, it finds
// the same; and mutated conversations and random frames never make it throw nor put a
// range or a problem outside the stream.

import { beforeAll, describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/capture-types'
import { WS_PREVIEW_BYTES, type WsMessage } from '../../../../src/shared/protocol-types'
import { WebSocketDecoder } from '../../../../src/core/protocols/websocket/ws-decoder'
import { decode, decoderOptions, recordConversation, type Chunk, type Recording } from './ws-recording'
import { OP, deflateMessage, frame, join } from './ws-frames'

function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1
  return (n) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
}

async function converse(deflate: boolean): Promise<Recording> {
  return recordConversation(
    { server: { perMessageDeflate: deflate ? { threshold: 0 } : false }, client: { perMessageDeflate: deflate ? { threshold: 0 } : false } },
    async ({ client, server, received }) => {
      const text = Array.from({ length: 400 }, (_, i) => `message line ${i}\n`).join('')
      for (let i = 0; i < 6; i++) {
        client.send(i % 2 ? text : `short ${i}`)
        await received('server')
        server.send(Buffer.from(text.repeat(i + 1)), { fin: true })
        await received('client')
      }
      client.send('a', { fin: false })
      client.ping('p')
      client.send('b', { fin: true })
      await received('server')
      const closed = new Promise((r) => client.once('close', r))
      server.close(1000, 'done')
      await closed
    }
  )
}

/** Consecutive chunks of one direction as one push. */
function merged(chunks: Chunk[]): Chunk[] {
  const out: Chunk[] = []
  for (const c of chunks) {
    const last = out.at(-1)
    if (last && last.dir === c.dir) out[out.length - 1] = { ...last, bytes: join(last.bytes, c.bytes) }
    else out.push(c)
  }
  return out
}

function split(chunks: Chunk[], rnd: (n: number) => number): Chunk[] {
  const out: Chunk[] = []
  for (const c of chunks) {
    let at = 0
    while (at < c.bytes.length) {
      const n = 1 + rnd(rnd(4) === 0 ? 3 : 3000)
      out.push({ ...c, offset: c.offset + at, bytes: c.bytes.subarray(at, at + n) })
      at += n
    }
  }
  return out
}

const timeless = (messages: WsMessage[]): unknown[] => messages.map(({ startedAt: _s, endedAt: _e, ...rest }) => rest)

function streams(chunks: Chunk[]): Record<Direction, Uint8Array> {
  const of = (dir: Direction): Uint8Array => join(...chunks.filter((c) => c.dir === dir).map((c) => c.bytes))
  return { client: of('client'), server: of('server') }
}

function expectInside(result: ReturnType<typeof decode>, length: Record<Direction, number>, start: Record<Direction, number>): void {
  for (const m of result.messages) {
    expect(m.range.offset).toBeGreaterThanOrEqual(start[m.dir])
    expect(m.range.length).toBeGreaterThanOrEqual(0)
    expect(m.range.offset + m.range.length).toBeLessThanOrEqual(length[m.dir])
    expect(m.preview.length).toBeLessThanOrEqual(WS_PREVIEW_BYTES)
    expect(m.size).toBeGreaterThanOrEqual(0)
  }
  for (const p of result.problems) {
    expect(p.offset).toBeGreaterThanOrEqual(start[p.dir])
    expect(p.offset).toBeLessThanOrEqual(length[p.dir])
  }
}

describe('WebSocketDecoder fuzzing', () => {
  const recordings: Recording[] = []
  beforeAll(async () => {
    recordings.push(await converse(false), await converse(true))
  })

  it('finds the same in a real conversation however its bytes are split', () => {
    const rnd = prng(1)
    for (const rec of recordings) {
      const whole = decode(rec, decoderOptions(rec), merged(rec.chunks))
      expect(whole.problems).toEqual([])
      expect(whole.messages).toHaveLength(17)
      for (let round = 0; round < 15; round++) {
        const pieces = decode(rec, decoderOptions(rec), split(rec.chunks, rnd))
        expect(timeless(pieces.messages)).toEqual(timeless(whole.messages))
        expect(pieces.problems).toEqual([])
      }
    }
  })

  it('finds the same when the engine leaves out what wantFrom lets it skip', () => {
    for (const rec of recordings) {
      const all = decode(rec, decoderOptions(rec))
      const decoder = new WebSocketDecoder(decoderOptions(rec))
      const found = new Map<number, WsMessage>()
      let skipped = 0
      for (const c of split(rec.chunks, prng(2))) {
        const want = decoder.wantFrom(c.dir)
        const from = Math.max(0, want - c.offset)
        if (from >= c.bytes.length) {
          skipped += c.bytes.length
          continue
        }
        skipped += from
        decoder.push(c.dir, c.bytes.subarray(from), c.offset + from, c.time)
        for (const m of decoder.takeChanges().messages) found.set(m.index, m)
      }
      decoder.end('client', 0)
      decoder.end('server', 0)
      for (const m of decoder.takeChanges().messages) found.set(m.index, m)
      expect(timeless([...found.values()])).toEqual(timeless(all.messages))
      // Without deflate the long payloads past their previews went unread.
      if (!rec.extensions) expect(skipped).toBeGreaterThan(10_000)
    }
  })

  it('never throws, and keeps every range and problem inside the stream, on mutated conversations', () => {
    const rnd = prng(3)
    for (let round = 0; round < 200; round++) {
      const rec = recordings[round % recordings.length]
      const original = streams(rec.chunks)
      const mutated: Record<Direction, Uint8Array> = { client: mutate(original.client, rec.start.client, rnd), server: mutate(original.server, rec.start.server, rnd) }
      const chunks: Chunk[] = []
      const at = { client: 0, server: 0 }
      while (at.client < mutated.client.length || at.server < mutated.server.length) {
        const dir: Direction = at.client >= mutated.client.length ? 'server' : at.server >= mutated.server.length ? 'client' : rnd(2) ? 'client' : 'server'
        const n = 1 + rnd(5000)
        chunks.push({ dir, offset: at[dir], bytes: mutated[dir].subarray(at[dir], at[dir] + n), time: round })
        at[dir] += n
      }
      const result = decode(rec, decoderOptions(rec), chunks)
      expectInside(result, { client: mutated.client.length, server: mutated.server.length }, rec.start)
      const some = result.messages[rnd(Math.max(1, result.messages.length))]
      if (some) {
        const replay = new WebSocketDecoder(decoderOptions(rec, { keepPayload: { index: some.index, from: rnd(300), length: 1 + rnd(5000) } }))
        for (const c of chunks) replay.push(c.dir, c.bytes, c.offset, c.time)
        replay.end('client', 0)
        replay.end('server', 0)
        const kept = replay.keptPayload()
        expect(kept?.bytes.length ?? 0).toBeLessThanOrEqual(5000)
      }
    }
  })

  it('never throws on random frames: any opcode, bits and length form, cut anywhere', () => {
    const rnd = prng(4)
    const deflate = { serverNoContextTakeover: false, clientNoContextTakeover: rnd(2) === 0, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }
    for (let round = 0; round < 300; round++) {
      const parts: Uint8Array[] = []
      for (let f = 0; f < 1 + rnd(12); f++) {
        const size = rnd(4) === 0 ? rnd(70_000) : rnd(200)
        const payload = rnd(3) === 0 ? deflateMessage('x'.repeat(size)) : new Uint8Array(size).map(() => rnd(256))
        const mask = rnd(2) ? [rnd(256), rnd(256), rnd(256), rnd(256)] : undefined
        const opcode = rnd(5) === 0 ? rnd(16) : [OP.text, OP.binary, OP.continuation, OP.ping, OP.close][rnd(5)]
        parts.push(frame(opcode, payload, { fin: rnd(3) !== 0, rsv: rnd(3) === 0 ? rnd(8) : 0, mask, lengthBytes: rnd(4) === 0 ? 8 : undefined }))
      }
      let bytes = join(...parts)
      bytes = bytes.subarray(0, bytes.length - (rnd(3) === 0 ? rnd(Math.min(bytes.length, 20) + 1) : 0))
      const dir: Direction = rnd(2) ? 'client' : 'server'
      const chunks: Chunk[] = split([{ dir, offset: 0, bytes, time: 0 }], rnd)
      const rec: Recording = { chunks, start: { client: 0, server: 0 } }
      const result = decode(rec, { start: rec.start, deflate: rnd(2) ? deflate : undefined, inflateRaw: decoderOptions(rec).inflateRaw }, chunks)
      expectInside(result, { client: dir === 'client' ? bytes.length : 0, server: dir === 'server' ? bytes.length : 0 }, rec.start)
    }
  })
})

/** A few flipped, inserted, removed or cut bytes after the upgrade's head. */
function mutate(bytes: Uint8Array, from: number, rnd: (n: number) => number): Uint8Array {
  let out: Uint8Array = Uint8Array.from(bytes)
  const span = out.length - from
  if (span <= 0) return out
  for (let k = 0; k < 1 + rnd(6); k++) {
    const at = from + rnd(Math.max(1, out.length - from))
    const what = rnd(4)
    if (what === 0) out[at] ^= 1 << rnd(8)
    else if (what === 1) out[at] = rnd(256)
    else if (what === 2) out = join(out.subarray(0, at), Uint8Array.of(rnd(256)), out.subarray(at))
    else out = join(out.subarray(0, at), out.subarray(at + 1 + rnd(8)))
  }
  if (rnd(4) === 0) out = out.subarray(0, from + rnd(out.length - from + 1))
  return out
}
