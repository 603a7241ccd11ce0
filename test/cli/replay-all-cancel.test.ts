// `tcpscope replay FILE --all` stopped by Ctrl+C (SIGINT) while its replays wait on a target
// that never answers: it says how far it got in one line, exits 130 and leaves no socket open.
import { describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { needPeer } from '../helpers/peers'
import { startServer, waitFor } from '../helpers/net'
import { CliProcess } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { captureRedisSession, engineWithRedis } from '../core/replay/redis-capture'

const setup = engineWithRedis()

describe('tcpscope replay --all, cancelled', () => {
  it('prints "cancelled after N of M connections" and exits 130 on SIGINT', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    for (let i = 0; i < 3; i++) await captureRedisSession(t.engine, redis.port, ['PING'])
    await t.engine.close()
    const accepted: Socket[] = []
    const silent = await startServer((s) => {
      accepted.push(s)
      s.resume()
    })
    const cli = new CliProcess(['replay', t.capturePath, '--all', '--speed', '0', '--target', `127.0.0.1:${silent.port}`, '--timeout', '600000'])
    try {
      await waitFor(() => accepted.length === 3, 'the three replays to connect')
      const code = await cli.stop('SIGINT')
      expect(code).toBe(130)
      expectOneLine(cli.stderr.trimEnd())
      expect(cli.stderr).toBe('tcpscope: cancelled after 0 of 3 connections\n')
      expect(cli.lines).toEqual([])
      await waitFor(() => accepted.every((s) => s.destroyed || s.readableEnded), 'the replay sockets to close')
    } finally {
      await cli.stop('SIGKILL')
      await silent.close()
    }
  })
})
