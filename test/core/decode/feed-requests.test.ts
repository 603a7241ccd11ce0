// Feeds as they cross to a decode worker (feed-requests.ts): many to a message, read back
// as they were queued; small feeds' bytes in the message's one buffer and copied out of it,
// large ones moved as their own buffers.
import { describe, expect, it } from 'vitest'
import { dropRequest, feedRequest, packRequests, SMALL_FEED, unpackRequests, type FeedRequest } from '../../../src/core/decode/feed-requests'
import { opsList, opsOf } from './feed-ops-of'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)
/** A request with its ops as objects, to compare. */
const plain = (r: FeedRequest): object => ({ ...r, ops: opsList(r.ops) })

describe('feed requests, packed', () => {
  it('read back as queued: ids, keys, ops, bytes, options, the last feed and drops, in order', () => {
    const requests: FeedRequest[] = [
      feedRequest(1, 10, opsOf([{ dir: 'client', at: 0, len: 3, offset: 0, time: 1.5 }]), bytes(3, 1), { port: 6379 }, false),
      dropRequest(11),
      feedRequest(2, 12, opsOf([]), new Uint8Array(0), undefined, true),
      feedRequest(
        3,
        10,
        opsOf([
          { dir: 'server', at: 0, len: SMALL_FEED + 1, offset: 2 ** 40, time: 2, answered: true },
          { dir: 'client', at: SMALL_FEED + 1, len: 0, offset: 7, time: 3, renumber: true }
        ]),
        bytes(SMALL_FEED + 1, 2),
        { protocol: 'http1', start: { server: 5 } },
        false
      ),
      feedRequest(4, 13, opsOf([{ dir: 'server', at: 0, len: SMALL_FEED, offset: 9, time: 4 }]), bytes(SMALL_FEED, 3), undefined, true)
    ]
    const transfer: ArrayBuffer[] = []
    const back = unpackRequests(packRequests(requests, transfer))
    expect(back.map(plain)).toEqual(requests.map(plain))
  })

  it('moves a large feed\'s buffer; a small feed\'s bytes are copied out, so a decoder keeping them keeps nothing more', () => {
    const large = bytes(SMALL_FEED + 1, 5)
    const small = bytes(10, 6)
    const transfer: ArrayBuffer[] = []
    const packed = packRequests([feedRequest(1, 1, opsOf([]), small, undefined, false), feedRequest(2, 2, opsOf([]), large, undefined, false)], transfer)
    expect(transfer).toContain(large.buffer)
    expect(transfer).not.toContain(small.buffer)
    const [a, b] = unpackRequests(packed)
    expect(a.bytes!.buffer).not.toBe(packed.small.buffer)
    expect(a.bytes!.buffer.byteLength).toBe(10)
    expect(b.bytes).toBe(large)
  })
})
