// The WebSocket decoder on hand-made frames: every protocol error it names (at the offset
// of the byte at fault, and decoding goes on where the framing still holds), streams that
// end or break off, the payload bytes it lets the engine skip, and permessage-deflate's
// context across messages.

import { describe, expect, it } from 'vitest'
import { WS_PREVIEW_BYTES } from '../../../../src/shared/protocol-types'
import { inflateRaw } from '../../../../src/core/http/inflate-raw'
import { NOTHING_MORE, WebSocketDecoder, parseWsExtensions } from '../../../../src/core/protocols/websocket/ws-decoder'
import { MAX_COMPRESSED_MESSAGE } from '../../../../src/core/protocols/websocket/ws-inflate'
import { OP, deflateMessage, feed, frame, join, text } from './ws-frames'

const MASK = [0x37, 0xfa, 0x21, 0x3d]
const DEFLATE = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }
const withDeflate = { deflate: DEFLATE, inflateRaw }

describe('WebSocketDecoder frames', () => {
  it('reads the 7-, 16- and 64-bit length forms, masked and not', () => {
    const payload = 'ab'.repeat(200)
    const stream = join(frame(OP.text, 'hi', { mask: MASK }), frame(OP.text, payload, { mask: MASK }), frame(OP.binary, payload, { lengthBytes: 8 }))
    const { messages, problems } = feed('client', stream)
    expect(problems).toEqual([{ dir: 'client', offset: 417, message: 'a client frame without a mask: a client masks every frame' }])
    expect(messages.map((m) => [m.opcode, m.size, m.masked, m.complete])).toEqual([
      ['text', 2, true, true],
      ['text', 400, true, true],
      ['binary', 400, false, true]
    ])
    expect(text(messages[0])).toBe('hi')
    expect(text(messages[1])).toBe(payload.slice(0, WS_PREVIEW_BYTES))
    expect(messages.map((m) => m.range)).toEqual([
      { dir: 'client', offset: 0, length: 8 },
      { dir: 'client', offset: 8, length: 408 },
      { dir: 'client', offset: 416, length: 410 }
    ])
  })

  it('joins continuation frames into one message, with control frames between them indexed apart', () => {
    const stream = join(
      frame(OP.text, 'one ', { fin: false }),
      frame(OP.ping, 'p'),
      frame(OP.continuation, 'two ', { fin: false }),
      frame(OP.pong, 'q'),
      frame(OP.continuation, 'three')
    )
    const { messages, problems } = feed('server', stream)
    expect(problems).toEqual([])
    expect(messages.map((m) => [m.index, m.opcode, m.frames, text(m)])).toEqual([
      [0, 'text', 3, 'one two three'],
      [1, 'ping', 1, 'p'],
      [2, 'pong', 1, 'q']
    ])
    expect(messages[0].range).toEqual({ dir: 'server', offset: 0, length: stream.length })
  })

  it('indexes messages by their first byte across both directions, as fed', () => {
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 }, firstIndex: 5 })
    const c = frame(OP.text, 'client first', { mask: MASK })
    decoder.push('client', c.subarray(0, 1), 0, 1)
    decoder.push('server', frame(OP.text, 'server whole'), 0, 2)
    decoder.push('client', c.subarray(1), 1, 3)
    const { messages } = decoder.takeChanges()
    expect(messages.map((m) => [m.index, m.dir, text(m), m.startedAt, m.endedAt])).toEqual([
      [5, 'client', 'client first', 1, 3],
      [6, 'server', 'server whole', 2, 2]
    ])
    expect(decoder.count).toBe(7)
  })

  it('reads a close frame: code and reason, or no code at all', () => {
    const close = join(frame(OP.close, new Uint8Array(0)), frame(OP.close, join(Uint8Array.of(0x03, 0xe8), new TextEncoder().encode('done ✓'))))
    const { messages, problems } = feed('server', close)
    expect(messages.map((m) => [m.closeCode, m.closeReason])).toEqual([
      [undefined, undefined],
      [1000, 'done ✓']
    ])
    expect(problems).toEqual([{ dir: 'server', offset: 2, message: 'a frame after this side sent its close frame' }])
  })
})

describe('WebSocketDecoder problems', () => {
  it('names a client frame without a mask and a server frame with one, once a side', () => {
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 } })
    decoder.push('client', join(frame(OP.text, 'a'), frame(OP.text, 'b')), 0, 1)
    decoder.push('server', frame(OP.text, 'c', { mask: MASK }), 0, 2)
    expect(decoder.takeChanges().problems).toEqual([
      { dir: 'client', offset: 1, message: 'a client frame without a mask: a client masks every frame' },
      { dir: 'server', offset: 1, message: 'a masked server frame: a server never masks' }
    ])
  })

  const after = frame(OP.text, 'still here')
  const decodesOn = (messages: { opcode: string; preview: Uint8Array; complete: boolean }[]): void => {
    const last = messages.at(-1)
    expect(last && [last.opcode, text(last as never), last.complete]).toEqual(['text', 'still here', true])
  }

  it('names a reserved opcode, and reads the frames after it', () => {
    const { messages, problems } = feed('server', join(frame(OP.text, 'x'), frame(0x3, 'odd'), frame(0xb, 'odd control'), after))
    expect(messages.map((m) => m.opcode)).toEqual(['text', 'reserved', 'reserved', 'text'])
    expect(problems).toEqual([
      { dir: 'server', offset: 3, message: 'reserved opcode 0x3' },
      { dir: 'server', offset: 8, message: 'reserved opcode 0xb' }
    ])
    decodesOn(messages)
  })

  it('names reserved bits set with no extension agreed to use them', () => {
    const { messages, problems } = feed('server', join(frame(OP.text, 'a', { rsv: 0b010 }), frame(OP.text, 'b', { rsv: 0b100 }), after))
    expect(problems).toEqual([
      { dir: 'server', offset: 0, message: 'RSV2 or RSV3 set: no extension that uses them was agreed' },
      { dir: 'server', offset: 3, message: 'RSV1 set, but permessage-deflate was not agreed' }
    ])
    expect(messages[1].compressed).toBe(false)
    decodesOn(messages)
  })

  it('names RSV1 on a control frame or a continuation frame, with permessage-deflate agreed', () => {
    const stream = join(frame(OP.ping, 'p', { rsv: 0b100 }), frame(OP.binary, 'a', { fin: false }), frame(OP.continuation, 'b', { rsv: 0b100 }), after)
    const { messages, problems } = feed('server', stream, withDeflate)
    expect(problems.map((p) => [p.offset, p.message])).toEqual([
      [0, 'RSV1 set on a control frame: control frames are never compressed'],
      [6, "RSV1 set on a continuation frame: only a message's first frame says it is compressed"]
    ])
    decodesOn(messages)
  })

  it('names a control frame over 125 bytes and a fragmented one', () => {
    const stream = join(frame(OP.ping, 'p'.repeat(126)), frame(OP.pong, 'q', { fin: false }), after)
    const { messages, problems } = feed('server', stream)
    expect(problems).toEqual([
      { dir: 'server', offset: 1, message: 'a control frame of 126 bytes: at most 125 are allowed' },
      { dir: 'server', offset: 130, message: 'a fragmented control frame: control frames cannot be fragmented' }
    ])
    expect(messages.map((m) => [m.opcode, m.size, m.complete])).toEqual([
      ['ping', 126, true],
      ['pong', 1, true],
      ['text', 10, true]
    ])
  })

  it('names a bad close payload: one byte, a code nobody may send, a reason that is not UTF-8', () => {
    const stream = join(frame(OP.close, Uint8Array.of(3)), frame(OP.close, Uint8Array.of(0x03, 0xed)), frame(OP.close, Uint8Array.of(0x0f, 0xa0, 0x61, 0xff)))
    const { messages, problems } = feed('server', stream)
    expect(problems).toEqual([
      { dir: 'server', offset: 2, message: 'a close frame with a 1-byte payload: a status code takes 2 bytes' },
      { dir: 'server', offset: 3, message: 'a frame after this side sent its close frame' },
      { dir: 'server', offset: 5, message: 'close code 1005 may not be sent' },
      { dir: 'server', offset: 11, message: 'the close reason is not valid UTF-8' }
    ])
    expect(messages.map((m) => m.closeCode)).toEqual([undefined, 1005, 4000])
    expect(messages[2].closeReason).toBe('a\ufffd')
  })

  it('stops at a frame length of 2^53 or more, and takes one just under it', () => {
    const huge = Uint8Array.of(0x82, 127, 0x00, 0x20, 0, 0, 0, 0, 0, 0)
    const { messages, problems, decoder } = feed('server', join(frame(OP.text, 'x'), huge, after), {}, false)
    expect(problems).toEqual([{ dir: 'server', offset: 5, message: 'a frame length of 2^53 bytes or more: decoding stops' }])
    expect(messages.map((m) => [m.opcode, m.complete])).toEqual([
      ['text', true],
      ['binary', false]
    ])
    expect(decoder.wantFrom('server')).toBe(NOTHING_MORE)

    const justUnder = Uint8Array.of(0x82, 127, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3)
    const under = feed('server', justUnder)
    expect(under.messages[0].size).toBe(3)
    expect(under.problems).toEqual([{ dir: 'server', offset: 13, message: `the stream ended inside a frame: 3 of its ${2 ** 53 - 1} payload bytes came` }])
  })

  it('names continuations with nothing to continue, and a message begun before the last one ended', () => {
    const stream = join(frame(OP.continuation, 'orphan'), frame(OP.text, 'half', { fin: false }), after)
    const { messages, problems } = feed('server', stream)
    expect(problems).toEqual([
      { dir: 'server', offset: 0, message: 'a continuation frame with no fragmented message to continue' },
      { dir: 'server', offset: 14, message: 'a new message began before the fragmented one had its last frame' }
    ])
    expect(messages.map((m) => [text(m), m.complete])).toEqual([
      ['half', false],
      ['still here', true]
    ])
  })

  it('says where a stream ended inside a header, a payload or a fragmented message', () => {
    const whole = frame(OP.text, 'hello', { mask: MASK })
    expect(feed('client', whole.subarray(0, 3)).problems).toEqual([{ dir: 'client', offset: 3, message: 'the stream ended inside a frame header' }])
    const cut = feed('client', whole.subarray(0, 8))
    expect(cut.problems).toEqual([{ dir: 'client', offset: 8, message: 'the stream ended inside a frame: 2 of its 5 payload bytes came' }])
    expect(cut.messages.map((m) => [text(m), m.complete, m.range.length])).toEqual([['he', false, 8]])
    expect(feed('server', frame(OP.text, 'a', { fin: false })).problems).toEqual([
      { dir: 'server', offset: 3, message: "the stream ended before the fragmented message's last frame" }
    ])
  })

  it('stops at bytes missing past what it let go', () => {
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 } })
    decoder.push('server', frame(OP.text, 'a'), 0, 1)
    decoder.push('server', frame(OP.text, 'b'), 10, 2)
    expect(decoder.takeChanges().problems).toEqual([{ dir: 'server', offset: 3, message: 'bytes 3 to 10 are missing: decoding stops there' }])
    expect(decoder.wantFrom('server')).toBe(NOTHING_MORE)
  })

  it('stops a direction after 100 problems: that is not WebSocket', () => {
    const garbage = new Uint8Array(400).fill(0x03)
    const { problems, decoder } = feed('server', garbage, {}, false)
    expect(problems).toHaveLength(101)
    expect(problems.at(-1)?.message).toBe('more than 100 problems: this is not WebSocket, decoding stops')
    expect(decoder.wantFrom('server')).toBe(NOTHING_MORE)
  })
})

describe('WebSocketDecoder skipping', () => {
  const big = new Uint8Array(100_000).map((_, i) => i & 0xff)

  it('lets the engine skip an uncompressed payload past its preview', () => {
    const stream = join(frame(OP.binary, big, { mask: MASK }), frame(OP.text, 'next', { mask: MASK }))
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 } })
    decoder.push('client', stream.subarray(0, 1000), 0, 1)
    const want = decoder.wantFrom('client')
    expect(want).toBe(14 + big.length)
    decoder.push('client', stream.subarray(want), want, 2)
    const { messages, problems } = decoder.takeChanges()
    expect(problems).toEqual([])
    expect(messages.map((m) => [m.size, m.complete, m.range.length])).toEqual([
      [big.length, true, 14 + big.length],
      [4, true, 10]
    ])
    expect(messages[0].preview).toEqual(big.subarray(0, WS_PREVIEW_BYTES))
  })

  it('with keepPayload, skips only to the kept window and keeps it', () => {
    const stream = frame(OP.binary, big, { mask: MASK })
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 }, keepPayload: { index: 0, from: 50_000, length: 100 } })
    decoder.push('client', stream.subarray(0, 1000), 0, 1)
    expect(decoder.keptPayload()).toEqual({ bytes: new Uint8Array(0), total: big.length, end: false })
    const want = decoder.wantFrom('client')
    expect(want).toBe(14 + 50_000)
    decoder.push('client', stream.subarray(want, want + 60), want, 2)
    decoder.push('client', stream.subarray(want + 60), want + 60, 3)
    expect(decoder.keptPayload()).toEqual({ bytes: big.subarray(50_000, 50_100), total: big.length, end: false })
    expect(decoder.wantFrom('client')).toBe(NOTHING_MORE)
  })

  it('wants every byte of a compressed message', () => {
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 }, ...withDeflate })
    const stream = frame(OP.text, deflateMessage('z'.repeat(10_000) + 'tail'), { rsv: 0b100 })
    decoder.push('server', stream.subarray(0, 5), 0, 1)
    expect(decoder.wantFrom('server')).toBe(5)
  })
})

describe('WebSocketDecoder with permessage-deflate', () => {
  const compressed = (text: string, dictionary?: Uint8Array, o: { fin?: boolean } = {}): Uint8Array =>
    frame(OP.text, deflateMessage(text, dictionary), { rsv: 0b100, ...o })
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

  it('inflates a message split into frames anywhere, and the next one from the first one\'s context', () => {
    const first = 'the first message, which the second one refers back to'
    const body = deflateMessage(first)
    const cut = 7
    const stream = join(
      frame(OP.text, body.subarray(0, cut), { rsv: 0b100, fin: false }),
      frame(OP.ping, 'between'),
      frame(OP.continuation, body.subarray(cut)),
      compressed(first, enc(first)),
      frame(OP.text, 'plain')
    )
    const { messages, problems } = feed('server', stream, withDeflate)
    expect(problems).toEqual([])
    expect(messages.map((m) => [m.opcode, m.compressed, text(m), m.size])).toEqual([
      ['text', true, first, first.length],
      ['ping', false, 'between', 7],
      ['text', true, first, first.length],
      ['text', false, 'plain', 5]
    ])
  })

  it('inflates a message sent a byte a frame', () => {
    const message = 'one byte a frame, '.repeat(40)
    const body = deflateMessage(message)
    const frames = Array.from(body, (b, i) =>
      frame(i === 0 ? OP.text : OP.continuation, Uint8Array.of(b), { rsv: i === 0 ? 0b100 : 0, fin: i === body.length - 1, mask: MASK })
    )
    const { messages, problems } = feed('client', join(...frames), withDeflate)
    expect(problems).toEqual([])
    expect(messages.map((m) => [m.frames, m.size, m.complete])).toEqual([[body.length, message.length, true]])
    expect(text(messages[0])).toBe(message.slice(0, WS_PREVIEW_BYTES))
  })

  it('names corrupt deflate data at its message\'s payload, and the messages that shared its context', () => {
    const garbage = frame(OP.binary, Uint8Array.of(0xff, 0xff, 0xff), { rsv: 0b100 })
    const stream = join(garbage, compressed('next'), compressed('and next'))
    const taking = feed('server', stream, withDeflate)
    expect(taking.problems).toEqual([
      { dir: 'server', offset: 2, message: 'permessage-deflate: invalid block type' },
      { dir: 'server', offset: 7, message: 'compressed messages after a lost one are not inflated: they may refer back into it' }
    ])
    expect(taking.messages.map((m) => [m.complete, m.size])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0]
    ])
    // ws.payload says so too, for the message at fault and the ones after it.
    const read = (index: number): unknown => {
      const replay = new WebSocketDecoder({ start: { client: 0, server: 0 }, ...withDeflate, keepPayload: { index, from: 0, length: 100 } })
      replay.push('server', stream, 0, 1)
      return replay.keptPayload()
    }
    expect(read(0)).toEqual({ bytes: new Uint8Array(0), end: false, problem: { message: 'permessage-deflate: invalid block type', offset: 0 } })
    expect(read(2)).toEqual({ bytes: new Uint8Array(0), end: false, problem: { message: 'not inflated: an earlier compressed message was lost', offset: 0 } })
    // Without context takeover each message stands alone.
    const alone = feed('server', stream, { ...withDeflate, deflate: { ...DEFLATE, serverNoContextTakeover: true } })
    expect(alone.problems).toEqual([{ dir: 'server', offset: 2, message: 'permessage-deflate: invalid block type' }])
    expect(alone.messages.slice(1).map(text)).toEqual(['next', 'and next'])
  })

  it('keeps each direction\'s context apart', () => {
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 }, ...withDeflate })
    const c1 = frame(OP.text, deflateMessage('client says'), { rsv: 0b100, mask: MASK })
    const s1 = compressed('server says')
    const c2 = frame(OP.text, deflateMessage('client says', enc('client says')), { rsv: 0b100, mask: MASK })
    decoder.push('client', c1, 0, 1)
    decoder.push('server', s1, 0, 2)
    decoder.push('client', c2, c1.length, 3)
    const { messages, problems } = decoder.takeChanges()
    expect(problems).toEqual([])
    expect(messages.map(text)).toEqual(['client says', 'server says', 'client says'])
  })

  it('previews what arrived of a compressed message cut short, and loses the context', () => {
    const body = deflateMessage('a message that never finished')
    const { messages, problems } = feed('server', frame(OP.text, body, { rsv: 0b100, fin: false }), withDeflate)
    expect(problems.map((p) => p.message)).toEqual(["the stream ended before the fragmented message's last frame"])
    expect([text(messages[0]), messages[0].complete]).toEqual(['a message that never finished', false])
  })

  it('gives up on a compressed message over MAX_COMPRESSED_MESSAGE, holding none of it', () => {
    const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 }, ...withDeflate })
    const n = MAX_COMPRESSED_MESSAGE + 1
    const head = Uint8Array.of(0xc2, 127, 0, 0, 0, 0, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
    decoder.push('server', head, 0, 1)
    const piece = new Uint8Array(1 << 20)
    for (let at = 0; at < n; at += piece.length) decoder.push('server', piece.subarray(0, Math.min(piece.length, n - at)), head.length + at, 2)
    const { messages, problems } = decoder.takeChanges()
    expect(problems).toEqual([{ dir: 'server', offset: head.length + MAX_COMPRESSED_MESSAGE, message: `a compressed message over ${MAX_COMPRESSED_MESSAGE} bytes is not inflated` }])
    expect(messages.map((m) => [m.complete, m.size])).toEqual([[true, 0]])
  })
})

describe('parseWsExtensions', () => {
  it('reads what a 101 agreed', () => {
    expect(parseWsExtensions(undefined)).toBeUndefined()
    expect(parseWsExtensions('x-webkit-deflate-frame')).toBeUndefined()
    expect(parseWsExtensions('permessage-deflate')).toEqual(DEFLATE)
    expect(parseWsExtensions('Permessage-Deflate; client_max_window_bits=10; server_no_context_takeover; server_max_window_bits="9"; client_no_context_takeover')).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 9,
      clientMaxWindowBits: 10
    })
    expect(parseWsExtensions('foo, permessage-deflate; client_max_window_bits=99')?.clientMaxWindowBits).toBe(15)
  })
})
