// `tcpscope proxy --script` in front of a real redis-server, as a person runs it: the
// script's onMessage sends `GET k` on as `GET k2` (redis-cli prints k2's value), onConnect
// delays each connection, and onClose's console.log comes out as a warning line.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { CliProcess } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const run = promisify(execFile)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const redisCli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()

const HOOKS = [
  'export function onConnect(conn, ctx) { ctx.delay(150) }',
  'export function onMessage(msg) {',
  "  if (msg.dir === 'client' && msg.fields.command === 'GET' && msg.fields.key === 'k') msg.bytes = new TextEncoder().encode('*2\\r\\n$3\\r\\nGET\\r\\n$2\\r\\nk2\\r\\n')",
  '}',
  "export function onClose(conn) { console.log('closed #' + conn.id) }",
  ''
].join('\n')

describe('tcpscope proxy --script on redis', () => {
  it("changes a command by onMessage, delays the connection by onConnect, and says onClose's log line", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const redis = await startRedis(dir)
    cleanups.push(redis.stop)
    await redisCli(redis.port, 'SET', 'k', 'from-k')
    await redisCli(redis.port, 'SET', 'k2', 'from-k2')
    const script = join(dir, 'hooks.js')
    writeFileSync(script, HOOKS)
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${redis.port}`, '--script', script, '--json'])
    cleanups.push(() => cli.stop())
    const listen = (JSON.parse(await cli.waitLine((l) => l.includes('"listening"'))) as { listen: string }).listen
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1))

    const started = Date.now()
    expect(await redisCli(port, 'GET', 'k')).toBe('from-k2')
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    expect(await redisCli(port, 'GET', 'k2')).toBe('from-k2')
    await expect
      .poll(() =>
        cli.stderr
          .trim()
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { message: string }).message)
          .sort()
      )
      .toEqual(['[hooks.js] closed #1', '[hooks.js] closed #2'])
  })
})
