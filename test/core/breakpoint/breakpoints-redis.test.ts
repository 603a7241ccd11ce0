// Message breakpoints in front of a real redis-server, the protocol recognised from the
// client's first bytes: `message=cmd:SET` holds a SET whole even when the client writes it a
// byte at a time, a GET on another connection passes meanwhile, and the held SET is
// forwarded, edited (redis then stores the edited value: its bulk length was refit) or dropped.
import { execFile } from 'node:child_process'
import type { Socket } from 'node:net'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { hasProgram, needProgram } from '../../helpers/peers'
import { startRedis, type Redis } from '../../helpers/redis'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { connected } from '../fault/toxic-helpers'
import { addBreak, heldQueue } from './break-helpers'

const run = promisify(execFile)
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function redisBehindBreakpoint(): Promise<{ t: TestEngine; redis: Redis; port: number; proxyId: string }> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const redis = await startRedis(t.dir)
  cleanups.push(redis.stop)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
  await addBreak(t.engine, proxy.id, { match: 'message', pattern: 'cmd:SET' })
  return { t, redis, port: portOf(proxy.listen), proxyId: proxy.id }
}

const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()

/** A client that writes each command a byte at a time, and reads what comes back. */
async function slowClient(port: number): Promise<{ s: Socket; got: () => string; send: (cmd: string) => Promise<void> }> {
  const s = await connected(port)
  let got = ''
  s.on('data', (c: Buffer) => (got += c.toString()))
  return {
    s,
    got: () => got,
    send: async (cmd) => {
      for (const b of Buffer.from(cmd)) {
        s.write(Buffer.from([b]))
        await new Promise((r) => setTimeout(r, 2))
      }
    }
  }
}

const SET_HELLO = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n'

describe('a message breakpoint in front of redis', () => {
  it('holds a SET written a byte at a time whole while a GET passes on another connection, then sends the edit with its length refit', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port, redis } = await redisBehindBreakpoint()
    const c = await slowClient(port)
    await c.send(SET_HELLO)
    const [m] = await heldQueue(t.engine)
    expect(m).toMatchObject({ kind: 'message', protocol: 'resp', size: SET_HELLO.length, summary: 'SET k hello', dir: 'client' })
    expect(m.fields?.[0].children?.map((f) => f.value)).toEqual(['SET', 'k', 'hello'])
    expect(Buffer.from(await t.engine['held.read']({ heldId: m.id })).toString()).toBe(SET_HELLO)
    // Meanwhile another client's GET is no SET: it passes, and finds nothing yet.
    expect(await cli(port, 'GET', 'k')).toBe('')
    // The person types a longer value and leaves `$5` as it was.
    const edited = SET_HELLO.replace('hello', 'hello world')
    expect(await t.engine['held.forward']({ heldId: m.id, bytes: Buffer.from(edited) })).toEqual({ action: 'edited', sent: SET_HELLO.length + 7 })
    await waitFor(() => c.got() === '+OK\r\n', 'redis to answer the edited SET')
    expect(await cli(redis.port, 'GET', 'k')).toBe('hello world')
    c.s.destroy()
  })

  it("holds redis-cli's SET whole and forwards it as it came", async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port, redis } = await redisBehindBreakpoint()
    const answer = cli(port, 'SET', 'greeting', 'hi there')
    const [m] = await heldQueue(t.engine)
    expect(m.summary).toBe('SET greeting "hi there"')
    await t.engine['held.forward']({ heldId: m.id })
    expect(await answer).toBe('OK')
    expect(await cli(redis.port, 'GET', 'greeting')).toBe('hi there')
  })

  it('drops a held SET: redis never sees it, and the GET written behind it goes on in order', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port, redis } = await redisBehindBreakpoint()
    const c = await slowClient(port)
    // A pipelined pair: the SET is held, the GET waits behind it.
    c.s.write(SET_HELLO + '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n')
    const [m] = await heldQueue(t.engine)
    await new Promise((r) => setTimeout(r, 50))
    expect(c.got()).toBe('')
    await t.engine['held.drop']({ heldId: m.id })
    await waitFor(() => c.got() === '$-1\r\n', "the GET's answer: nothing was set")
    expect(await cli(redis.port, 'EXISTS', 'k')).toBe('0')
    c.s.destroy()
  })

  it('refuses an edit that is no RESP value, keeping the SET held', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port } = await redisBehindBreakpoint()
    const c = await slowClient(port)
    c.s.write(SET_HELLO)
    const [m] = await heldQueue(t.engine)
    await expect(t.engine['held.forward']({ heldId: m.id, bytes: Buffer.from('*3\r\n$3\r\nSET\r\n?bad\r\n') })).rejects.toThrow(/not one RESP value/)
    expect((await t.engine['held.list']()).map((h) => h.id)).toEqual([m.id])
    await t.engine['held.forward']({ heldId: m.id })
    await waitFor(() => c.got() === '+OK\r\n', 'the SET as it came')
    c.s.destroy()
  })
})
