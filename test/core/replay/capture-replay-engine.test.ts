// replay.capture through the engine: progress events count the connections done, each
// replay is recorded in the live capture and linked both ways with what it replayed, a bad
// ignore regex is refused in one line, and a cancelled run stops at once, leaving no socket open.
import { describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { basename } from 'node:path'
import type { OperationProgress } from '../../../src/shared/events'
import { needPeer } from '../../helpers/peers'
import { startServer, waitFor } from '../../helpers/net'
import { userRefusal } from '../../helpers/errors'
import { testEngine } from '../../helpers/engine'
import { captureRedisSession, engineWithRedis, redisCli } from './redis-capture'
import { recordTraffic } from './capture-replay-peers'

const setup = engineWithRedis()

describe('replay.capture', () => {
  it('reports progress, records each replay linked to its source, and lists the one that differed', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const k = `tcpscope-capture-engine-${process.pid}-${Date.now()}`
    await redisCli(redis.port, [`SET ${k} one`])
    const changed = await captureRedisSession(t.engine, redis.port, [`GET ${k}`])
    await captureRedisSession(t.engine, redis.port, ['PING'])
    await captureRedisSession(t.engine, redis.port, ['ECHO same'])
    await redisCli(redis.port, [`SET ${k} two`])
    const progress: OperationProgress[] = []
    t.engine.subscribe((e) => {
      if (e.type === 'progress' && e.operation === 'whole') progress.push({ operation: e.operation, done: e.done, of: e.of })
    })
    const s = await t.engine['replay.capture']({ capture: 'live', filter: `port:${redis.port}`, speed: 0, progress: 'whole' })
    expect([s.connections, s.matched, s.skipped, s.unreachable]).toEqual([3, 2, 0, false])
    expect(s.differed.map((d) => d.connId)).toEqual([changed])
    expect(progress[0]).toEqual({ operation: 'whole', done: 0, of: 3 })
    expect(progress.at(-1)).toEqual({ operation: 'whole', done: 3, of: 3 })
    const dones = progress.map((p) => p.done)
    expect(dones).toEqual([...dones].sort((a, b) => a - b))
    const replayId = s.differed[0].replayConnId!
    expect(replayId).toBeGreaterThan(changed)
    const [replayed] = await t.engine['conn.get']({ capture: 'live', ids: [replayId] })
    expect(replayed.replayOf).toEqual({ capture: 'live', connId: changed })
    expect(replayed.end).not.toBe('open')
  })

  it('replays a capture file, each replay linked to the file and the connection it replayed', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    const rec = await recordTraffic()
    try {
      const t = await testEngine()
      try {
        const opened = await t.engine['capture.open']({ path: rec.file })
        const s = await t.engine['replay.capture']({ capture: opened.id, speed: 0 })
        expect([s.connections, s.matched]).toEqual([3, 3])
        const sources = t.engine.capture
          .connections()
          .map((c) => c.replayOf)
          .sort((a, b) => (a?.connId ?? 0) - (b?.connId ?? 0))
        expect(sources).toEqual([...rec.httpIds, rec.redisId].sort((a, b) => a - b).map((connId) => ({ capture: opened.id, file: basename(rec.file), connId })))
      } finally {
        await t.dispose()
      }
    } finally {
      await rec.dispose()
    }
  })

  it('refuses an ignore-body regex it cannot run and a filter it cannot read, in one line', async () => {
    const { t } = await setup()
    const err = await userRefusal(t.engine['replay.capture']({ capture: 'live', ignoreBody: '(a' }))
    expect(err.message).toMatch(/\(a/)
    const filter = await userRefusal(t.engine['replay.capture']({ capture: 'live', filter: 'colour:red', concurrency: 1024 }))
    expect(filter.message).toMatch(/unknown filter word "colour:"/)
  })

  it('stops when cancelled: no connection started after, none left open', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    for (let i = 0; i < 3; i++) await captureRedisSession(t.engine, redis.port, ['PING'])
    // A target that reads and never answers: each replay would wait its whole timeout.
    const accepted: Socket[] = []
    const silent = await startServer((s) => {
      accepted.push(s)
      s.resume()
    })
    const abort = new AbortController()
    const run = t.engine['replay.capture'](
      { capture: 'live', filter: `port:${redis.port}`, target: `127.0.0.1:${silent.port}`, speed: 0, concurrency: 1, timeoutMs: 3_600_000 },
      { signal: abort.signal }
    )
    await waitFor(() => accepted.length === 1, 'the first replay to connect')
    abort.abort()
    await expect(run).rejects.toThrow(/^cancelled$/)
    await waitFor(() => accepted.every((s) => s.destroyed || s.readableEnded), 'the replay sockets to close')
    expect(accepted).toHaveLength(1)
    const replays = t.engine.capture.connections().filter((c) => c.target === `127.0.0.1:${silent.port}`)
    expect(replays.map((c) => c.end)).toEqual(['stopped'])
    await silent.close()
  })
})
