// `tcpscope proxy --frame` and `tcpscope show` on raw connections: a length-prefixed
// protocol of the test's own and a real redis-server, recorded by the real CLI proxy, then
// listed message by message by `show` in text and JSON lines, with --frame choosing again.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const exec = promisify(execFile)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Two-byte big-endian length, then the payload. */
const framed = (text: string): Buffer => {
  const body = Buffer.from(text)
  const head = Buffer.alloc(2)
  head.writeUInt16BE(body.length)
  return Buffer.concat([head, body])
}

describe('show lists raw connections as messages', () => {
  it('remembers a proxy\'s --frame in its capture, and show cuts by it whatever TCP did', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // A server that answers each whole message with "ok:" and the message, in one write per three answers.
    const server = await startServer((s) => {
      let buf = Buffer.alloc(0)
      const out: Buffer[] = []
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d])
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const n = buf.readUInt16BE(0)
          out.push(framed(`ok:${buf.subarray(2, 2 + n).toString()}`))
          buf = buf.subarray(2 + n)
        }
        if (out.length >= 3) s.write(Buffer.concat(out.splice(0)))
      })
      s.on('end', () => s.end(Buffer.concat(out.splice(0))))
    })
    cleanups.push(server.close)
    const capture = join(dir, 'framed.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture, extra: ['--frame', 'length:size=2'] })
    cleanups.push(() => proxy.stop('SIGKILL'))
    const client = await connectTo(proxy.port)
    client.resume()
    const all = Buffer.concat(['alpha', 'beta', 'gamma'].map(framed))
    // Split across the message boundaries: one byte, then the rest of alpha and half of beta, then the rest.
    for (const piece of [all.subarray(0, 1), all.subarray(1, 12), all.subarray(12)]) {
      client.write(piece)
      await new Promise((r) => setTimeout(r, 30))
    }
    client.end()
    await new Promise((r) => client.on('close', r))
    expect(await proxy.stop('SIGINT')).toBe(0)

    const text = await runCli(['show', capture])
    expect(text.code).toBe(0)
    const lines = text.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^#1 .* -> 127\.0\.0\.1:\d+: length:size=2, 6 messages$/)
    expect(lines.slice(1).map((l) => l.replace(/ \d\d:\d\d:\d\d\.\d{3} /, ' T '))).toEqual([
      '#1 message 1 client -> T 7 B [5] alpha',
      '#1 message 2 client -> T 6 B [4] beta',
      '#1 message 3 client -> T 7 B [5] gamma',
      '#1 message 4 server <- T 10 B [8] ok:alpha',
      '#1 message 5 server <- T 9 B [7] ok:beta',
      '#1 message 6 server <- T 10 B [8] ok:gamma'
    ])
    const json = await runCli(['show', capture, '--json'])
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(objects[0]).toMatchObject({ type: 'message', conn: 1, protocol: 'length:size=2', message: 1, dir: 'client', size: 7, offset: 0, summary: '[5] alpha', payload: { hex: '0005616c706861' } })
    expect(objects[0].fields).toEqual([
      { name: 'length', value: '5', offset: 0, length: 2 },
      { name: 'payload', value: 'alpha', offset: 2, length: 5 }
    ])
    // --frame cuts it another way for this read.
    const fixed = await runCli(['show', capture, '--frame', 'fixed:size=4'])
    expect(fixed.stdout.split('\n')[0]).toMatch(/fixed:size=4, 13 messages$/)
    // 29 bytes from the server: 7 whole messages of 4 and one the stream ended inside.
    expect(fixed.stdout).toMatch(/message 13 server <- \S+ 1 B .* \(incomplete; the stream ended inside this message\)$/m)
  })

  it('recognises redis from its first bytes and lists commands and replies paired, in JSON with their fields', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const redis = await startRedis(dir)
    cleanups.push(redis.stop)
    const capture = join(dir, 'redis.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${redis.port}`, capture })
    cleanups.push(() => proxy.stop('SIGKILL'))
    await exec('redis-cli', ['-p', String(proxy.port), 'SET', 'greeting', 'hello world'])
    await exec('redis-cli', ['-p', String(proxy.port), 'GET', 'greeting'])
    expect(await proxy.stop('SIGINT')).toBe(0)
    const text = await runCli(['show', capture])
    expect(text.stdout).toMatch(/^#1 .*: RESP, \d+ messages$/m)
    expect(text.stdout).toMatch(/^#1 message \d+ client -> \S+ \d+ B SET greeting "hello world" \(answered by \d+\)$/m)
    expect(text.stdout).toMatch(/^#2 message \d+ server <- \S+ \d+ B "hello world" \(answers \d+\)$/m)
    const json = (await runCli(['show', capture, '--json', '--conn', '2'])).stdout.trim().split('\n').map((l) => JSON.parse(l))
    const get = json.find((o) => o.command === 'GET')
    expect(get).toMatchObject({ type: 'message', protocol: 'resp', dir: 'client', summary: 'GET greeting' })
    expect(get.fields[0].children.map((f: { value: string }) => f.value)).toEqual(['GET', 'greeting'])
    expect(json.find((o) => o.message === get.pair)).toMatchObject({ dir: 'server', summary: '"hello world"', payload: { text: '$11\r\nhello world\r\n' } })
  })

  it('says what is wrong with a framing in one line, before anything listens', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const r = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--capture', join(dir, 'x.tcap'), '--frame', 'length:size=3'])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/--frame length:size=3: size=3 is not 1, 2, 4 or 8; use line/)
    const s = await runCli(['show', join(dir, 'none.tcap'), '--frame', 'bogus'])
    expect(s.code).not.toBe(0)
  })

  it('says a message filter\'s word is the Messages tab\'s, and what the CLI has instead, in one line', async () => {
    const r = await runCli(['show', 'none.tcap', '--frame', 'ksy:blob.ksy', '--filter', 'field:msg_type=put'])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/--filter picks HTTP exchanges; "field:" picks messages, in the app's Messages tab and in message breakpoints .*show --frame SPEC --json prints each message's "fields"/)
    const negated = await runCli(['show', 'none.tcap', '--filter', 'host:x -dir:client'])
    expect(negated.stderr).toMatch(/"dir:" picks messages/)
  })

  it('takes a word a host and port could be (fn:443) as the Exchanges list does, not as a message word', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const missing = join(dir, 'none.tcap')
    for (const filter of ['fn:443', '-cmd:80']) {
      const r = await runCli(['show', missing, '--filter', filter])
      expect(r.code).not.toBe(0)
      // Past the filter's words, to the file that is not there.
      expect(r.stderr).not.toMatch(/picks messages/)
      expect(r.stderr).toContain('none.tcap')
    }
    expect((await runCli(['show', missing, '--filter', 'fn:x'])).stderr).toMatch(/"fn:" picks messages/)
  })
})
