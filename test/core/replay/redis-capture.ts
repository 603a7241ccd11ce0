// A real redis-cli session captured through a proxy in front of a real redis-server: the
// material raw replay is tested on (here and in the CLI's tests).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach } from 'vitest'
import type { Engine } from '../../../src/core/engine'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { startRedis, type Redis } from '../../helpers/redis'

/**
 * A redis-server for replay: redis-cli asks it for COMMAND DOCS first, whose answer lists the
 * commands in hash-table order, which changes between calls; with COMMAND gone that turn
 * gets the same error every time, and every answer of a session can be compared.
 */
export const startReplayRedis = (dir: string): Promise<Redis> => startRedis(dir, ['--rename-command', 'COMMAND', ''])

/** Runs redis-cli with these commands (one a line) on stdin; resolves with its output. */
export async function redisCli(port: number, commands: string[]): Promise<string> {
  const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  child.stdin.end(commands.join('\n') + '\n')
  // 'close', not 'exit': the process can exit before its last output is read.
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`redis-cli exited ${code}: ${out}`)
  return out
}

/** Sends the commands through a new proxy of `engine` to redis on `redisPort`; returns the captured connection's id once it closed. */
export async function captureRedisSession(engine: Engine, redisPort: number, commands: string[]): Promise<number> {
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redisPort}` })
  const before = new Set(engine.capture.connections().map((c) => c.id))
  await redisCli(portOf(proxy.listen), commands)
  const conn = await waitFor(() => engine.capture.connections().find((c) => !before.has(c.id) && c.end !== 'open'), 'the redis-cli connection to close')
  await engine['proxy.stop']({ proxyId: proxy.id })
  return conn.id
}

/**
 * A file's way to get a fresh test engine and a redis-server for replays (startReplayRedis),
 * both stopped after each test (call it at the file's top level, where afterEach may be set).
 */
export function engineWithRedis(): () => Promise<{ t: TestEngine; redis: Redis }> {
  let t: TestEngine | undefined
  let redis: Redis | undefined
  afterEach(async () => {
    redis?.stop()
    redis = undefined
    await t?.dispose()
    t = undefined
  })
  return async () => {
    t = await testEngine()
    redis = await startReplayRedis(t.dir)
    return { t, redis }
  }
}
