// `tcpscope replay` on a capture file of a real redis-cli session, against a real
// redis-server: what it prints, and exit codes a script can tell apart.
import { describe, expect, it } from 'vitest'
import { needPeer } from '../helpers/peers'
import type { Redis } from '../helpers/redis'
import { REFUSED_PORT } from '../helpers/net'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { captureRedisSession, engineWithRedis, redisCli } from '../core/replay/redis-capture'

const setup = engineWithRedis()

/** A capture file holding one redis-cli session of `commands`, closed; and its connection id. */
async function capturedSession(commands: (key: string) => string[]): Promise<{ file: string; connId: number; key: string; redis: Redis }> {
  const { t, redis } = await setup()
  const key = `tcpscope-cli-replay-${process.pid}-${Date.now()}`
  await redisCli(redis.port, [`SET ${key} one`])
  const connId = await captureRedisSession(t.engine, redis.port, commands(key))
  await t.engine.close()
  return { file: t.capturePath, connId, key, redis }
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!

describe('tcpscope replay', () => {
  it('prints each answer and "N of N server turns matched", exit 0, with every strategy', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { file, connId } = await capturedSession((k) => [`GET ${k}`, 'PING'])
    for (const strategy of ['turns', 'timing', 'burst']) {
      const r = await runCli(['replay', file, '--conn', String(connId), '--strategy', strategy])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('+PONG')
      expect(lastLine(r.stdout)).toMatch(/^(\d+) of \1 server turns matched$/)
    }
    const json = await runCli(['replay', file, '--conn', String(connId), '--json'])
    expect(json.code).toBe(0)
    const result = JSON.parse(json.stdout) as { matched: number; of: number; turns: { hex: string }[] }
    expect(result.matched).toBe(result.of)
    expect(Buffer.from(result.turns.at(-1)!.hex, 'hex').toString()).toBe('+PONG\r\n')
  })

  it('exits 5 and names the differing turn when an answer changed', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { file, connId, key, redis } = await capturedSession((k) => [`GET ${k}`, 'PING'])
    await redisCli(redis.port, [`SET ${key} three`])
    const r = await runCli(['replay', file, '--conn', String(connId)])
    expect(r.code).toBe(5)
    expect(r.stdout).toMatch(/got 11 B: differs \(recorded 9 B\)\n\$5\r\nthree\r\n/)
    const [, n, m] = /^(\d+) of (\d+) server turns matched$/.exec(lastLine(r.stdout))!
    expect(Number(n)).toBe(Number(m) - 1)
  })

  it('exits 3 in one line when the target refuses, 1 for an unknown connection', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { file, connId } = await capturedSession(() => ['PING'])
    const closed = { port: REFUSED_PORT }
    const refused = await runCli(['replay', file, '--conn', String(connId), '--target', `127.0.0.1:${closed.port}`])
    expect(refused.code).toBe(3)
    expectOneLine(refused.stderr.trimEnd())
    expect(refused.stderr).toBe(`tcpscope: connection refused by 127.0.0.1:${closed.port}: nothing is listening there; is the server running?\n`)
    const unknown = await runCli(['replay', file, '--conn', '999'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toBe(`tcpscope: no connection #999 in ${file}; list them with \`tcpscope ls ${file}\`\n`)
    // Another mode's option is refused, not ignored.
    const count = await runCli(['replay', file, '--conn', String(connId), '--count', '3'])
    expect(count.code).toBe(2)
    expect(count.stderr).toBe('tcpscope: replay: --count is for an HTTP request (with --exchange N)\n')
  })
})
