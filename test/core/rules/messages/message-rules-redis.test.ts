// Traffic rules on redis through the proxy, with a real redis-server and redis-cli: a GET of
// one key is answered by tcpscope (redis never has the key), every other command reaches
// redis, a pipelined burst keeps its replies in order around the mocked one, `times` is
// kept, and the capture holds what the rule did.
import { execFile } from 'node:child_process'
import type { Socket } from 'node:net'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { Engine } from '../../../../src/core/engine'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { startRedis } from '../../../helpers/redis'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { connectTo, waitFor } from '../../../helpers/net'
import { eventsOf } from '../../../helpers/sessions'

const run = promisify(execFile)
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const MOCK_FLAG = { match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] }

async function redisBehindRules(rules: unknown[]): Promise<{ t: TestEngine; port: number; redisPort: number }> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const redis = await startRedis(t.dir)
  cleanups.push(redis.stop)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
  await t.engine['rules.set']({ proxyId: proxy.id, rules })
  return { t, port: portOf(proxy.listen), redisPort: redis.port }
}

const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()

/** Every `rule` record of the capture's connections, once there are `n`. */
async function ruleRecords(engine: Engine, n: number): Promise<CaptureEvent[]> {
  for (let i = 0; ; i++) {
    const all = await Promise.all(engine.capture.connections().map((c) => eventsOf(engine, c.id)))
    const rules = all.flat().filter((e) => e.kind === 'rule')
    if (rules.length >= n || i > 200) return rules
    await new Promise((r) => setTimeout(r, 20))
  }
}

const cmd = (...words: string[]): string => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`

/** Writes `bytes` in one write and reads until `want` bytes have come. */
async function exchange(port: number, bytes: string, want: number): Promise<string> {
  const s: Socket = await connectTo(port)
  let got = ''
  s.on('data', (c: Buffer) => (got += c.toString('latin1')))
  s.write(bytes)
  try {
    return await waitFor(() => got.length >= want && got, `${want} bytes of replies`)
  } finally {
    s.destroy()
  }
}

describe('traffic rules on redis', () => {
  it('answers GET feature-flag itself while redis has no such key; other commands reach redis', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port, redisPort } = await redisBehindRules([MOCK_FLAG])
    expect(await cli(port, 'GET', 'feature-flag')).toBe('on')
    expect(await cli(redisPort, 'EXISTS', 'feature-flag')).toBe('0')
    expect(await cli(port, 'SET', 'greeting', 'hi')).toBe('OK')
    expect(await cli(port, 'GET', 'greeting')).toBe('hi')
    expect(await cli(redisPort, 'GET', 'greeting')).toBe('hi')
    // The capture holds what the rule did, beside what the client sent.
    const records = await ruleRecords(t.engine, 1)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ dir: 'client', info: { action: 'respond', label: 'redis GET feature-flag', summary: 'GET feature-flag', offset: 0, delivered: Buffer.from('$2\r\non\r\n').toString('base64') } })
  })

  it("keeps a pipelined burst's replies in order around the answers made here (one write, and redis-cli --pipe)", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { port } = await redisBehindRules([MOCK_FLAG])
    const burst = cmd('SET', 'n', '1') + cmd('GET', 'feature-flag') + cmd('INCR', 'n') + cmd('GET', 'feature-flag') + cmd('GET', 'n') + cmd('PING')
    const want = '+OK\r\n$2\r\non\r\n:2\r\n$2\r\non\r\n$1\r\n2\r\n+PONG\r\n'
    expect(await exchange(port, burst, want.length)).toBe(want)
    // redis-cli --pipe writes everything, then counts the replies and reads an ECHO it adds last.
    const lines = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 'GET feature-flag' : `RPUSH list ${i}`)).join('\n')
    const piped = await new Promise<{ out: string; code: number | null }>((resolve) => {
      const child = execFile('redis-cli', ['-p', String(port), '--pipe'], (err, stdout) => resolve({ out: stdout, code: err ? ((err as { code?: number }).code ?? 1) : 0 }))
      child.stdin!.end(`${lines}\n`)
    })
    expect(piped.code).toBe(0)
    expect(piped.out).toMatch(/errors: 0, replies: 200/)
    expect(await cli(port, 'LLEN', 'list')).toBe('133')
  })

  it('answers only `times` times, then lets the command reach redis', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port, redisPort } = await redisBehindRules([{ ...MOCK_FLAG, times: 1 }])
    await cli(redisPort, 'SET', 'feature-flag', 'off')
    expect(await cli(port, 'GET', 'feature-flag')).toBe('on')
    expect(await cli(port, 'GET', 'feature-flag')).toBe('off')
    const [rule] = (await t.engine['rules.list']({ proxyId: (await t.engine['proxy.list']())[0].id })).rules
    expect(rule).toMatchObject({ hits: 1, left: 0 })
  })
})
