// The HTTP/2 rule stages on hand-made frames, every byte in its own chunk where it matters: a
// request answered here (after the target's SETTINGS and its ACK of the client's, never before), the target's header
// table kept right for the next request (its block refers to entries the answered one
// added), windows given back and owed, a client's lowered header table size honoured, the
// hold limit, gRPC's trailers-only answer, and hostile frames that never make a stage throw.
import { describe, expect, it } from 'vitest'
import { F_END_STREAM, T_CONTINUATION, T_DATA, T_GOAWAY, T_HEADERS, T_PING, T_PRIORITY, T_PUSH_PROMISE, T_RST_STREAM, T_SETTINGS, T_WINDOW_UPDATE } from '../../../../src/core/protocols/http2/frame-reader'
import { RuleSet } from '../../../../src/core/rules/rule-set'
import { h2RulePair, opensLikeH2 } from '../../../../src/core/rules/h2/h2-rule-pair'
import { grpcMessageText } from '../../../../src/core/rules/h2/h2-message'
import type { StagePair } from '../../../../src/core/proxy/forward-stage'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { MAX_HELD_MESSAGE } from '../../../../src/shared/break-types'
import { clientPreface, data, Encoder, fakePort, frame, headers, Receiver, serverOpening, settings, settingsAck, windowUpdate, type Port } from './h2-frames-helpers'

interface Rig {
  pair: StagePair
  toTarget: Port
  toClient: Port
  rules: RuleSet
  client(bytes: Buffer, oneByOne?: boolean): void
  server(bytes: Buffer, oneByOne?: boolean): void
  /** What the target got, read as its HTTP/2 (one HPACK context, from the start). */
  target(): Receiver
  /** What the client got. */
  got(): Receiver
}

function rig(specs: RuleSpec[]): Rig {
  const rules = new RuleSet()
  rules.set(specs)
  const pair = h2RulePair({ rules, connId: 1, conn: () => ({ client: '127.0.0.1:5000', targetHost: '127.0.0.1', targetPort: 8080 }) })
  const toTarget = fakePort()
  const toClient = fakePort()
  pair.client!.open!(toTarget)
  pair.server!.open!(toClient)
  const feed = (stage: 'client' | 'server', port: Port, bytes: Buffer, oneByOne = false): void => {
    if (!oneByOne) return pair[stage]!.data(bytes, port)
    for (let i = 0; i < bytes.length; i++) pair[stage]!.data(bytes.subarray(i, i + 1), port)
  }
  return {
    pair,
    toTarget,
    toClient,
    rules,
    client: (b, one) => feed('client', toTarget, b, one),
    server: (b, one) => feed('server', toClient, b, one),
    target: () => new Receiver(true).push(toTarget.bytes()),
    got: () => new Receiver(false).push(toClient.bytes())
  }
}

const u32 = (b: Uint8Array): number => Buffer.from(b).readUInt32BE(0)

/** Until the async rule work (a body read, an answer built) is over. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30))

const request = (path: string, more: Array<[string, string]> = []): Array<[string, string]> => [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':authority', 'svc.test'],
  [':path', path],
  ['user-agent', 'hand-made/1.0'],
  ['x-token', 'abcdef0123456789'],
  ...more
]

const MOCK: RuleSpec = { match: { http: { path: '/mock' } }, steps: [{ respond: { status: 201, headers: { 'X-Mocked': 'yes' }, body: 'made here' } }] }

describe('HTTP/2 rule stages on hand-made frames', () => {
  it('answer a request given a byte at a time, after the target’s SETTINGS, and keep the target’s header table right for the next one', async () => {
    const r = rig([MOCK])
    const enc = new Encoder()
    r.client(Buffer.concat([clientPreface(), headers(1, enc.block(request('/mock')), true)]), true)
    await settle()
    // The target has not spoken yet: nothing may reach the client before its SETTINGS.
    expect(r.toClient.bytes().length).toBe(0)
    r.server(settings([[3, 100]]), true)
    // Nor before it acknowledged the client's, as a server's own answer would come: made
    // before, the answer overtook that ACK, and a client that closes once answered got it late.
    expect(r.got().frames.map((f) => [f.type, f.flags])).toEqual([[T_SETTINGS, 0]])
    r.server(settingsAck(), true)
    const got = r.got()
    expect(got.frames.map((f) => [f.type, f.stream])).toEqual([
      [T_SETTINGS, 0],
      [T_SETTINGS, 0],
      [T_HEADERS, 1],
      [T_DATA, 1]
    ])
    expect(got.of(T_HEADERS, 1)[0].fields).toEqual([
      [':status', '201'],
      ['x-mocked', 'yes'],
      ['content-length', '9']
    ])
    expect(got.of(T_DATA, 1)[0].data!.toString()).toBe('made here')
    expect(got.of(T_DATA, 1)[0].flags & F_END_STREAM).toBe(F_END_STREAM)
    // The next request refers to the table entries the answered one added: the target, which never got that block, still reads it right.
    r.client(headers(3, enc.block(request('/next')), true), true)
    await settle()
    const target = r.target()
    expect(target.problems).toEqual([])
    expect(target.of(T_HEADERS).map((f) => [f.stream, f.fields])).toEqual([[3, request('/next')]])
    expect(r.toClient.events).toEqual([])
    expect(r.toTarget.events).toEqual([expect.objectContaining({ action: 'respond', message: 'answered GET /mock with 201 on stream 1 (not sent to the target)', offset: 33, summary: 'GET /mock' })])
    expect(r.rules.list()[0].hits).toBe(1)
  })

  it('still answer, and then end, when the target ends without acknowledging the client’s SETTINGS', async () => {
    const r = rig([MOCK])
    const enc = new Encoder()
    r.client(Buffer.concat([clientPreface(), headers(1, enc.block(request('/mock')), true)]))
    r.server(settings())
    await settle()
    expect(r.got().of(T_HEADERS, 1)).toEqual([])
    r.pair.server!.fin(r.toClient)
    expect(r.got().of(T_HEADERS, 1).map((f) => f.fields?.[0])).toEqual([[':status', '201']])
    expect(r.toClient.ended).toBe(true)
  })

  it('give the client back the window of a body the target never gets, and cut an answer to the client’s windows', async () => {
    const r = rig([{ match: { http: { path: '/upload' } }, steps: [{ respond: { status: 200, body: 'x'.repeat(25) } }] }])
    const enc = new Encoder()
    // The client allows 10 bytes a stream.
    r.client(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), settings([[4, 10]])]))
    r.server(serverOpening())
    r.client(Buffer.concat([headers(1, enc.block([[':method', 'POST'], ...request('/upload').slice(1)]), false), data(1, 'a'.repeat(1000), true)]))
    await settle()
    let got = r.got()
    expect(got.of(T_WINDOW_UPDATE, 0).map((f) => u32(f.payload!))).toEqual([1000])
    expect(got.of(T_DATA, 1).map((f) => f.length)).toEqual([10])
    r.client(windowUpdate(1, 10))
    got = r.got()
    expect(got.of(T_DATA, 1).map((f) => f.length)).toEqual([10, 10])
    r.client(windowUpdate(1, 100))
    got = r.got()
    expect(got.of(T_DATA, 1).map((f) => [f.length, f.flags & F_END_STREAM])).toEqual([
      [10, 0],
      [10, 0],
      [5, F_END_STREAM]
    ])
    // The client's connection WINDOW_UPDATE counts the 25 bytes made here: the target, which never sent them, gets the rest.
    r.client(windowUpdate(0, 40))
    expect(
      r
        .target()
        .of(T_WINDOW_UPDATE, 0)
        .map((f) => u32(f.payload!))
    ).toEqual([15])
  })

  it('start an answer with the dynamic table size update a client that lowered its table waits for', async () => {
    const r = rig([MOCK])
    const enc = new Encoder()
    r.client(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), settings([[1, 0]]), headers(1, enc.block(request('/mock')), true)]))
    r.server(serverOpening())
    await settle()
    const head = r.got().of(T_HEADERS, 1)[0]
    expect(head.payload![0]).toBe(0x20)
    expect(r.got().problems).toEqual([])
  })

  it('answer gRPC trailers-only, grpc-message percent-encoded', async () => {
    const r = rig([{ match: { grpc: { method: '/demo.Greeter/SayHello' } }, steps: [{ respond: { grpc: { status: 14, message: 'try again: 100% é' } } }] }])
    const enc = new Encoder()
    r.client(clientPreface())
    r.server(serverOpening())
    const call: Array<[string, string]> = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', 'svc.test'],
      [':path', '/demo.Greeter/SayHello'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers']
    ]
    // Its head alone decides: the answer goes before the body came, and the client is told to stop sending it.
    r.client(headers(1, enc.block(call), false))
    await settle()
    const got = r.got()
    const head = got.of(T_HEADERS, 1)[0]
    expect(head.flags & F_END_STREAM).toBe(F_END_STREAM)
    expect(head.fields).toEqual([
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-status', '14'],
      ['grpc-message', 'try again: 100%25 %C3%A9']
    ])
    expect(got.of(T_RST_STREAM, 1).map((f) => u32(f.payload!))).toEqual([0])
    // The message that follows is not the target's: its window goes back to the client.
    r.client(data(1, Buffer.alloc(12), true))
    expect(r.target().of(T_DATA)).toEqual([])
    expect(r.got().of(T_WINDOW_UPDATE, 0).map((f) => u32(f.payload!))).toEqual([12])
    expect(grpcMessageText('plain ASCII stays')).toBe('plain ASCII stays')
  })

  it('let a request past the hold limit through as it came, in one record', async () => {
    const r = rig([{ match: { http: { body: { contains: 'never' } } }, steps: [{ respond: { status: 500 } }] }])
    const enc = new Encoder()
    r.client(clientPreface())
    // The target's windows take it all (what they do not take yet waits in order).
    r.server(Buffer.concat([serverOpening([[4, 0x7fffffff]]), windowUpdate(0, 0x7fffffff - 65535)]))
    r.client(headers(1, enc.block([[':method', 'POST'], ...request('/big').slice(1)]), false))
    const piece = Buffer.alloc(16384, 1)
    for (let sent = 0; sent <= MAX_HELD_MESSAGE; sent += piece.length) r.client(data(1, piece, false))
    r.client(data(1, 'end', true))
    await settle()
    const target = r.target()
    expect(target.of(T_HEADERS, 1)).toHaveLength(1)
    expect(target.of(T_DATA, 1).reduce((n, f) => n + f.length, 0)).toBe(Math.ceil((MAX_HELD_MESSAGE + 1) / 16384) * 16384 + 3)
    expect(r.toTarget.events).toEqual([expect.objectContaining({ action: 'error', message: 'not matched: POST /big is over the 16.0 MiB hold limit, let through as it came' })])
  })

  it('tell an HTTP/2 server’s opening SETTINGS from other first bytes', () => {
    expect(opensLikeH2(settings([[3, 100]]))).toBe(true)
    expect(opensLikeH2(settings())).toBe(true)
    expect(opensLikeH2(Buffer.from('220 smtp.example ESMTP ready\r\n'))).toBe(false)
    expect(opensLikeH2(Buffer.from([0, 0, 6, 4, 0, 0, 0]))).toBe(false)
    expect(opensLikeH2(frame(T_SETTINGS, 0, 1, Buffer.alloc(6)))).toBe(false)
  })

  it('never throw on hostile frames, in any chunking', async () => {
    const enc = new Encoder()
    const block = Buffer.from(enc.block(request('/mock')))
    const hostile: Buffer[] = [
      frame(T_HEADERS, 0x4, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), // an index past every table
      frame(T_CONTINUATION, 0x4, 1, Buffer.from([0x82])), // no HEADERS before it
      frame(T_HEADERS, 0x0, 3, block.subarray(0, 4)), // a block never ended...
      frame(T_DATA, 0x0, 3, Buffer.from('x')), // ...interrupted
      frame(T_DATA, 0x8, 5, Buffer.from([200, 1, 2])), // padding longer than the frame
      frame(T_DATA, 0x1, 0, Buffer.from('on stream 0')),
      frame(T_HEADERS, 0x5, 0, block),
      frame(T_HEADERS, 0x2c, 7, Buffer.from([0x08])), // PADDED and PRIORITY with too short a payload
      frame(T_WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1])),
      frame(T_WINDOW_UPDATE, 0, 1, Buffer.from([0x7f, 0xff, 0xff, 0xff])),
      frame(T_WINDOW_UPDATE, 0, 1, Buffer.from([0, 0, 0, 0])),
      frame(T_SETTINGS, 0, 0, Buffer.from([0, 4, 0xff, 0xff, 0xff, 0xff, 0, 5, 0, 0, 0, 1, 0, 1])),
      frame(T_RST_STREAM, 0, 1, Buffer.from([1])),
      frame(T_PRIORITY, 0, 9, Buffer.alloc(5)),
      frame(T_PUSH_PROMISE, 0x4, 1, Buffer.from([0, 0, 0, 2, 0x82])),
      frame(T_PING, 0, 0, Buffer.alloc(8)),
      frame(T_GOAWAY, 0, 0, Buffer.alloc(3)),
      frame(0xfa, 0xff, 11, Buffer.from('an unknown type')),
      Buffer.from([0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 1]), // a HEADERS frame 16 MiB long, never sent whole
      Buffer.from('GET / HTTP/1.1\r\n\r\n')
    ]
    const rules: RuleSpec[] = [MOCK, { match: { http: { body: { contains: 'a' } } }, steps: [{ rewrite: { request: { body: 'b' }, response: { status: 500, json: { $: 1 } } } }] }]
    for (const bad of hostile) {
      for (const oneByOne of [false, true]) {
        for (const side of ['client', 'server'] as const) {
          const r = rig(rules)
          r.client(Buffer.concat([clientPreface(), headers(1, Buffer.from(new Encoder().block(request('/mock'))), false)]))
          r.server(serverOpening())
          expect(() => (side === 'client' ? r.client(bad, oneByOne) : r.server(bad, oneByOne))).not.toThrow()
          expect(() => r.client(Buffer.concat([data(1, 'a', true), headers(3, block, true)]), oneByOne)).not.toThrow()
          expect(() => r.server(Buffer.concat([headers(1, Buffer.from([0x88]), false), data(1, 'z', true)]), oneByOne)).not.toThrow()
          await settle()
          // Nothing failed inside either: a frame it cannot read stops the reading, with no record.
          expect([...r.toTarget.events, ...r.toClient.events].map((e) => String(e.message))).not.toContainEqual(expect.stringMatching(/stopped reading|a rule failed/))
          expect(() => {
            r.pair.client!.fin(r.toTarget)
            r.pair.server!.fin(r.toClient)
            r.pair.client!.close!()
          }).not.toThrow()
        }
      }
    }
    // Random bytes, seeded.
    let seed = 7
    const random = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff))
    for (let i = 0; i < 200; i++) {
      const r = rig(rules)
      expect(() => {
        r.client(Buffer.concat([clientPreface(), random(64)]), i % 2 === 0)
        r.server(random(64), i % 3 === 0)
        r.client(random(64))
      }).not.toThrow()
      expect([...r.toTarget.events, ...r.toClient.events].map((e) => String(e.message))).not.toContainEqual(expect.stringMatching(/stopped reading/))
    }
    await settle()
  })
})
