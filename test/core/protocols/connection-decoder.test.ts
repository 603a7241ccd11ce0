// Every connection gets a protocol: recognised from the client's first bytes (HTTP/1, TLS,
// HTTP/2 prior knowledge, raw), 'unknown' until they tell; HTTP that upgrades to WebSocket
// is handed to the WebSocket decoder, and what is not HTTP produces nothing.
import { describe, expect, it } from 'vitest'
import { inflateRaw } from '../../../src/core/http/inflate-raw'
import { detectProtocol } from '../../../src/core/protocols/detect'
import { createConnectionDecoder } from '../../../src/core/protocols/connection-decoder'
import { MAX_RECOGNISE_BYTES } from '../../../src/core/protocols/messages/message-decoders'
import { NOTHING_MORE } from '../../../src/core/protocols/stream-decoder'
import { bytes, decode, type Piece } from './feed'

const TLS_HELLO = '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'

/** A masked client frame (RFC 6455 5.2), small payloads only. */
function clientFrame(opcode: number, payload: string, fin = true): string {
  const mask = [1, 2, 3, 4]
  const masked = [...payload].map((c, i) => String.fromCharCode(c.charCodeAt(0) ^ mask[i % 4])).join('')
  return String.fromCharCode((fin ? 0x80 : 0) | opcode, 0x80 | payload.length, ...mask) + masked
}
const serverFrame = (opcode: number, payload: string): string => String.fromCharCode(0x80 | opcode, payload.length) + payload

describe('detectProtocol', () => {
  it.each([
    ['GET / HTTP/1.1\r\n', false, 'http1'],
    ['OPTIONS * HTTP/1.0\r\n', false, 'http1'],
    ['\r\nPOST /x HTTP/1.1\r\n', false, 'http1'],
    ['GET /', false, 'unknown'],
    ['GET /', true, 'http1'],
    ['G', false, 'unknown'],
    ['get / HTTP/1.1\r\n', false, 'raw'],
    ['GET / HTTP/2.0\r\n', false, 'raw'],
    ['HELLO THERE\r\n', false, 'raw'],
    ['*1\r\n$4\r\nPING\r\n', false, 'raw'],
    [TLS_HELLO, false, 'tls'],
    ['\x16', false, 'unknown'],
    ['\x16\x03', false, 'unknown'],
    ['\x16\x04\x01', false, 'raw'],
    [H2_PREFACE, false, 'http2'],
    [H2_PREFACE.slice(0, 10), false, 'unknown'],
    ['PRI * HTTP/2.0\r\n\r\nXX', false, 'raw'],
    ['', false, 'unknown'],
    ['', true, 'raw'],
    ['\x00\x01\x02', false, 'raw']
  ])('%j (final: %s) is %s', (first, final, protocol) => {
    expect(detectProtocol(bytes(first), final)).toBe(protocol)
  })

  it('decides a long request line with a known method before its end, anything else is raw', () => {
    expect(detectProtocol(bytes('GET /' + 'a'.repeat(9000)))).toBe('http1')
    expect(detectProtocol(bytes('FROB /' + 'a'.repeat(9000)))).toBe('raw')
  })
})

describe('createConnectionDecoder', () => {
  it('is unknown until the client tells, then decodes HTTP fed a byte at a time', () => {
    const decoder = createConnectionDecoder()
    expect(decoder.protocol).toBe('unknown')
    const request = bytes('GET /x HTTP/1.1\r\nHost: h\r\n\r\n')
    for (let i = 0; i < request.length; i++) decoder.push('client', request.subarray(i, i + 1), i, 1)
    expect(decoder.protocol).toBe('http1')
    expect(decoder.takeChanges().exchanges).toMatchObject([{ index: 0, state: 'pending', request: { target: '/x', headers: [{ name: 'Host' }] } }])
  })

  it('keeps its own copy of what it holds while the protocol, or what a raw connection carries, is still unknown: a caller may reuse its buffer', () => {
    const decoder = createConnectionDecoder()
    const request = 'GET /reused HTTP/1.1\r\nHost: h\r\n\r\n'
    // One buffer, written again for each piece, as a reader with one scratch buffer would.
    const scratch = new Uint8Array(64)
    let offset = 0
    for (const piece of [request.slice(0, 3), request.slice(3, 9), request.slice(9)]) {
      scratch.fill(0x7e)
      scratch.set(bytes(piece))
      decoder.push('client', scratch.subarray(0, piece.length), offset, 1)
      offset += piece.length
    }
    expect(decoder.protocol).toBe('http1')
    expect(decoder.takeChanges().exchanges).toMatchObject([{ state: 'pending', request: { method: 'GET', target: '/reused', headers: [{ name: 'Host', value: 'h' }] } }])

    // A raw connection's first bytes wait for its server's answer the same way.
    const raw = createConnectionDecoder({ port: 9999 })
    scratch.fill(0x7e)
    scratch.set(bytes('PING\r\n'))
    raw.push('client', scratch.subarray(0, 6), 0, 1)
    expect(raw.summary()).toEqual({ protocol: 'raw' })
    scratch.fill(0x7e)
    scratch.set(bytes('+PONG\r\n'))
    raw.push('server', scratch.subarray(0, 7), 0, 2)
    expect(raw.summary()).toEqual({ protocol: 'raw', carries: 'resp' })
  })

  it.each([
    // (A TLS connection's client hello is read while it comes: tls-hello.test.ts. This one ends cut short.)
    ['tls', [{ dir: 'client', bytes: TLS_HELLO }, { dir: 'server', bytes: '\x16\x03\x03\x00\x10' }, { dir: 'client', end: true }]],
    ['raw', [{ dir: 'client', bytes: 'HELLO\r\n' }, { dir: 'server', bytes: 'hi there\r\n' }]],
    // A server that speaks first (SMTP, MySQL) is not HTTP, whatever the client says next.
    ['raw', [{ dir: 'server', bytes: '220 mail.test ESMTP\r\n' }, { dir: 'client', bytes: 'GET / HTTP/1.1\r\n\r\n' }]],
    ['raw', [{ dir: 'client', bytes: 'GE' }, { dir: 'client', end: true }]]
  ] as Array<[string, Piece[]]>)('a %s connection produces nothing and needs none of its bytes past its first ones', (protocol, pieces) => {
    const d = decode(pieces)
    expect(d.decoder.protocol).toBe(protocol)
    expect(d.exchanges).toEqual([])
    expect(d.problems).toEqual([])
    // A raw connection's first bytes may still tell what its messages are (a recogniser waiting for more), no further.
    for (const dir of ['client', 'server'] as const) {
      const want = d.decoder.wantFrom(dir)
      if (protocol === 'tls') expect(want).toBe(NOTHING_MORE)
      else expect(want === NOTHING_MORE || want <= MAX_RECOGNISE_BYTES).toBe(true)
    }
    expect(d.decoder.summary()).toEqual({ protocol })
  })

  it('says which protocol\'s messages a raw connection carries, from its first bytes or its port, and still needs none of its bytes', () => {
    const redis = decode([{ dir: 'client', bytes: '*1\r\n$4\r\nPING\r\n' }, { dir: 'server', bytes: '+PONG\r\n' }])
    expect(redis.decoder.summary()).toEqual({ protocol: 'raw', carries: 'resp' })
    expect(redis.decoder.wantFrom('client')).toBe(NOTHING_MORE)
    const own = createConnectionDecoder({ port: 6379 })
    own.push('client', new TextEncoder().encode('PING\r\n'), 0, 1)
    own.end('client', 2)
    expect(own.summary()).toEqual({ protocol: 'raw', carries: 'resp' })
    // An inline command is redis on any port once its server answers in RESP: until then the
    // decoder wants the answer's first bytes; an echo of the line says it is not redis.
    const elsewhere = createConnectionDecoder({ port: 9999 })
    elsewhere.push('client', new TextEncoder().encode('PING\r\n'), 0, 1)
    expect(elsewhere.summary()).toEqual({ protocol: 'raw' })
    expect(elsewhere.wantFrom('server')).toBe(0)
    elsewhere.push('server', new TextEncoder().encode('+PONG\r\n'), 0, 2)
    expect(elsewhere.summary()).toEqual({ protocol: 'raw', carries: 'resp' })
    expect(elsewhere.wantFrom('client')).toBe(NOTHING_MORE)
    expect(elsewhere.wantFrom('server')).toBe(NOTHING_MORE)
    const echo = createConnectionDecoder({ port: 9999 })
    echo.push('client', new TextEncoder().encode('PING hello\r\n'), 0, 1)
    echo.push('server', new TextEncoder().encode('PING hello\r\n'), 0, 2)
    echo.end('client', 3)
    expect(echo.summary()).toEqual({ protocol: 'raw' })
    expect(echo.wantFrom('server')).toBe(NOTHING_MORE)
    const chat = createConnectionDecoder({ port: 9999 })
    chat.push('client', new TextEncoder().encode('hello\r\n'), 0, 1)
    chat.end('client', 2)
    expect(chat.summary()).toEqual({ protocol: 'raw' })
  })

  it('reads an HTTP/2 connection frame by frame from its preface, whether or not its server\'s SETTINGS came first', () => {
    const settings = '\x00\x00\x00\x04\x00\x00\x00\x00\x00'
    for (const pieces of [
      [{ dir: 'client', bytes: H2_PREFACE + settings }],
      [{ dir: 'server', bytes: settings }, { dir: 'client', bytes: H2_PREFACE + settings }]
    ] as Piece[][]) {
      const d = decode(pieces)
      expect(d.decoder.protocol).toBe('http2')
      expect(d.problems).toEqual([])
      expect(d.decoder.wantFrom('client')).toBe(H2_PREFACE.length + settings.length)
      expect(d.decoder.summary()).toEqual({ protocol: 'http2', exchanges: 0 })
    }
  })

  it('decodes as it is told to, from where it is told to start', () => {
    const d = decode([{ dir: 'client', bytes: 'GET /2 HTTP/1.1\r\n\r\n' }, { dir: 'server', bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }], {
      protocol: 'http1',
      start: { client: 500, server: 700 }
    })
    expect(d.exchanges[0]).toMatchObject({ state: 'complete', request: { startRange: { offset: 500 } }, response: { startRange: { offset: 700 } } })
  })

  const UPGRADE = 'GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  const SWITCHED = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n'

  it('hands the rest of both streams to the WebSocket decoder after a 101, the upgrade exchange kept', () => {
    const d = decode([
      { dir: 'client', bytes: UPGRADE },
      // Frames in the same segment as the 101 are the WebSocket's.
      { dir: 'server', bytes: SWITCHED + '\r\n' + serverFrame(1, 'welcome') },
      { dir: 'client', bytes: clientFrame(1, 'hel', false) + clientFrame(0, 'lo') },
      { dir: 'server', bytes: serverFrame(1, 'hello back') + serverFrame(8, '\x03\xe8bye') },
      { dir: 'client', bytes: clientFrame(8, '\x03\xe8') },
      { dir: 'client', end: true },
      { dir: 'server', end: true }
    ])
    expect(d.problems).toEqual([])
    expect(d.decoder.protocol).toBe('websocket')
    expect(d.exchanges).toMatchObject([{ index: 0, state: 'upgraded', upgrade: 'websocket', response: { status: 101 } }])
    expect(d.messages.map((m) => [m.dir, m.opcode, Buffer.from(m.preview).toString('latin1'), m.frames])).toEqual([
      ['server', 'text', 'welcome', 1],
      ['client', 'text', 'hello', 2],
      ['server', 'text', 'hello back', 1],
      ['server', 'close', '\x03\xe8bye', 1],
      ['client', 'close', '\x03\xe8', 1]
    ])
    expect(d.messages[3]).toMatchObject({ closeCode: 1000, closeReason: 'bye' })
    expect(d.decoder.summary()).toMatchObject({ protocol: 'websocket', exchanges: 1, messages: 5, first: { method: 'GET', status: 101 } })
    // The first frame starts right after the 101's head.
    expect(d.messages[0].range.offset).toBe(SWITCHED.length + 2)
  })

  it('inflates permessage-deflate messages when the 101 agreed to it', () => {
    // "Hello" compressed, as RFC 7692 7.2.3.1 shows it.
    const compressed = '\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00'
    const d = decode(
      [
        { dir: 'client', bytes: UPGRADE.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n') },
        { dir: 'server', bytes: SWITCHED + 'Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n' + compressed }
      ],
      { inflateRaw }
    )
    expect(d.problems).toEqual([])
    expect(d.messages).toMatchObject([{ opcode: 'text', compressed: true, size: 5 }])
    expect(Buffer.from(d.messages[0].preview).toString()).toBe('Hello')
  })
})
