// What `tcpscope serve` shows of the traffic, as a NetAssist user expects: each chunk whole,
// under a header that says which client and which way (`#1 <- 16 B`), decoded in
// --encoding (a character split across chunks comes out whole), or as a hex dump with
// --hex; --max-bytes shortens long chunks; --json carries every byte as hex.
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { CliProcess } from '../helpers/cli'
import { connectTo, waitFor } from '../helpers/net'
import { settle } from '../helpers/sessions'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const TIME = String.raw`\d\d:\d\d:\d\d\.\d{3}`

async function serve(args: string[]): Promise<{ cli: CliProcess; port: number }> {
  const cli = new CliProcess(['serve', '--listen', '127.0.0.1:0', ...args])
  cleanups.push(() => cli.stop('SIGTERM'))
  const first = await cli.waitLine(() => true)
  const port = args.includes('--json') ? Number((JSON.parse(first) as { listen: string }).listen.split(':')[1]) : Number(/:(\d+)/.exec(first)?.[1])
  return { cli, port }
}

async function client(port: number): Promise<Socket> {
  const s = await connectTo(port)
  s.on('error', () => {})
  s.resume()
  cleanups.push(() => s.destroy())
  return s
}

/** Writes the parts one at a time, each once serve has shown the one before: a chunk each. */
async function sendApart(cli: CliProcess, s: Socket, ...parts: Buffer[]): Promise<void> {
  const received = (): number => cli.lines.filter((l) => / <- \d+ B/.test(l)).length
  for (const p of parts) {
    const before = received()
    s.write(p)
    await waitFor(() => received() > before, `serve to show ${p.length} bytes`)
  }
}

/** The lines after the listening line, without the timestamps. */
const shown = (cli: CliProcess): string[] => cli.lines.slice(1).map((l) => l.replace(new RegExp(`^${TIME} `), ''))

describe('tcpscope serve shows the traffic', () => {
  it('decodes UTF-8 text, whole chunks, under a header per chunk that names the client and the direction', async () => {
    const { cli, port } = await serve(['--echo'])
    const c = await client(port)
    const long = 'x'.repeat(300)
    await sendApart(cli, c, Buffer.from('你好，世界\n'), Buffer.from(long))
    c.end()
    await cli.waitLine((l) => l.includes('#1 closed'))
    expect(cli.lines.find((l) => l.includes('#1 <- 16 B'))).toMatch(new RegExp(`^${TIME} #1 <- 16 B$`))
    const lines = shown(cli).filter((l) => !/^#1 (open|client sent FIN|server sent FIN|closed)/.test(l))
    expect(lines).toEqual(['#1 <- 16 B', '你好，世界', '#1 -> 16 B', '你好，世界', '#1 <- 300 B', long, '#1 -> 300 B', long])
  })

  it('tells clients apart, and never prints a FIN or close before the bytes that came first', async () => {
    const { cli, port } = await serve([])
    const a = await client(port)
    await cli.waitLine((l) => l.includes('#1 open'))
    const b = await client(port)
    await cli.waitLine((l) => l.includes('#2 open'))
    await sendApart(cli, a, Buffer.from('from a'))
    await sendApart(cli, b, Buffer.from('from b'))
    b.end('bye')
    await cli.waitLine((l) => l.includes('#2 closed'))
    const lines = shown(cli)
    expect(lines.slice(lines.indexOf('#1 <- 6 B'), lines.indexOf('#1 <- 6 B') + 2)).toEqual(['#1 <- 6 B', 'from a'])
    const fromB = lines.indexOf('#2 <- 6 B')
    expect(lines.slice(fromB, fromB + 4)).toEqual(['#2 <- 6 B', 'from b', '#2 <- 3 B', 'bye'])
    expect(lines.findIndex((l) => l.startsWith('#2 client sent FIN'))).toBeGreaterThan(fromB + 3)
  })

  it('--encoding gbk: Chinese shows as Chinese, even a character split between two chunks', async () => {
    const { cli, port } = await serve(['--encoding', 'gbk'])
    const c = await client(port)
    // "你好，世界\n" in GBK, cut inside "好".
    const gbk = Buffer.from('c4e3bac3a3accac0bde70a', 'hex')
    await sendApart(cli, c, gbk.subarray(0, 3), gbk.subarray(3))
    await cli.waitLine((l) => l.includes('#1 <- 8 B'))
    const lines = shown(cli)
    const at = lines.indexOf('#1 <- 3 B')
    expect(lines.slice(at, at + 4)).toEqual(['#1 <- 3 B', '你', '#1 <- 8 B', '好，世界'])
    expect(cli.lines.join('\n')).not.toMatch(/\\x[0-9a-f]{2}/)
  })

  it('--hex prints an xxd-style dump at the stream offset; control bytes never reach the terminal as text', async () => {
    const { cli, port } = await serve(['--hex'])
    const c = await client(port)
    await sendApart(cli, c, Buffer.from('0102', 'hex'), Buffer.from('hello, world!!!!x'))
    await cli.waitLine((l) => l.includes('#1 <- 17 B'))
    const lines = shown(cli)
    const at = lines.indexOf('#1 <- 2 B')
    expect(lines.slice(at, at + 5)).toEqual([
      '#1 <- 2 B',
      '00000000: 0102                                     ..',
      '#1 <- 17 B',
      '00000002: 6865 6c6c 6f2c 2077 6f72 6c64 2121 2121  hello, world!!!!',
      '00000012: 78                                       x'
    ])

    const { cli: text, port: textPort } = await serve([])
    const t = await client(textPort)
    await sendApart(text, t, Buffer.from('a\x00b\x1b[2Jc\td\re\r\n'))
    await text.waitLine((l) => l.includes('#1 <- 14 B'))
    expect(shown(text)).toContain('a\\x00b\\x1b[2Jc\td\\re')
  })

  it('--max-bytes N shows the first N bytes of each chunk and says so', async () => {
    const { cli, port } = await serve(['--max-bytes', '10'])
    const c = await client(port)
    await sendApart(cli, c, Buffer.from('0123456789abcdefghij'), Buffer.from('short'))
    await cli.waitLine((l) => l.includes('#1 <- 5 B'))
    const lines = shown(cli)
    const at = lines.indexOf('#1 <- 20 B (first 10 shown)')
    expect(lines.slice(at, at + 4)).toEqual(['#1 <- 20 B (first 10 shown)', '0123456789', '#1 <- 5 B', 'short'])
  })

  it('--json carries each chunk whole as hex; --quiet prints no per-event lines', async () => {
    const { cli, port } = await serve(['--json'])
    const c = await client(port)
    const big = Buffer.alloc(200, 0x41)
    c.write(big)
    const data = JSON.parse(await cli.waitLine((l) => l.includes('"type":"conn-data"'))) as { connId: number; dir: string; length: number; hex: string }
    expect(data).toMatchObject({ connId: 1, dir: 'client', length: 200, hex: big.toString('hex') })

    const quiet = await serve(['--quiet'])
    const q = await client(quiet.port)
    q.end('hello')
    await settle(200)
    expect(await quiet.cli.stop('SIGINT')).toBe(0)
    expect(quiet.cli.lines).toHaveLength(2)
    expect(quiet.cli.lines[1]).toMatch(/^tcpscope: stopped \(SIGINT\): 1 connection/)
  })

  it('rejects a bad --max-bytes in one line', async () => {
    const cli = new CliProcess(['serve', '--listen', '0', '--max-bytes', '0'])
    expect(await new Promise((r) => cli.child.once('close', r))).toBe(2)
    expect(cli.stderr).toBe('tcpscope: serve: --max-bytes wants a whole number >= 1, got "0"\n')
  })
})

describe('tcpscope serve --pause-on-connect', () => {
  it('holds each client unread and says so; SIGUSR2 resumes those held, and a later client is held again', async () => {
    const { cli, port } = await serve(['--pause-on-connect', '--echo'])
    expect(cli.lines[0]).toContain(`clients are held unread until SIGUSR2: kill -USR2 ${cli.child.pid}`)
    const a = await client(port)
    const echoed: Buffer[] = []
    a.on('data', (d: Buffer) => echoed.push(d))
    a.write('hello')
    await cli.waitLine((l) => l.includes('#1 held: nothing is read from it until SIGUSR2'))
    await settle(300)
    expect(echoed).toEqual([])
    expect(cli.lines.some((l) => l.includes('#1 <-'))).toBe(false)

    cli.child.kill('SIGUSR2')
    await cli.waitLine((l) => l.includes('#1 resumed'))
    await waitFor(() => Buffer.concat(echoed).toString() === 'hello', 'the echo after resuming')
    const after = (): string[] => shown(cli).slice(shown(cli).indexOf('#1 resumed'))
    await waitFor(() => after().length >= 5, 'the chunks after resuming')
    expect(after()).toEqual(['#1 resumed', '#1 <- 5 B', 'hello', '#1 -> 5 B', 'hello'])

    const b = await client(port)
    b.write('later')
    await cli.waitLine((l) => l.includes('#2 held'))
    await settle(200)
    expect(shown(cli).includes('#2 <- 5 B')).toBe(false)
    expect(await cli.stop('SIGINT')).toBe(0)
  })

  it('--json says held and resumed as lines of their own, and the listening line gives the pid', async () => {
    const { cli, port } = await serve(['--pause-on-connect', '--json'])
    expect(JSON.parse(cli.lines[0])).toMatchObject({ type: 'listening', pid: cli.child.pid })
    const c = await client(port)
    c.write('x')
    await cli.waitLine((l) => l === '{"type":"conn-held","connId":1}')
    cli.child.kill('SIGUSR2')
    await cli.waitLine((l) => l === '{"type":"conn-resumed","connId":1}')
    await cli.waitLine((l) => l.includes('"type":"conn-data"') && l.includes('"hex":"78"'))
  })
})
