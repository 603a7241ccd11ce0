// Raw replay of a real redis-cli session against a real redis-server: each strategy gets
// the recorded answers back; a server whose data changed is reported turn by turn; and
// bad input is refused in one line.
import { describe, expect, it } from 'vitest'
import { needPeer } from '../../helpers/peers'
import { REFUSED_PORT, startServer } from '../../helpers/net'
import { userRefusal } from '../../helpers/errors'
import { captureRedisSession, engineWithRedis, redisCli } from './redis-capture'

const setup = engineWithRedis()

const key = (what: string): string => `tcpscope-replay-${what}-${process.pid}-${Date.now()}`

describe('raw replay against redis-server', () => {
  for (const strategy of ['turns', 'timing', 'burst'] as const) {
    it(`${strategy}: every turn of a redis-cli session gets its recorded answer`, async (ctx) => {
      if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
      const { t, redis } = await setup()
      const k = key(strategy)
      const connId = await captureRedisSession(t.engine, redis.port, [`SET ${k} hello`, `GET ${k}`, 'PING', `DEL ${k}`, `GET ${k}`])
      const r = await t.engine['replay.raw']({ capture: 'live', connId, strategy })
      // redis-cli asks the server about its commands first (COMMAND DOCS): one turn more.
      expect(r.of).toBeGreaterThanOrEqual(5)
      expect(r.turns.filter((x) => !x.matched).map((x) => ({ ...x, bytes: Buffer.from(x.bytes).subarray(0, 200).toString() }))).toEqual([])
      expect(r.matched).toBe(r.of)
      const answers = r.turns.slice(-5).map((x) => Buffer.from(x.bytes).toString())
      expect(answers).toEqual(['+OK\r\n', '$5\r\nhello\r\n', '+PONG\r\n', ':1\r\n', '$-1\r\n'])
      // The replay is recorded as a connection of its own: what it sent is what was captured.
      const replayed = (await t.engine['conn.get']({ capture: 'live', ids: [r.connId!] }))[0]
      const original = (await t.engine['conn.get']({ capture: 'live', ids: [connId] }))[0]
      expect(replayed.bytes).toEqual(original.bytes)
      expect(replayed.fin).toEqual(original.fin)
    })
  }

  it('reports the turn whose answer changed', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const k = key('changed')
    await redisCli(redis.port, [`SET ${k} one`])
    const connId = await captureRedisSession(t.engine, redis.port, [`GET ${k}`, 'PING'])
    await redisCli(redis.port, [`SET ${k} three`])
    const r = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns' })
    const [get, ping] = r.turns.slice(-2)
    expect([get.matched, ping.matched]).toEqual([false, true])
    expect(r.matched).toBe(r.of - 1)
    expect(get).toMatchObject({ expected: 9, received: 11 })
    expect(Buffer.from(get.bytes).toString()).toBe('$5\r\nthree\r\n')
  })

  it('refuses an unknown connection and a target that is not listening, in one line', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const connId = await captureRedisSession(t.engine, redis.port, ['PING'])
    expect((await userRefusal(t.engine['replay.raw']({ capture: 'live', connId: 9999, strategy: 'turns' }))).message).toBe('no connection #9999 in this capture')
    const closed = { port: REFUSED_PORT }
    const err = await userRefusal(t.engine['replay.raw']({ capture: 'live', connId, strategy: 'burst', target: `127.0.0.1:${closed.port}` }))
    expect(err.message).toBe(`connection refused by 127.0.0.1:${closed.port}: nothing is listening there; is the server running?`)
  })

  it('refuses a connection that has no client bytes', async () => {
    const { t } = await setup()
    const server = await startServer((s) => s.end('hello\n'))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const { connectTo, collect, waitFor } = await import('../../helpers/net')
    const { portOf } = await import('../../helpers/engine')
    const client = await connectTo(portOf(proxy.listen))
    client.end()
    await collect(client)
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.end !== 'open'), 'the connection to close')
    await server.close()
    expect((await userRefusal(t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns' }))).message).toBe(`connection #${conn.id} has no client bytes to replay`)
  })
})
