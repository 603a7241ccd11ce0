// `tcpscope export --format jsonl --messages` on a capture of a real redis-cli session: one
// line per message, the very objects `tcpscope show --json` prints for them; --direction
// keeps one side's; --body-limit cuts payloads; --messages without jsonl is one line.
import { describe, expect, it } from 'vitest'
import { needPeer } from '../helpers/peers'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { captureRedisSession, engineWithRedis } from '../core/replay/redis-capture'

const setup = engineWithRedis()

const lines = (text: string): Array<Record<string, unknown>> =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('tcpscope export --format jsonl --messages', () => {
  it("writes a redis session's messages as show --json prints them", async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const connId = await captureRedisSession(t.engine, redis.port, ['SET greeting "hello world"', 'GET greeting'])
    await t.engine.close()
    const file = t.capturePath
    const exported = await runCli(['export', file, '--conn', String(connId), '--format', 'jsonl', '--messages'])
    expect(exported.stderr).toBe('')
    expect(exported.code).toBe(0)
    const got = lines(exported.stdout)
    const shown = lines((await runCli(['show', file, '--conn', String(connId), '--json'])).stdout).filter((l) => l.type === 'message')
    expect(got).toEqual(shown)
    const set = got.find((l) => l.command === 'SET')!
    expect(set).toMatchObject({ type: 'message', conn: connId, protocol: 'resp', dir: 'client', summary: 'SET greeting "hello world"' })
    expect(got.find((l) => l.message === set.pair)).toMatchObject({ dir: 'server', summary: '+OK', payload: { text: '+OK\r\n' } })

    const server = lines((await runCli(['export', file, '--conn', String(connId), '--format', 'jsonl', '--messages', '--direction', 'server'])).stdout)
    expect(server.length).toBeGreaterThan(0)
    expect(server.every((l) => l.dir === 'server')).toBe(true)

    const cut = lines((await runCli(['export', file, '--conn', String(connId), '--format', 'jsonl', '--messages', '--body-limit', '4'])).stdout)
    expect(cut.find((l) => l.command === 'SET')?.payload).toMatchObject({ text: '*3\r\n', truncated: true })

    const wrong = await runCli(['export', file, '--conn', String(connId), '--format', 'hex', '--direction', 'client', '--messages'])
    expect(wrong.code).toBe(2)
    expectOneLine(wrong.stderr.trimEnd())
    expect(wrong.stderr).toContain('--messages is for --format jsonl')
  })
})
