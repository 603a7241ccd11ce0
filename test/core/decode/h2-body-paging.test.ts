// Paging an HTTP/2 body past its listed DATA frames (HttpBody.unlisted) costs the window, not
// the body before it: the frames are read again from the last checkpoint before the window
// (frame-checkpoints.ts), not from the first unlisted frame. A review found paging a 4 GiB
// download in 1 MiB windows (Load more, `show --body-limit`) read some 8 TiB of the file.
// The decoder alone on hand-made frames (two streams interleaved, every other frame padded),
// read through a view that counts the bytes it gives.
import { describe, expect, it } from 'vitest'
import { readBody } from '../../../src/core/decode/body-content'
import { CHECKPOINT_SPACING, FrameCheckpoints } from '../../../src/core/decode/frame-checkpoints'
import type { CaptureView } from '../../../src/core/capture/query/capture-queries'
import { Http2Decoder } from '../../../src/core/protocols/http2/http2-decoder'
import type { Direction } from '../../../src/shared/direction'
import { MAX_H2_DATA_RANGES, type HttpMessage } from '../../../src/shared/protocol-types'
import { PREFACE, frame, getRoot, settings } from '../protocols/http2/h2-frames'

const KiB = 1024
const MiB = 1024 * KiB
const DATA = 0
const PADDED = 0x8
const END_STREAM = 0x1

/** Stream 1's response: MAX_H2_DATA_RANGES frames of 1 KiB listed, then 16 MiB in 4 KiB frames, each after one of stream 3's. */
function download(): { client: Buffer; server: Buffer; body: Buffer } {
  const client = Buffer.concat([PREFACE, settings(), frame(1, 0x5, 1, getRoot()), frame(1, 0x5, 3, getRoot())])
  const parts: Buffer[] = [settings(), frame(1, 0x4, 1, Buffer.from([0x88])), frame(1, 0x4, 3, Buffer.from([0x88]))]
  const mine: Buffer[] = []
  const data = (size: number, i: number): Buffer => Buffer.alloc(size, `${String(i).padStart(7, '0')}|`)
  for (let i = 0; i < MAX_H2_DATA_RANGES; i++) {
    mine.push(data(KiB, i))
    parts.push(frame(DATA, 0, 1, mine[i]))
  }
  for (let i = 0; i < 4096; i++) {
    const piece = data(4 * KiB, MAX_H2_DATA_RANGES + i)
    mine.push(piece)
    // Padding (its length byte, then 7 bytes) on every other frame: the data is not where the frame starts.
    parts.push(frame(DATA, 0, 3, data(4 * KiB, -i)), i % 2 === 0 ? frame(DATA, PADDED, 1, Buffer.concat([Buffer.from([7]), piece, Buffer.alloc(7)])) : frame(DATA, 0, 1, piece))
  }
  parts.push(frame(DATA, END_STREAM, 1, Buffer.alloc(0)), frame(DATA, END_STREAM, 3, Buffer.alloc(0)))
  return { client, server: Buffer.concat(parts), body: Buffer.concat(mine) }
}

/** The wire in memory, and how many bytes have been read from it. */
function countingView(wire: Record<Direction, Buffer>): { view: CaptureView; read: { bytes: number } } {
  const read = { bytes: 0 }
  const readBytes = (_id: number, dir: Direction, offset: number, length: number): Promise<Buffer> => {
    const piece = wire[dir].subarray(offset, offset + length)
    read.bytes += piece.length
    return Promise.resolve(piece)
  }
  return { view: { readBytes } as unknown as CaptureView, read }
}

function decoded(client: Buffer, server: Buffer): HttpMessage {
  const d = new Http2Decoder()
  d.push('client', client, 0, 1)
  d.push('server', server, 0, 2)
  const ex = d.takeChanges().exchanges.find((e) => e.stream === 1)!
  expect(ex.state).toBe('complete')
  expect(ex.response!.body.unlisted).toBeDefined()
  return ex.response!
}

describe('paging an HTTP/2 body past its listed frames', () => {
  it('reads about a window of the wire for each window, to the last', async () => {
    const { client, server, body } = download()
    const msg = decoded(client, server)
    expect(msg.body.size).toBe(body.length)
    const { view, read } = countingView({ client, server })
    const WINDOW = MiB
    // As the HTTP tab's Load more pages it: one window after the other, each its own read.
    const costs: number[] = []
    for (let offset = 0; offset < body.length; offset += WINDOW) {
      const before = read.bytes
      const piece = await readBody(view, 1, msg, { decode: false, offset, length: WINDOW })
      costs.push(read.bytes - before)
      expect(Buffer.from(piece.bytes).equals(body.subarray(offset, offset + WINDOW))).toBe(true)
      expect(piece.end).toBe(offset + WINDOW >= body.length)
    }
    // The unlisted part is 32 MiB of wire (two streams' frames): a window there costs its own
    // 2 MiB of wire, the way back to a checkpoint, and a read's worth past its end. Before, the
    // last window read all the 32 MiB before it.
    const bound = 2 * WINDOW + 2 * CHECKPOINT_SPACING + MiB + 64 * KiB
    expect(Math.max(...costs)).toBeLessThan(bound)
    // Read again, alone (a `show --body-limit` window, or the tab opened once more), the last window costs the same.
    const before = read.bytes
    const last = await readBody(view, 1, msg, { decode: false, offset: body.length - WINDOW, length: WINDOW })
    expect(Buffer.from(last.bytes).equals(body.subarray(-WINDOW))).toBe(true)
    expect(read.bytes - before).toBeLessThan(bound)
    // A window inside a frame far in: from the checkpoint before it, whatever was read last.
    const mid = 4 * MiB + 9 * MiB + 123
    const from = read.bytes
    const small = await readBody(view, 1, msg, { decode: false, offset: mid, length: 100 })
    expect(Buffer.from(small.bytes).equals(body.subarray(mid, mid + 100))).toBe(true)
    expect(read.bytes - from).toBeLessThan(2 * CHECKPOINT_SPACING + MiB + 64 * KiB)
  })

  it('keeps at most 4096 checkpoints a body however long it is, each window still near one', () => {
    // A 16 GiB body in 16 KiB frames: the points thin out (every other one goes) as they pass the bound.
    const FRAME = 16 * KiB
    const points = new FrameCheckpoints(100)
    const frames = (16 * 1024 * MiB) / FRAME
    for (let i = 0; i < frames; i++) points.passed(i * FRAME, 100 + i * (FRAME + 9))
    const seen = new Set<number>()
    let farthest = 0
    const wrong: number[] = []
    for (let i = 0; i < frames; i += 7) {
      const at = i * FRAME + 5
      const p = points.before(at)
      seen.add(p.wire)
      if (p.content > at || p.wire !== 100 + (p.content / FRAME) * (FRAME + 9)) wrong.push(at)
      farthest = Math.max(farthest, at - p.content)
    }
    expect(wrong).toEqual([])
    // 16 GiB over at most 4096 points: at most 4 MiB apart (and the frame a point starts).
    expect(farthest).toBeLessThan(4 * MiB + FRAME)
    expect(seen.size).toBeLessThanOrEqual(4096)
    expect(points.before(0)).toEqual({ content: 0, wire: 100 })
  })
})
