// Replay by message against a real redis-server: a `redis-cli --pipe` session captured
// through a proxy is sent again command by command to a fresh redis, each once its reply
// came, and every reply matches the recorded one; a SET's value edited (its bulk length
// refit) makes the later GET's reply differ, and says which.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { Engine } from '../../../src/core/engine'
import { hasProgram, needProgram } from '../../helpers/peers'
import { portOf } from '../../helpers/engine'
import { startServer, waitFor } from '../../helpers/net'
import { engineWithRedis, startReplayRedis } from './redis-capture'

const fresh = engineWithRedis()

const command = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`

async function capturePipe(engine: Engine, redisPort: number, input: string): Promise<number> {
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redisPort}` })
  const before = new Set(engine.capture.connections().map((c) => c.id))
  await new Promise<void>((resolve, reject) => {
    const p = spawn('redis-cli', ['-p', String(portOf(proxy.listen)), '--pipe'], { stdio: ['pipe', 'ignore', 'inherit'] })
    p.on('error', reject)
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`))))
    p.stdin.end(input)
  })
  const conn = await waitFor(() => engine.capture.connections().find((c) => !before.has(c.id) && c.end !== 'open'), 'the --pipe connection to close')
  await engine['proxy.stop']({ proxyId: proxy.id })
  return conn.id
}

const PIPE = [command('SET', 'k', 'hello'), command('INCR', 'n'), command('INCR', 'n'), command('GET', 'k'), command('DEL', 'n')].join('')

/** The --pipe session captured against one redis (stopped since), and a fresh redis to replay it to. */
async function pipeThenFreshRedis(ctx: Parameters<typeof needProgram>[0]) {
  needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
  const { t } = await fresh()
  const recorded = await startReplayRedis(t.dir)
  const connId = await capturePipe(t.engine, recorded.port, PIPE)
  recorded.stop()
  return { t, connId, target: await startReplayRedis(t.dir) }
}

describe('replay by message', () => {
  it('sends a redis-cli --pipe session command by command to a fresh redis: every reply matches', async (ctx) => {
    const { t, connId, target } = await pipeThenFreshRedis(ctx)
    try {
      const r = await t.engine['replay.messages']({ capture: 'live', connId, target: `127.0.0.1:${target.port}`, record: false })
      expect(r.framing).toBe('resp')
      // Five commands, each with the reply redis paired with it though --pipe sent them all at once, then what --pipe ends with (an empty line, and an ECHO it waits for).
      expect(r.steps.slice(0, 5).map((s) => s.sent?.summary)).toEqual(['SET k hello', 'INCR n', 'INCR n', 'GET k', 'DEL n'])
      expect(r.steps.slice(0, 5).map((s) => s.answers.map((a) => a.got?.summary))).toEqual([['+OK'], ['(integer) 1'], ['(integer) 2'], ['hello'], ['(integer) 1']])
      expect(r.steps.at(-1)?.sent?.summary).toMatch(/^ECHO /)
      expect(r.matched).toBe(r.of)
      expect(r.steps[0].message).toBe(0)
    } finally {
      target.stop()
    }
  })

  it("edits a SET's value with its length refit: the later GET's reply differs", async (ctx) => {
    const { t, connId, target } = await pipeThenFreshRedis(ctx)
    try {
      // The `$5` left as it was: the codec writes `$11`.
      const edit = Buffer.from(command('SET', 'k', 'hello').replace('hello', 'hello world'))
      const r = await t.engine['replay.messages']({ capture: 'live', connId, target: `127.0.0.1:${target.port}`, edits: [{ message: 0, bytes: edit }], record: false })
      expect(r.steps[0].sent).toEqual({ summary: 'SET k "hello world"', size: edit.length + 1, edited: true })
      expect(r.steps[0].matched).toBe(true)
      const get = r.steps[3]
      expect(get.sent?.summary).toBe('GET k')
      expect(get.answers).toEqual([{ recorded: { summary: 'hello', size: 11 }, got: { summary: '"hello world"', size: 18 }, matched: false }])
      expect(r.matched).toBe(r.of - 1)
    } finally {
      target.stop()
    }
  })

  it('refuses an edit of a server message, and a connection with no framing', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, redis } = await fresh()
    const connId = await capturePipe(t.engine, redis.port, PIPE)
    const page = await t.engine['msg.page']({ capture: 'live', connId, filter: 'dir:server', limit: 1 })
    const reply = page.messages[0].index
    await expect(t.engine['replay.messages']({ capture: 'live', connId, edits: [{ message: reply, bytes: Buffer.from('x') }], record: false })).rejects.toThrow(`message ${reply + 1} of connection #${connId}: the server sent it`)
    const server = await startServer((s) => s.end())
    try {
      await expect(t.engine['replay.messages']({ capture: 'live', connId, frame: 'none', target: `127.0.0.1:${server.port}`, record: false })).rejects.toThrow(/not cut into messages/)
    } finally {
      await server.close()
    }
  })
})
