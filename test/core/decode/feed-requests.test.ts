// Feeds as they cross to a decode worker (feed-requests.ts): many to a message, read back
// as they were queued; small feeds' bytes in the message's one buffer and copied out of it,
// large ones moved as their own buffers.
import { describe, expect, it } from 'vitest'
import { packRequests, SMALL_FEED, unpackRequests, type FeedRequest } from '../../../src/core/decode/feed-requests'
import { feedOp } from '../../../src/core/decode/decoder-set'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

describe('feed requests, packed', () => {
  it('read back as queued: ids, keys, ops, bytes, options, the last feed and drops, in order', () => {
    const requests: FeedRequest[] = [
      { id: 1, key: 10, ops: [feedOp('client', 0, 3, 0, 1.5)], bytes: bytes(3, 1), opts: { port: 6379 } },
      { id: 0, key: 11, drop: true },
      { id: 2, key: 12, ops: [], bytes: new Uint8Array(0), last: true },
      {
        id: 3,
        key: 10,
        ops: [
          feedOp('server', 0, SMALL_FEED + 1, 2 ** 40, 2, true),
          feedOp('client', SMALL_FEED + 1, 0, 7, 3, false, true)
        ],
        bytes: bytes(SMALL_FEED + 1, 2),
        opts: { protocol: 'http1', start: { server: 5 } }
      },
      { id: 4, key: 13, ops: [feedOp('server', 0, SMALL_FEED, 9, 4)], bytes: bytes(SMALL_FEED, 3), last: true }
    ]
    const transfer: ArrayBuffer[] = []
    const back = unpackRequests(packRequests(requests, transfer))
    expect(back).toEqual(requests.map((r) => (r.drop ? { id: r.id, key: r.key, drop: true } : r)))
  })

  it('moves a large feed\'s buffer; a small feed\'s bytes are copied out, so a decoder keeping them keeps nothing more', () => {
    const large = bytes(SMALL_FEED + 1, 5)
    const small = bytes(10, 6)
    const transfer: ArrayBuffer[] = []
    const packed = packRequests([{ id: 1, key: 1, ops: [], bytes: small }, { id: 2, key: 2, ops: [], bytes: large }], transfer)
    expect(transfer).toContain(large.buffer)
    expect(transfer).not.toContain(small.buffer)
    const [a, b] = unpackRequests(packed)
    expect(a.bytes!.buffer).not.toBe(packed.small.buffer)
    expect(a.bytes!.buffer.byteLength).toBe(10)
    expect(b.bytes).toBe(large)
  })
})
