// Raw replay with edited client turns, and the recorded answers a result carries beside the
// new ones: a redis-cli session whose SET is sent with another value gets that value back
// from GET; an edit that has no turn to go to is refused before anything connects.
import { describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { needPeer } from '../../helpers/peers'
import { collect, connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf } from '../../helpers/engine'
import { userRefusal } from '../../helpers/errors'
import { captureRedisSession, engineWithRedis } from './redis-capture'

const setup = engineWithRedis()

const key = (what: string): string => `tcpscope-edit-${what}-${process.pid}-${Date.now()}`
const resp = (...words: string[]): Buffer => Buffer.from(`*${words.length}\r\n` + words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join(''))

describe('raw replay edits', () => {
  it('sends an edited SET and GET answers the edited value; other turns are sent as recorded', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const k = key('set')
    const connId = await captureRedisSession(t.engine, redis.port, [`SET ${k} one`, `GET ${k}`])
    const plain = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns' })
    // redis-cli asks about its commands first: SET and GET are the last two turns.
    const set = plain.of - 2
    const edited = resp('SET', k, 'twelve')
    const r = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', edits: [{ turn: set, bytes: edited }] })
    const [s, g] = r.turns.slice(-2)
    expect(s).toMatchObject({ index: set, edited: true, sent: edited.length, recordedSent: resp('SET', k, 'one').length, matched: true })
    expect(Buffer.from(s.bytes).toString()).toBe('+OK\r\n')
    expect(g.edited).toBeUndefined()
    expect(g.matched).toBe(false)
    expect(Buffer.from(g.bytes).toString()).toBe('$6\r\ntwelve\r\n')
    expect(Buffer.from(g.recordedBytes).toString()).toBe('$3\r\none\r\n')
    expect(r.turns.filter((x) => x.edited === true)).toHaveLength(1)
    // The replay's own connection holds what was sent: the edited bytes in place of the recorded ones.
    const sent = await t.engine['conn.read']({ capture: 'live', connId: r.connId!, dir: 'client', offset: 0, length: 1 << 20 })
    expect(Buffer.from(sent).includes(edited)).toBe(true)
    expect(Buffer.from(sent).includes(Buffer.from('one'))).toBe(false)
  })

  it('carries the recorded answer of every turn beside the new one', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const k = key('recorded')
    const connId = await captureRedisSession(t.engine, redis.port, [`SET ${k} hello`, `GET ${k}`, 'PING'])
    const [conn] = await t.engine['conn.get']({ capture: 'live', ids: [connId] })
    const server = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId, dir: 'server', offset: 0, length: conn.bytes.server }))
    const r = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'burst' })
    expect(Buffer.concat(r.turns.map((x) => Buffer.from(x.recordedBytes)))).toEqual(server)
    for (const x of r.turns) expect(x.recordedBytes.length).toBe(x.expected)
    expect(r.turns.map((x) => Buffer.from(x.recordedBytes).toString()).slice(-3)).toEqual(['+OK\r\n', '$5\r\nhello\r\n', '+PONG\r\n'])
  })

  it('refuses an edit of a turn that does not exist or where the client sent nothing, before connecting', async () => {
    const { t } = await setup()
    const greeter = await startServer((s: Socket) => {
      s.write('hi\n')
      s.on('data', (c: Buffer) => s.write(c.toString().toUpperCase()))
      s.on('end', () => s.end())
    })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${greeter.port}` })
    const client = await connectTo(portOf(proxy.listen))
    let seen = ''
    client.on('data', (b: Buffer) => {
      seen += b.toString()
      if (seen === 'hi\n') client.write('abc\n')
      if (seen.endsWith('ABC\n')) client.end()
    })
    await collect(client)
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.end !== 'open'), 'the connection to close')
    await t.engine['proxy.stop']({ proxyId: proxy.id })
    const before = t.engine.capture.connections().length
    const edit = (turn: number): Promise<unknown> => t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', edits: [{ turn, bytes: Buffer.from('x\n') }] })
    expect((await userRefusal(edit(0))).message).toBe(`cannot edit turn 1 of connection #${conn.id}: the client sent nothing in it (the server spoke first)`)
    expect((await userRefusal(edit(5))).message).toBe(`cannot edit turn 6: connection #${conn.id} has 2 turns`)
    // Nothing connected: no replay connection was recorded.
    expect(t.engine.capture.connections()).toHaveLength(before)
    const r = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', edits: [{ turn: 1, bytes: Buffer.from('xyz\n') }] })
    await greeter.close()
    expect(r.turns.map((x) => [Buffer.from(x.bytes).toString(), Buffer.from(x.recordedBytes).toString(), x.matched])).toEqual([
      ['hi\n', 'hi\n', true],
      ['XYZ\n', 'ABC\n', false]
    ])
  })
})

describe('what a result keeps', () => {
  it('takes recorded answers and new ones out of one budget', async () => {
    const { Answers } = await import('../../../src/core/replay/answers')
    const { REPLAY_KEPT_PER_TURN } = await import('../../../src/shared/replay-types')
    const big = REPLAY_KEPT_PER_TURN * 4
    const budget = REPLAY_KEPT_PER_TURN * 3
    const a = new Answers([big, big, big, big], true, budget)
    // Recorded answers: at most half the budget, whole turns first.
    expect(a.recordedKeep).toEqual([REPLAY_KEPT_PER_TURN, REPLAY_KEPT_PER_TURN / 2, 0, 0])
    a.feed(Buffer.alloc(big * 4))
    const kept = a.list.reduce((n, x) => n + x.keptBytes, 0)
    expect(kept + a.recordedKeep.reduce((n, x) => n + x, 0)).toBe(budget)
    expect(a.list.map((x) => x.received)).toEqual([big, big, big, big])
  })
})
