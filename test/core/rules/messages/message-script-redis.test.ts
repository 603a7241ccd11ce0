// A user's script on redis traffic through the proxy, with a real redis-server and redis-cli:
// onMessage changes a GET's key (redis-cli gets the other key's value), a hook that throws
// lets commands through, onConnect's ctx.reset() ends the connection before redis hears of
// it, and onClose is called once a connection is over.
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { startRedis } from '../../../helpers/redis'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { eventsOf } from '../../../helpers/sessions'

const run = promisify(execFile)
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const haveRedis = hasProgram('redis-server') && hasProgram('redis-cli')

/** A proxy to a fresh redis-server, with `script` loaded. */
async function redisBehindScript(script: string): Promise<{ t: TestEngine; port: number; redisPort: number }> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const redis = await startRedis(t.dir)
  cleanups.push(redis.stop)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
  const path = join(t.dir, 'hooks.js')
  await writeFile(path, script)
  await t.engine['script.load']({ proxyId: proxy.id, path })
  return { t, port: portOf(proxy.listen), redisPort: redis.port }
}

const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()

const warnings = (t: TestEngine): string[] => t.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))

/** Every `rule` record of the capture's connections. */
async function ruleRecords(t: TestEngine): Promise<CaptureEvent[]> {
  const all = await Promise.all(t.engine.capture.connections().map((c) => eventsOf(t.engine, c.id)))
  return all.flat().filter((e) => e.kind === 'rule')
}

const SWAP_KEY = `export function onMessage(msg) {
  if (msg.dir === 'client' && msg.fields.command === 'GET' && msg.fields.key === 'k') msg.bytes = new TextEncoder().encode('*2\\r\\n$3\\r\\nGET\\r\\n$2\\r\\nk2\\r\\n')
}
`

describe('a script on redis traffic', () => {
  it("onMessage sends GET k as GET k2: redis-cli gets k2's value, and the capture holds the change", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', haveRedis)
    const { t, port, redisPort } = await redisBehindScript(SWAP_KEY)
    await cli(redisPort, 'SET', 'k', 'from-k')
    await cli(redisPort, 'SET', 'k2', 'from-k2')
    expect(await cli(port, 'GET', 'k')).toBe('from-k2')
    // Every other command reaches redis as it was sent.
    expect(await cli(port, 'GET', 'k2')).toBe('from-k2')
    expect(await cli(port, 'SET', 'k', 'new')).toBe('OK')
    expect(await cli(redisPort, 'GET', 'k')).toBe('new')
    await expect.poll(() => ruleRecords(t)).toMatchObject([
      { dir: 'client', info: { rule: 'script', action: 'script', summary: 'GET k', delivered: Buffer.from('*2\r\n$3\r\nGET\r\n$2\r\nk2\r\n').toString('base64') } }
    ])
  })

  it('lets every command through when onMessage throws, and says so once', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', haveRedis)
    const { t, port, redisPort } = await redisBehindScript("export function onMessage(msg) { throw new Error('no messages today') }\n")
    expect(await cli(port, 'SET', 'a', '1')).toBe('OK')
    expect(await cli(port, 'GET', 'a')).toBe('1')
    expect(await cli(redisPort, 'GET', 'a')).toBe('1')
    expect(warnings(t).filter((w) => w.includes('no messages today'))).toEqual(['onMessage threw: no messages today (hooks.js:1)'])
    const records = await ruleRecords(t)
    expect(records.length).toBeGreaterThan(0)
    expect(records.every((r) => (r.info as { action?: string }).action === 'error')).toBe(true)
  })

  it("ends the connection when onConnect calls ctx.reset(): redis-cli says so, and redis never sees the command", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', haveRedis)
    const { t, port, redisPort } = await redisBehindScript('export function onConnect(conn, ctx) { ctx.reset() }\n')
    const failed = await run('redis-cli', ['-p', String(port), 'SET', 'reset-key', 'x']).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` })
    )
    expect(failed.code).not.toBe(0)
    // A reset that lands while redis-cli is still connecting is reported as a failed connect.
    expect(failed.out.trim()).toMatch(/^(Error: (Connection reset by peer|Server closed the connection)|Could not connect to Redis at 127\.0\.0\.1:\d+: Connection reset by peer)$/)
    expect(await cli(redisPort, 'EXISTS', 'reset-key')).toBe('0')
    // redis-cli may try again once after the reset: each of its connections is reset the same way.
    await expect.poll(async () => (await ruleRecords(t)).length).toBeGreaterThan(0)
    for (const r of await ruleRecords(t)) expect(r).toMatchObject({ dir: 'client', info: { rule: 'script', action: 'script', message: 'the script reset the connection' } })
  })

  it('calls onClose once a connection is over (its console.log is a warning line)', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', haveRedis)
    const { t, port, redisPort } = await redisBehindScript("export function onClose(conn) { console.log('closed #' + conn.id + ' to ' + conn.target) }\n")
    expect(await cli(port, 'PING')).toBe('PONG')
    await expect.poll(() => warnings(t)).toEqual([`[hooks.js] closed #1 to 127.0.0.1:${redisPort}`])
  })
})
