// The HTTP/1 rule stages driven by hand: whatever TCP does to a stream (one byte at a time,
// many requests in one read), a rule acts once per request; traffic no rule matches passes
// byte for byte; hostile and random bytes never throw.
import { describe, expect, it } from 'vitest'
import { httpRulePair } from '../../../src/core/rules/http-rule-stage'
import { RuleSet } from '../../../src/core/rules/rule-set'
import type { StagePort } from '../../../src/core/proxy/forward-stage'
import { seeded } from '../../helpers/seeded'

interface Leg {
  port: StagePort
  got: Buffer[]
  ended: boolean
  events: Array<Record<string, unknown>>
}

function leg(): Leg {
  const l: Leg = {
    got: [],
    ended: false,
    events: [],
    port: {
      send: (b) => (l.got.push(Buffer.from(b)), true),
      end: () => (l.ended = true),
      hold: () => {},
      event: (_kind, info) => l.events.push(info),
      reset: () => {},
      close: () => {},
      refuse: () => {},
      fail: () => {}
    }
  }
  return l
}

function pairWith(rules: unknown[]): { rules: RuleSet; up: Leg; down: Leg; pair: ReturnType<typeof httpRulePair> } {
  const set = new RuleSet()
  set.set(rules)
  const pair = httpRulePair({ rules: set, connId: 1, conn: () => ({ client: '127.0.0.1:1', targetHost: '127.0.0.1', targetPort: 80 }) })
  const up = leg()
  const down = leg()
  pair.client!.open!(up.port)
  pair.server!.open!(down.port)
  return { rules: set, up, down, pair }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))
/** A few turns of the event loop: enough for a stage's promise chains between two pieces. */
const turns = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

/** Feeds `bytes` in pieces of 1..max bytes (seeded), waiting for the stage between pieces now and then. */
async function feed(stage: { data: (c: Buffer, p: StagePort) => void }, port: StagePort, bytes: Buffer, max: number, rand: () => number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rand() * max)
    stage.data(bytes.subarray(at, at + n), port)
    at += n
    if (rand() < 0.1) await turns()
  }
  await turns()
}

const REQ = (path: string, body = ''): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`

describe('the HTTP/1 rule stages', () => {
  it('answers each matching request once, whatever the pieces, and passes the rest exactly', async () => {
    const rand = seeded(7)
    for (const max of [1, 3, 17, 4096]) {
      const { up, down, pair, rules } = pairWith([{ match: { http: { path: '/mock' } }, steps: [{ respond: { body: 'M' } }] }])
      const stream = REQ('/a', 'one') + REQ('/mock', 'two') + REQ('/b', 'three') + REQ('/mock') + REQ('/c', 'x'.repeat(5000))
      await feed(pair.client!, up.port, Buffer.from(stream), max, rand)
      await settle()
      expect(Buffer.concat(up.got).toString(), `pieces of up to ${max}`).toBe(REQ('/a', 'one') + REQ('/b', 'three') + REQ('/c', 'x'.repeat(5000)))
      // The target answers the three it got; the two mocks come in their places.
      const answer = (b: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n\r\n${b}`
      await feed(pair.server!, down.port, Buffer.from(answer('A') + answer('B') + answer('C')), max, rand)
      await settle()
      const bodies = Buffer.concat(down.got).toString().split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((r) => r.slice(r.indexOf('\r\n\r\n') + 4))
      expect(bodies, `pieces of up to ${max}`).toEqual(['A', 'M', 'B', 'M', 'C'])
      expect(rules.list()[0].hits).toBe(2)
    }
  })

  it('never throws on random or hostile bytes, and passes them on when no rule can use them', async () => {
    const rand = seeded(11)
    const hostile = [
      'GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n',
      'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `GET /${'a'.repeat(70_000)} HTTP/1.1\r\n\r\n`,
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      '\x00\x01\x02\xff\r\n\r\n'
    ]
    for (let i = 0; i < 200; i++) {
      const { up, pair } = pairWith([{ match: { http: { body: { contains: 'never' } } }, steps: [{ close: true }] }])
      const bytes =
        i < hostile.length ? Buffer.from(hostile[i], 'latin1') : Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 2000) }, () => (rand() < 0.7 ? 'GET / HTTP/1.1\r\nA: b\r\n\r\n'.charCodeAt(Math.floor(rand() * 27)) : Math.floor(rand() * 256))))
      await feed(pair.client!, up.port, bytes, 64, rand)
      pair.client!.fin(up.port)
      await turns()
      // Only whole requests can match; whatever else came is let through untouched.
      expect(Buffer.concat(up.got).equals(bytes), `case ${i}`).toBe(true)
      pair.client!.close!()
      pair.server!.close!()
    }
  })

  it("keeps a forward's answer still on its way when the target ends first: the client gets it, then the FIN", async () => {
    const set = new RuleSet()
    set.set([{ match: { http: { path: '/fwd' } }, steps: [{ forward: { to: 'http://127.0.0.1:9' } }] }])
    let answer: ((b: Buffer) => void) | undefined
    const pair = httpRulePair({
      rules: set,
      connId: 1,
      conn: () => ({ client: '127.0.0.1:1', targetHost: '127.0.0.1', targetPort: 80 }),
      forward: () => new Promise<Buffer>((resolve) => (answer = resolve))
    })
    const up = leg()
    const down = leg()
    pair.client!.open!(up.port)
    pair.server!.open!(down.port)
    // The client half-closes right after its request (HTTP/1.0 style); its FIN goes on to the
    // target, which has nothing to answer and ends too, while the other server is still at it.
    pair.client!.data(Buffer.from('GET /fwd HTTP/1.1\r\nHost: x\r\n\r\n'), up.port)
    pair.client!.fin(up.port)
    await settle()
    expect([Buffer.concat(up.got).length, up.ended, answer !== undefined]).toEqual([0, true, true])
    pair.server!.fin(down.port)
    await settle()
    expect(down.ended).toBe(false)
    const reply = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'
    answer!(Buffer.from(reply))
    await settle()
    expect([Buffer.concat(down.got).toString(), down.ended]).toEqual([reply, true])
  })
})
