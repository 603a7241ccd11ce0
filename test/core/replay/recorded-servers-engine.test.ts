// replay.servers through the engine: a running recorded server is listed with what it plays
// and its clients, counted as real clients (redis-cli, a held-open socket) come and go.
import { describe, expect, it } from 'vitest'
import { needPeer } from '../../helpers/peers'
import { connectTo } from '../../helpers/net'
import { portOf } from '../../helpers/engine'
import { captureRedisSession, engineWithRedis, redisCli } from './redis-capture'

const setup = engineWithRedis()

/** Asks until `check` gives a value (the engine's counts change as sockets come and go). */
async function until<T>(check: () => Promise<T | false>, what: string): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = await check()
    if (v !== false) return v
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('replay.servers', () => {
  it('lists a running recorded server with its clients so far and those connected now', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const connId = await captureRedisSession(t.engine, redis.port, ['PING'])
    expect(await t.engine['replay.servers']()).toEqual([])
    const started = await t.engine['replay.serve']({ capture: 'live', connId, listen: '127.0.0.1:0' })
    expect(started).toMatchObject({ capture: 'live', connId, clients: 0, open: 0 })
    expect(started.turns).toBeGreaterThan(0)
    expect(await redisCli(portOf(started.listen), ['PING'])).toContain('PONG')
    // Counted once it is gone, and one more held open.
    const held = await connectTo(portOf(started.listen))
    const list = await until(async () => {
      const l = await t.engine['replay.servers']()
      return l[0]?.clients === 2 && l[0].open === 1 && l
    }, 'both clients to be counted')
    expect(list).toEqual([{ ...started, clients: 2, open: 1 }])
    held.destroy()
    await until(async () => (await t.engine['replay.servers']())[0].open === 0 || false, 'the held client to go')
    await t.engine['replay.stop']({ id: started.id })
    expect(await t.engine['replay.servers']()).toEqual([])
  })
})
