// Resilience scenarios with real peers: redis-cli through a proxy in front of redis-server,
// made slow, reset and cut by toxics, and a SET held by a breakpoint and edited on its way
// (redis then holds the edited value).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { startRedis, type Redis } from '../../helpers/redis'
import { heldQueue } from '../breakpoint/break-helpers'

const run = promisify(execFile)
const haveRedis = hasProgram('redis-server') && hasProgram('redis-cli')

let t: TestEngine
let redis: Redis | undefined
let proxyId: string
let port: number
const cleanups: Array<() => unknown> = []
beforeEach(async (ctx) => {
  needProgram(ctx, 'redis-server and redis-cli (apt-get install redis-server redis-tools)', haveRedis)
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  redis = await startRedis(dir)
  t = await testEngine()
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
  proxyId = proxy.id
  port = portOf(proxy.listen)
})
afterEach(async () => {
  await t?.dispose()
  redis?.stop()
  for (const c of cleanups.splice(0)) c()
})

const cli = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20_000 })

describe('redis-cli through toxics', () => {
  it('answers late under latency, and the capture says by how much', async () => {
    await t.engine['toxic.add']({ proxyId, toxic: { type: 'latency', attributes: { latency: 200 } } })
    const start = performance.now()
    expect((await cli('PING')).stdout.trim()).toBe('PONG')
    expect(performance.now() - start).toBeGreaterThanOrEqual(180)
    const [conn] = t.engine.capture.connections()
    const events = (await t.engine['conn.events']({ capture: 'live', connId: conn.id, from: 0, limit: 100 })).events
    expect(events.filter((e) => e.kind === 'fault').map((e) => e.info?.message)).toContain('delayed 200 ms')
  })

  it('sees its connection reset by reset_peer, and cut by limit_data', async () => {
    await t.engine['toxic.add']({ proxyId, toxic: { type: 'reset_peer', attributes: { timeout: 100 } } })
    // As in Toxiproxy, the answer is the first chunk: it is dropped and the connection reset 100 ms later.
    const reset = await cli('PING').then(
      (r) => r.stdout + r.stderr,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`
    )
    expect(reset).not.toContain('PONG')
    expect(reset).toMatch(/reset|closed|Error/i)
    await t.engine['toxic.remove']({ proxyId, name: 'reset_peer_downstream' })
    await t.engine['toxic.add']({ proxyId, toxic: { type: 'limit_data', stream: 'downstream', attributes: { bytes: 3 } } })
    const cut = await cli('PING').then(
      (r) => r.stdout + r.stderr,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`
    )
    expect(cut).not.toContain('PONG')
  })
})

describe('redis-cli through a breakpoint', () => {
  it('holds a SET, forwards it edited, and redis keeps the edited value', async () => {
    await t.engine['break.add']({ proxyId, rule: { match: 'text', pattern: 'SET', stream: 'upstream' } })
    const set = cli('SET', 'greeting', 'hello')
    const [held] = await heldQueue(t.engine)
    const original = Buffer.from(await t.engine['held.read']({ heldId: held.id })).toString()
    expect(original).toBe('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n')
    await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(original.replace('$5\r\nhello', '$7\r\nhowdy!!')) })
    expect((await set).stdout.trim()).toBe('OK')
    await t.engine['break.update']({ proxyId, id: held.ruleId, enabled: false })
    expect((await cli('GET', 'greeting')).stdout.trim()).toBe('howdy!!')
  })
})
