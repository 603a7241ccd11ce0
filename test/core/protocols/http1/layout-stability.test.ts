// Objects that live through a whole decoding keep the layout (V8's map) they started with:
// a number field first given a small integer changes its object's layout when it takes its
// first double, and V8 throws away every function optimized for the old one. A reader's end
// time, and a connection's wanted offsets (NOTHING_MORE once finished), came at a
// connection's end, late in a file, and a cold decoding compiled the code again on every
// thread (V8's --trace-deopt: "wrong map" in the reader's functions on each worker). On the
// engine's thread the same came from a connection's byte counts as last caught up with
// (doubles), and from feed requests of several shapes (a last one, a drop, one with options).
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { MessageReader } from '../../../../src/core/protocols/http1/message-reader'
import { ConnDecoding } from '../../../../src/core/decode/conn-decoding'
import { NOTHING_MORE } from '../../../../src/core/protocols/stream-decoder'
import { FeedOps } from '../../../../src/core/decode/feed-ops'
import { dropRequest, feedRequest, packRequests, unpackRequests } from '../../../../src/core/decode/feed-requests'
import { bytes } from '../feed'

setFlagsFromString('--allow-natives-syntax')
// Compiled after the flag, so V8's own check of two objects' maps can be called.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean

const hooks = { head: () => ({ kind: 'none' as const }), progress: () => {}, complete: () => {}, problem: () => {}, finished: () => {} }

describe('objects a decoding keeps keep their layout', () => {
  it('a message reader, through messages and its end at times that are doubles', () => {
    const before = new MessageReader('client', 'request', hooks)
    const reader = new MessageReader('client', 'request', hooks)
    reader.push(bytes('GET / HTTP/1.1\r\nHost: h\r\n\r\n'), 0, 1_790_000_000_000.25)
    reader.end(1_790_000_000_001.5)
    expect(sameMap(before, reader)).toBe(true)
    expect(sameMap(before, new MessageReader('client', 'request', hooks))).toBe(true)
  })

  it("a connection's decoding, once its decoder wants nothing more", () => {
    const before = new ConnDecoding(1, 1)
    const conn = new ConnDecoding(2, 2)
    conn.wantClient = NOTHING_MORE
    conn.wantServer = NOTHING_MORE
    expect(sameMap(before, conn)).toBe(true)
    expect(sameMap(before, new ConnDecoding(3, 3))).toBe(true)
  })

  it("a connection's decoding, once caught up with at byte counts that are doubles (from 1 GiB on)", () => {
    const before = new ConnDecoding(1, 1)
    const conn = new ConnDecoding(2, 2)
    conn.seenClient = 2 ** 31
    conn.seenServer = 3.5 * 2 ** 30
    conn.seenFlags = 3
    expect(sameMap(before, conn)).toBe(true)
    conn.restart(5)
    expect(sameMap(before, conn)).toBe(true)
  })

  it('feed requests, of every kind, on both sides of a worker', () => {
    const oneOp = new FeedOps()
    oneOp.push('client', 0, 1, 0, 1.5)
    const made = [
      feedRequest(1, 1, oneOp, new Uint8Array(1), undefined, false),
      feedRequest(2, 1, new FeedOps(), new Uint8Array(0), { port: 6379 }, true),
      dropRequest(1)
    ]
    for (const r of made) expect(sameMap(made[0], r)).toBe(true)
    // A worker's come with numbers read from a Float64Array (doubles): the same among themselves.
    const back = unpackRequests(packRequests(made, []))
    for (const r of back) expect(sameMap(back[0], r)).toBe(true)
  })
})
