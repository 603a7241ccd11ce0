// A real redis-server behind a proxy, driven by redis-cli (commands, --pipe, pub/sub) and
// redis-benchmark: msg.page lists each command and reply as one message, paired, whatever
// TCP did with them, recognised from the client's first bytes.
import { execFile, spawn } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { needProgram, hasProgram } from '../../../helpers/peers'
import { startRedis, type Redis } from '../../../helpers/redis'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { waitFor } from '../../../helpers/net'
import { Messages } from '../../../../src/core/decode/messages/messages'

const run = promisify(execFile)
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function redisBehindProxy(): Promise<{ t: TestEngine; redis: Redis; port: number }> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const redis = await startRedis(t.dir)
  cleanups.push(redis.stop)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
  return { t, redis, port: portOf(proxy.listen) }
}

async function closedConnections(t: TestEngine, n: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 100 })
    if (page.rows.length >= n && page.rows.every((r) => r.end !== 'open')) return page.rows.map((r) => r.id)
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${n} closed connections did not come`)
}

describe('redis through the proxy as messages', () => {
  it('lists a redis-cli session command by command, each reply paired with its command', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port } = await redisBehindProxy()
    await run('redis-cli', ['-p', String(port), 'SET', 'greeting', 'hello world'])
    const [id] = await closedConnections(t, 1)
    const page = await t.engine['msg.page']({ capture: 'live', connId: id, fields: true })
    expect(page.source).toBe('detected')
    expect(page.framing).toBe('resp')
    const set = page.messages.find((m) => m.command === 'SET')!
    expect(set.summary).toBe('SET greeting "hello world"')
    const reply = page.messages[set.pair!]
    expect(reply.summary).toBe('+OK')
    expect(reply.dir).toBe('server')
    expect(reply.pair).toBe(set.index)
    const args = set.fields![0].children!
    expect(args.map((f) => f.value)).toEqual(['SET', 'greeting', 'hello world'])
    // A field's bytes are where it says: read them back from the stream.
    const bytes = await t.engine['conn.read']({ capture: 'live', connId: id, dir: 'client', offset: set.range.offset + args[2].offset!, length: args[2].length! })
    expect(Buffer.from(bytes).toString()).toBe('$11\r\nhello world\r\n')
    // The connection list says what it carries, and proto:redis finds it.
    const listed = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter: 'proto:redis' })
    expect(listed.rows.map((r) => [r.id, r.protocol?.protocol, r.protocol?.carries])).toEqual([[id, 'raw', 'resp']])
    expect((await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter: 'proto:mqtt' })).rows).toEqual([])
  })

  it('cuts a --pipe of 500 commands sent in a few chunks into 1,000 paired messages', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port } = await redisBehindProxy()
    const n = 500
    const input = Array.from({ length: n }, (_, i) => `*3\r\n$3\r\nSET\r\n$${`pipeline-key-${i}`.length}\r\npipeline-key-${i}\r\n$${`value-${i}`.length}\r\nvalue-${i}\r\n`).join('')
    await new Promise<void>((resolve, reject) => {
      const p = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'ignore', 'inherit'] })
      p.on('error', reject)
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`))))
      p.stdin.end(input)
    })
    const [id] = await closedConnections(t, 1)
    const page = await t.engine['msg.page']({ capture: 'live', connId: id, limit: 500, filter: 'cmd:SET' })
    expect(page.total).toBe(n)
    expect(page.messages[0].summary).toBe('SET pipeline-key-0 value-0')
    expect(page.messages[499].summary).toBe('SET pipeline-key-499 value-499')
    const replies = await t.engine['msg.page']({ capture: 'live', connId: id, limit: 500, filter: 'dir:server' })
    // --pipe ends with an ECHO of its own to know every reply came: 500 +OK then that echo.
    expect(replies.messages.filter((m) => m.summary === '+OK')).toHaveLength(n)
    expect(replies.messages.every((m) => m.pair !== undefined)).toBe(true)
    const texts = await t.engine['msg.page']({ capture: 'live', connId: id, filter: 'text:pipeline-key-499 dir:client' })
    expect(texts.messages.map((m) => m.summary)).toEqual(['SET pipeline-key-499 value-499'])
  })

  it('shows pub/sub: subscriptions paired, published messages as pushes', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port } = await redisBehindProxy()
    const sub = spawn('redis-cli', ['-p', String(port), 'SUBSCRIBE', 'news'], { stdio: ['ignore', 'pipe', 'ignore'] })
    cleanups.push(() => void sub.kill('SIGKILL'))
    let out = ''
    sub.stdout.on('data', (d) => (out += d))
    await waitFor(() => out.includes('subscribe'), 'the subscription')
    await run('redis-cli', ['-p', String(port), 'PUBLISH', 'news', 'hello'])
    await waitFor(() => out.includes('hello'), 'the message')
    const rows = (await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })).rows
    const subConn = rows[0].id
    const page = await t.engine['msg.page']({ capture: 'live', connId: subConn })
    const summaries = page.messages.map((m) => m.summary)
    expect(summaries).toContain('SUBSCRIBE news')
    expect(summaries).toContain('[3] message news hello')
    const push = page.messages.find((m) => m.summary === '[3] message news hello')!
    expect(push.pair).toBeUndefined()
    expect(push.command).toBe('message')
  })

  it('decodes a redis-benchmark -P 16 run: every message whole and paired', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-benchmark', hasProgram('redis-server') && hasProgram('redis-benchmark'))
    const { t, port } = await redisBehindProxy()
    await run('redis-benchmark', ['-p', String(port), '-c', '1', '-n', '2000', '-P', '16', '-t', 'set,get', '-q'])
    const ids = await closedConnections(t, 1)
    let commands = 0
    let paired = 0
    for (const id of ids) {
      for (let from = 0; ; from += 500) {
        const page = await t.engine['msg.page']({ capture: 'live', connId: id, from, limit: 500 })
        for (const m of page.messages) {
          expect(m.error).toBeUndefined()
          if (m.dir === 'client') commands++
          else if (m.pair !== undefined) paired++
        }
        if (from + 500 >= page.total) break
      }
    }
    expect(commands).toBeGreaterThanOrEqual(4000)
    expect(paired).toBe(commands)
  })

  it('reads a page of pipelined messages a direction at a time, several reads at once, and describes each as alone', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-benchmark', hasProgram('redis-server') && hasProgram('redis-benchmark'))
    const { t, port } = await redisBehindProxy()
    await run('redis-benchmark', ['-p', String(port), '-c', '1', '-n', '1000', '-P', '16', '-t', 'set,get', '-q'])
    const ids = await closedConnections(t, 1)
    const live = t.engine.capture
    // The live capture's own view, its reads counted (and how many were under way at once).
    let reads = 0
    let inFlight = 0
    let most = 0
    const view = Object.create(live) as typeof live
    view.readBytes = async (...args) => {
      reads++
      most = Math.max(most, ++inFlight)
      try {
        return await live.readBytes(...args)
      } finally {
        inFlight--
      }
    }
    const messages = new Messages()
    const id = ids[ids.length - 1]
    // Its messages cut first (the framing named, so no page reads the first bytes to recognise
    // it): what follows counts the page's own reads.
    await messages.page(view, { connId: id, from: 0, limit: 1, frame: 'resp' })
    reads = most = 0
    const page = await messages.page(view, { connId: id, from: 0, limit: 500, fields: true, frame: 'resp' })
    expect(page.messages).toHaveLength(500)
    // Commands 16 at a time, then their replies: 32 turns of the directions, and 2 reads, made together.
    expect(new Set(page.messages.slice(0, 32).map((m) => m.dir))).toEqual(new Set(['client', 'server']))
    expect(reads).toBe(2)
    expect(most).toBe(2)
    // Each message as a page of its own describes it the same.
    for (const m of page.messages.filter((_, i) => i % 7 === 0)) {
      const alone = await messages.page(live, { connId: id, from: m.index, limit: 1, fields: true, frame: 'resp' })
      expect(alone.messages[0]).toEqual(m)
    }
  })

  it('cuts with a framing chosen for a connection, and refuses a framing it cannot read in one line', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { t, port } = await redisBehindProxy()
    await run('redis-cli', ['-p', String(port), 'PING'])
    const [id] = await closedConnections(t, 1)
    expect(await t.engine['frame.set']({ capture: 'live', connId: id, frame: 'line:eol=crlf' })).toEqual({ framing: 'line:eol=crlf' })
    const lines = await t.engine['msg.page']({ capture: 'live', connId: id })
    expect(lines.source).toBe('chosen')
    // The connection list says what was chosen.
    expect((await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })).rows[0].protocol).toEqual({ protocol: 'raw', carries: 'line' })
    expect(lines.messages.slice(0, 2).map((m) => m.summary)).toEqual(['*1', '$4'])
    await expect(t.engine['frame.set']({ capture: 'live', connId: id, frame: 'length:size=3' })).rejects.toThrow(/^--frame length:size=3: size=3 is not 1, 2, 4 or 8; use line/)
    await t.engine['frame.set']({ capture: 'live', connId: id, frame: '' })
    expect((await t.engine['msg.page']({ capture: 'live', connId: id })).framing).toBe('resp')
    await expect(t.engine['msg.page']({ capture: 'live', connId: id, filter: 'colour:red' })).rejects.toThrow(/is no message word/)
  })

  it('labels an inline session typed by a person as redis once the server answers, and PING to an echo server not', async (ctx) => {
    needProgram(ctx, 'redis-server', hasProgram('redis-server'))
    const { t, port } = await redisBehindProxy()
    const typeLines = async (to: number, lines: string[]): Promise<void> => {
      const s = createConnection({ port: to, host: '127.0.0.1' })
      await new Promise((resolve) => s.once('connect', resolve))
      for (const l of lines) {
        const answered = new Promise((resolve) => s.once('data', resolve))
        s.write(l)
        await answered
      }
      s.end()
      await new Promise((resolve) => s.once('close', resolve))
    }
    await typeLines(port, ['PING\r\n', 'SET k v\r\n'])
    // An echo server hears a PING too: it answers with the line, not in RESP.
    const echo = createServer((c) => c.pipe(c))
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => echo.close(() => resolve())))
    const echoProxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(echo.address() as { port: number }).port}` })
    await typeLines(portOf(echoProxy.listen), ['PING hello\r\n', 'QUIT\r\n'])
    const ids = await closedConnections(t, 2)
    // Live decoding runs a moment behind the bytes.
    const labels = async (): Promise<unknown[]> => (await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })).rows.map((r) => [r.id, r.protocol?.protocol, r.protocol?.carries])
    await expect.poll(labels).toEqual([
      [ids[0], 'raw', 'resp'],
      [ids[1], 'raw', undefined]
    ])
  })
})

describe('a framing chosen for all of a proxy\'s connections', () => {
  it('applies to its connections present and future, and is kept in the setup as the proxy\'s --frame', async () => {
    const t = await testEngine()
    cleanups.push(t.dispose)
    const { startServer, connectTo } = await import('../../../helpers/net')
    const server = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end())
    })
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const send = async (text: string): Promise<void> => {
      const c = await connectTo(portOf(proxy.listen))
      c.end(text)
      await new Promise((r) => c.on('close', r).resume())
    }
    await send('one\ntwo\n')
    const [first] = await closedConnections(t, 1)
    expect((await t.engine['msg.page']({ capture: 'live', connId: first })).source).toBe('none')
    await t.engine['frame.set']({ capture: 'live', connId: first, frame: 'line:eol=lf', owner: true })
    await send('three\n')
    const ids = await closedConnections(t, 2)
    for (const id of ids) {
      const page = await t.engine['msg.page']({ capture: 'live', connId: id })
      // Chosen with "decode as" for all of them: not the proxy's own --frame.
      expect(page).toMatchObject({ framing: 'line:eol=lf', source: 'ownerChosen' })
    }
    expect((await t.engine['msg.page']({ capture: 'live', connId: ids[1] })).messages.map((m) => m.summary)).toEqual(['three'])
    const setup = await t.engine['setup.current']()
    expect(setup.proxies?.[0]?.start.frame).toBe('line:eol=lf')
    // A proxy started with --frame: its framing is its own, until "decode as" chooses for all its connections.
    const framed = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame: 'line:eol=lf' })
    const c = await connectTo(portOf(framed.listen))
    c.end('four\n')
    await new Promise((r) => c.on('close', r).resume())
    const [, , third] = await closedConnections(t, 3)
    expect((await t.engine['msg.page']({ capture: 'live', connId: third })).source).toBe('owner')
    await t.engine['frame.set']({ capture: 'live', connId: third, frame: 'line:eol=any', owner: true })
    expect((await t.engine['msg.page']({ capture: 'live', connId: third })).source).toBe('ownerChosen')
  })
})
