// The HTTP/2 stages with no target (`serve --rules`) on hand-made frames: tcpscope's own
// SETTINGS and its ACK of the client's, a PING answered, the window of DATA given back, a
// rule's answer and a 404 on their streams (the client's header table untouched), GOAWAY with
// the client's highest stream when the client ends, and a header block it cannot decode. And
// the same server standing in for a target found down (h2-target-down.ts) after the client
// had sent its requests and ended: they are answered (502 saying why), then the end.
import { describe, expect, it } from 'vitest'
import { F_ACK, F_END_STREAM, T_DATA, T_GOAWAY, T_HEADERS, T_PING, T_SETTINGS, T_WINDOW_UPDATE } from '../../../../src/core/protocols/http2/frame-reader'
import { RuleSet } from '../../../../src/core/rules/rule-set'
import { h2RulePair } from '../../../../src/core/rules/h2/h2-rule-pair'
import type { StagePair } from '../../../../src/core/proxy/forward-stage'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { clientPreface, data, Encoder, fakePort, frame, headers, Receiver, type Port } from './h2-frames-helpers'

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30))

function serve(specs: RuleSpec[]): { pair: StagePair; nowhere: Port; toClient: Port; send(b: Buffer): void; got(): Receiver } {
  const rules = new RuleSet()
  rules.set(specs)
  const pair = h2RulePair({ rules, connId: 1, noTarget: true, conn: () => ({ client: '127.0.0.1:5000', targetHost: '127.0.0.1', targetPort: 8080 }) })
  const nowhere = fakePort()
  const toClient = fakePort()
  pair.client!.open!(nowhere)
  pair.server!.open!(toClient)
  return { pair, nowhere, toClient, send: (b) => pair.client!.data(b, nowhere), got: () => new Receiver(false).push(toClient.bytes()) }
}

const request = (path: string, method = 'GET'): Array<[string, string]> => [
  [':method', method],
  [':scheme', 'http'],
  [':authority', 'svc.test'],
  [':path', path],
  ['x-token', 'abcdef0123456789']
]

const u32 = (b: Uint8Array, at = 0): number => Buffer.from(b).readUInt32BE(at)
const r = (port: Port): Receiver => new Receiver(false).push(port.bytes())

describe('HTTP/2 stages with no target', () => {
  it('speak as the server: SETTINGS, ACK, PING, windows, answers by rule and 404, GOAWAY at the end', async () => {
    const r = serve([{ match: { http: { path: '/mock' } }, steps: [{ respond: { status: 201, body: 'made here' } }] }])
    const enc = new Encoder()
    const ping = frame(T_PING, 0, 0, Buffer.from('12345678'))
    r.send(Buffer.concat([clientPreface(), ping, headers(1, enc.block(request('/mock')), true), headers(3, enc.block(request('/other', 'POST')), false)]))
    r.send(data(3, 'x'.repeat(1000), false))
    r.send(data(3, 'y'.repeat(500), true))
    r.send(headers(5, enc.block(request('/mock')), true))
    await settle()
    const got = r.got()
    expect(got.problems).toEqual([])
    // Nothing goes anywhere but to the client.
    expect(r.nowhere.sent).toEqual([])
    const settings = got.of(T_SETTINGS)
    expect(settings.map((f) => f.flags)).toEqual([0, F_ACK])
    expect(got.frames[0].type).toBe(T_SETTINGS)
    const pong = got.of(T_PING)
    expect(pong).toHaveLength(1)
    expect(pong[0].flags).toBe(F_ACK)
    expect(Buffer.from(pong[0].payload!).toString()).toBe('12345678')
    // The DATA read is given back on the connection, and on the stream while it was still
    // coming (the stages give back the connection's themselves while stream 3 waits behind 1).
    const updates = got.of(T_WINDOW_UPDATE).map((f) => [f.stream, u32(f.payload!)])
    const sum = (stream: number): number => updates.filter(([s]) => s === stream).reduce((n, [, v]) => n + v, 0)
    expect([sum(0), sum(3)]).toEqual([1500, 1000])
    const heads = got.of(T_HEADERS)
    expect(heads.map((f) => [f.stream, f.fields!.find(([n]) => n === ':status')![1]]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [1, '201'],
      [3, '404'],
      [5, '201']
    ])
    expect(got.of(T_DATA, 3)[0].data!.toString()).toBe('no rule answers this request.\r\n')
    expect(got.of(T_DATA, 3)[0].flags & F_END_STREAM).toBe(F_END_STREAM)
    expect(got.of(T_DATA, 5)[0].data!.toString()).toBe('made here')

    r.pair.client!.fin(r.nowhere)
    await settle()
    const end = r.got().of(T_GOAWAY)
    expect(end).toHaveLength(1)
    expect([u32(end[0].payload!), u32(end[0].payload!, 4)]).toEqual([5, 0])
    expect(r.toClient.ended).toBe(true)
  })

  it('say GOAWAY COMPRESSION_ERROR for a header block that cannot be decoded', async () => {
    const r = serve([])
    // An index past both tables.
    r.send(Buffer.concat([clientPreface(), headers(1, Uint8Array.of(0xff, 0x7f), true)]))
    await settle()
    const goaway = r.got().of(T_GOAWAY)
    expect(goaway.map((f) => u32(f.payload!, 4))).toEqual([9])
  })

  it('stand in for a target found down after the client sent its requests and its FIN: a rule answers, the rest 502, then GOAWAY and the end', async () => {
    const rules = new RuleSet()
    rules.set([{ match: { http: { path: '/mock' } }, steps: [{ respond: { status: 201, body: 'made here' } }] }])
    const pair = h2RulePair({ rules, connId: 1, conn: () => ({ client: '127.0.0.1:5000', targetHost: '127.0.0.1', targetPort: 8080 }) })
    const toTarget = fakePort()
    const toClient = fakePort()
    pair.client!.open!(toTarget)
    pair.server!.open!(toClient)
    const enc = new Encoder()
    // The second request refers to the table entries the first one added: the stand-in's table must be the target's.
    pair.client!.data(Buffer.concat([clientPreface(), headers(1, enc.block(request('/a')), true), headers(3, enc.block(request('/mock')), true), headers(5, enc.block(request('/b', 'POST')), false)]), toTarget)
    pair.client!.data(data(5, 'body', true), toTarget)
    pair.client!.fin(toTarget)
    await settle()
    // Sent toward the (connecting) target so far, nothing answered: the rule's answer waits for a target's SETTINGS.
    expect(toTarget.ended).toBe(true)
    expect(toClient.sent).toEqual([])
    expect(pair.server!.targetDown!('connection refused by 127.0.0.1:8080')).toBe(true)
    await settle()
    const got = r(toClient)
    expect(got.problems).toEqual([])
    const status = (s: number): string | undefined => got.of(T_HEADERS, s)[0]?.fields?.find(([n]) => n === ':status')?.[1]
    expect([status(1), status(3), status(5)]).toEqual(['502', '201', '502'])
    expect(got.of(T_DATA, 1)[0].data!.toString()).toBe('tcpscope could not forward the request: connection refused by 127.0.0.1:8080\n')
    const end = got.of(T_GOAWAY)
    expect(end.map((f) => [u32(f.payload!), u32(f.payload!, 4)])).toEqual([[5, 0]])
    expect(toClient.ended).toBe(true)
    // Each 502 is recorded on its request, keeping the frames the client got.
    const answered = toTarget.events.filter((e) => e.rule === '')
    expect(answered.map((e) => [e.summary, e.action])).toEqual([
      ['GET /a', 'respond'],
      ['POST /b', 'respond']
    ])
    expect(Buffer.from(String(answered[0].delivered), 'base64').toString('latin1')).toContain('connection refused by 127.0.0.1:8080')
  })

  it('leave a target found down to the reset once the target was heard from', () => {
    const pair = h2RulePair({ rules: new RuleSet(), connId: 1, conn: () => ({ client: '127.0.0.1:5000', targetHost: '127.0.0.1', targetPort: 8080 }) })
    const toTarget = fakePort()
    const toClient = fakePort()
    pair.client!.open!(toTarget)
    pair.server!.open!(toClient)
    pair.client!.data(clientPreface(), toTarget)
    pair.server!.data(frame(T_SETTINGS, 0, 0, Buffer.alloc(0)), toClient)
    // What went to it is no longer kept: nothing could stand in for it truthfully.
    expect(pair.server!.targetDown!('gone')).toBe(false)
  })
})

