// The framer finds whole HTTP/1.x messages however their bytes are split, lets through what
// no rule wants at once, stops at an upgrade, and never loses, adds or reorders a byte,
// whatever it is fed (fuzzed with hostile and random input).
import { describe, expect, it } from 'vitest'
import { HttpConversation, HttpFramer, type Framed } from '../../../src/core/breakpoint/http-framer'
import type { MessageHead } from '../../../src/core/breakpoint/break-match'
import type { Direction } from '../../../src/shared/direction'

interface Run {
  out: Buffer[]
  held: Array<{ bytes: string; head: MessageHead; summary: string }>
}

/** Feeds `parts` in order, releasing each held message at once (as a forward would), then the FIN. */
function run(dir: Direction, parts: Buffer[], wanted: (h: MessageHead) => boolean, conv = new HttpConversation()): Run {
  const framer = new HttpFramer(dir, conv, wanted)
  const result: Run = { out: [], held: [] }
  const take = (f: Framed): Buffer | undefined => {
    result.out.push(...f.pass)
    if (f.message) {
      result.held.push({ bytes: f.message.bytes.toString('latin1'), head: f.message.head, summary: f.message.summary })
      result.out.push(f.message.bytes)
    }
    return f.rest
  }
  for (const part of parts) {
    let rest: Buffer | undefined = part
    while (rest !== undefined) rest = take(framer.feed(rest))
  }
  take(framer.finish())
  return result
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const all = (r: Run): string => Buffer.concat(r.out).toString('latin1')
const everyByte = (s: string): Buffer[] => [...b(s)].map((x) => Buffer.from([x]))

const GET = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n'
const POST = 'POST /login?x=1 HTTP/1.1\r\nHost: api.test\r\nContent-Length: 11\r\n\r\nuser=bob&p1'
const CHUNKED = 'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n'

describe('the HTTP framer', () => {
  it('holds the one message a rule wants, whole, in one read or a byte at a time', () => {
    const stream = GET + POST + GET
    for (const parts of [[b(stream)], everyByte(stream)]) {
      const r = run('client', parts, (h) => h.method === 'POST')
      expect(r.held).toMatchObject([{ bytes: POST, head: { method: 'POST', target: '/login?x=1', host: 'api.test' }, summary: 'POST /login?x=1' }])
      expect(r.held[0].head.headers?.map((h) => h.name)).toEqual(['Host', 'Content-Length'])
      expect(all(r)).toBe(stream)
    }
  })

  it('follows chunked bodies and their trailers', () => {
    const r = run('client', everyByte(CHUNKED + GET), (h) => h.target === '/up')
    expect(r.held.map((h) => h.bytes)).toEqual([CHUNKED])
    expect(all(r)).toBe(CHUNKED + GET)
  })

  it('frames responses by the requests they answer: HEAD has no body, a close-delimited body ends at the FIN', () => {
    const conv = new HttpConversation()
    run('client', [b('HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n')], () => false, conv)
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'
    const closing = 'HTTP/1.1 500 Oops\r\n\r\nall of this until the close'
    const r = run('server', [b(head), b(closing)], (h) => h.status !== undefined && h.status >= 500, conv)
    expect(r.held).toEqual([{ bytes: closing, head: { status: 500, headers: [] }, summary: '500 Oops' }])
    expect(all(r)).toBe(head + closing)
  })

  it('lets everything through after a 101 upgrade', () => {
    const conv = new HttpConversation()
    run('client', [b('GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')], () => false, conv)
    const up = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'
    const frames = 'HTTP/1.1 200 OK\r\n\r\nnot HTTP any more'
    const r = run('server', [b(up), b(frames)], () => true, conv)
    expect(r.held.map((h) => h.summary)).toEqual(['101 Switching Protocols'])
    expect(all(r)).toBe(up + frames)
  })

  it('passes what is not HTTP, and finds a message again at the start of a later read', () => {
    const r = run('client', [b('\x16\x03\x01 binary'), b(GET)], () => true)
    expect(r.held.map((h) => h.bytes)).toEqual([GET])
    expect(all(r)).toBe('\x16\x03\x01 binary' + GET)
  })

  it('never loses or reorders a byte, whatever it is fed', () => {
    const pieces = [GET, POST, CHUNKED, 'HTTP/1.1 204 No\r\n\r\n', 'garbage\r\n\r\n', 'POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n', 'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', '\r\n', '\x00\xff']
    let seed = 7
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
    for (let round = 0; round < 3000; round++) {
      let text = ''
      for (let i = rand(6); i >= 0; i--) {
        const piece = pieces[rand(pieces.length)]
        text += rand(4) === 0 ? [...piece].map((c) => (rand(20) === 0 ? String.fromCharCode(rand(256)) : c)).join('') : piece
      }
      const bytes = b(text)
      const parts: Buffer[] = []
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + rand(40)
        parts.push(bytes.subarray(at, at + n))
        at += n
      }
      for (const dir of ['client', 'server'] as const) {
        const r = run(dir, parts, () => rand(2) === 0)
        expect(all(r)).toBe(text)
      }
    }
  })
})
