// redis recognised by itself on a port not redis's: a real redis-server behind the real CLI
// proxy, spoken to as people do without a RESP client (inline commands on a raw socket, as
// nc or telnet send them; `redis-cli --pipe` fed `SET key value` lines) and with redis-cli's
// own RESP. `show` then says RESP and list the commands and replies,
// paired, with no --frame. Beside it, a line-based chat and an SMTP-like server that speaks
// first stay raw: their words are not redis's.
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const exec = promisify(execFile)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Sends `lines` one write each, waiting for each answer to hold `expect`, then ends and waits for the close. */
async function talk(port: number, turns: Array<[string, RegExp]>): Promise<string> {
  const s: Socket = await connectTo(port)
  let got = ''
  s.setEncoding('latin1').on('data', (d: string) => (got += d))
  for (const [line, answer] of turns) {
    const before = got.length
    s.write(line)
    await waitFor(() => answer.test(got.slice(before)), `an answer to ${JSON.stringify(line)}`)
  }
  s.end()
  await once(s, 'close')
  return got
}

type Msg = { type: string; conn: number; protocol: string; message: number; dir: string; summary: string; command?: string; pair?: number }

const jsonLines = <T>(text: string): T[] => text.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T)

describe('redis without --frame on a port not 6379', () => {
  it('recognises inline commands from a raw socket and redis-cli --pipe, and redis-cli\'s RESP, and pairs each reply', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const redis = await startRedis(dir)
    cleanups.push(redis.stop)
    expect(redis.port).not.toBe(6379)
    const capture = join(dir, 'inline.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${redis.port}`, capture })
    cleanups.push(() => proxy.stop('SIGKILL'))

    // #1: a person typing over nc: inline PING, SET and GET, one line each.
    const typed = await talk(proxy.port, [
      ['PING\r\n', /^\+PONG\r\n$/],
      ['SET k v\r\n', /^\+OK\r\n$/],
      ['get k\n', /^\$1\r\nv\r\n$/]
    ])
    expect(typed).toBe('+PONG\r\n+OK\r\n$1\r\nv\r\n')
    // #2: redis-cli --pipe fed inline lines (it adds an ECHO of its own, in RESP, to know the end).
    const pipe = spawn('redis-cli', ['-p', String(proxy.port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let piped = ''
    pipe.stdout.setEncoding('utf8').on('data', (d: string) => (piped += d))
    pipe.stdin.end('SET key1 value1\nSET key2 value2\nINCR counter\n')
    const [code] = await once(pipe, 'close')
    expect(code).toBe(0)
    expect(piped).toMatch(/errors: 0, replies: 3/)
    expect((await exec('redis-cli', ['-p', String(redis.port), 'MGET', 'key1', 'key2', 'counter'])).stdout.trim().split('\n')).toEqual(['value1', 'value2', '1'])
    // #3: redis-cli's own RESP.
    await exec('redis-cli', ['-p', String(proxy.port), 'GET', 'key2'])
    expect(await proxy.stop('SIGINT')).toBe(0)

    const text = await runCli(['show', capture])
    expect(text.stdout).toMatch(/^#1 .*: RESP, 6 messages$/m)
    expect(text.stdout).toMatch(/^#2 .*: RESP, 9 messages$/m)
    expect(text.stdout).toMatch(/^#3 .*: RESP, 2 messages$/m)
    const all = jsonLines<Msg>((await runCli(['show', capture, '--json'])).stdout).filter((o) => o.type === 'message')
    expect(all.every((m) => m.protocol === 'resp')).toBe(true)
    const typedMsgs = all.filter((m) => m.conn === 1)
    expect(typedMsgs.map((m) => [m.dir, m.summary])).toEqual([
      ['client', 'PING'],
      ['server', '+PONG'],
      ['client', 'SET k v'],
      ['server', '+OK'],
      ['client', 'get k'],
      ['server', 'v']
    ])
    expect(typedMsgs.filter((m) => m.dir === 'client').map((m) => m.command)).toEqual(['PING', 'SET', 'GET'])
    // Each reply answers its command, in order.
    const byNumber = new Map(typedMsgs.map((m) => [m.message, m]))
    expect(typedMsgs.filter((m) => m.dir === 'server').map((m) => byNumber.get(m.pair!)?.command)).toEqual(['PING', 'SET', 'GET'])
    const pipedMsgs = all.filter((m) => m.conn === 2)
    // redis-cli sends an empty line before its ECHO: a message of its own, no command, unanswered.
    expect(pipedMsgs.filter((m) => m.dir === 'client').map((m) => [m.summary.replace(/<20 bytes>/, 'X'), m.command, m.pair === undefined])).toEqual([
      ['SET key1 value1', 'SET', false],
      ['SET key2 value2', 'SET', false],
      ['INCR counter', 'INCR', false],
      ['(empty line)', undefined, true],
      ['ECHO X', 'ECHO', false]
    ])
    expect(pipedMsgs.filter((m) => m.dir === 'server').map((m) => m.summary).slice(0, 3)).toEqual(['+OK', '+OK', '(integer) 1'])
    expect(all.filter((m) => m.conn === 3 && m.dir === 'client').map((m) => m.summary)).toEqual(['GET key2'])
  })

  it('leaves a line-based chat and a server that greets in words raw', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // A chat that echoes each line, and an SMTP-like server that greets first and answers 250.
    const chat = await startServer((s) => s.on('data', (d) => s.write(d)).on('end', () => s.end()))
    cleanups.push(chat.close)
    const smtp = await startServer((s) => {
      s.write('220 mail.example ESMTP\r\n')
      s.on('data', () => s.write('250 ok\r\n')).on('end', () => s.end())
    })
    cleanups.push(smtp.close)
    const captures = { chat: join(dir, 'chat.tcap'), smtp: join(dir, 'smtp.tcap') }
    const chatProxy = await startCliProxy({ target: `127.0.0.1:${chat.port}`, capture: captures.chat })
    cleanups.push(() => chatProxy.stop('SIGKILL'))
    const smtpProxy = await startCliProxy({ target: `127.0.0.1:${smtp.port}`, capture: captures.smtp })
    cleanups.push(() => smtpProxy.stop('SIGKILL'))
    await talk(chatProxy.port, [
      ['hello\n', /^hello\n$/],
      ['quit\n', /^quit\n$/]
    ])
    const s = await connectTo(smtpProxy.port)
    let got = ''
    s.setEncoding('latin1').on('data', (d: string) => (got += d))
    await waitFor(() => got.startsWith('220 '), 'the greeting')
    s.write('EHLO client.example\r\n')
    await waitFor(() => got.includes('250 ok'), 'the answer')
    s.end()
    await once(s, 'close')
    expect(await chatProxy.stop('SIGINT')).toBe(0)
    expect(await smtpProxy.stop('SIGINT')).toBe(0)

    for (const capture of [captures.chat, captures.smtp]) {
      const text = await runCli(['show', capture])
      expect(text.stdout).not.toMatch(/RESP/)
      const shown = jsonLines<Msg>((await runCli(['show', capture, '--json'])).stdout)
      expect(shown.filter((o) => o.type === 'message')).toEqual([])
    }
  })
})
