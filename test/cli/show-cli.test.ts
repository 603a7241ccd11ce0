// `tcpscope show FILE` on a capture of real traffic: curl and a ws client through the
// engine's proxy to a Node server (a gzip JSON body, a binary one, a chunked one, a POST, a
// large text one, a Latin-1 one, a WebSocket with permessage-deflate), then the real CLI
// reading the file as a child process, in text and in JSON lines; --filter, --exchange,
// --conn and --body-limit narrow and cut it; bad input is one line and an exit code; a
// capture another tcpscope is still recording reads too.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import WebSocket, { WebSocketServer } from 'ws'
import type { ConnectionSummary } from '../../src/shared/capture-types'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { CLI, runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { testEngine, type TestEngine } from '../helpers/engine'
import { closedConnections } from '../helpers/capture-checks'
import { tempDir } from '../helpers/net'
import { needPeer, hasProgram } from '../helpers/peers'
import { run } from '../core/export/export-traffic'

const JSON_BODY = { name: 'show', text: 'grüße ✓', items: [1, 2, 3] }
/** Every byte value, NUL first: no charset reads it as text. */
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256))
const CHUNKS = ['first chunk\n', 'second chunk\n', 'third chunk\n']
/** 44 KiB of numbered lines. */
const BIG = Array.from({ length: 4096 }, (_, i) => `line ${String(i).padStart(5, '0')}\n`).join('')

/**
 * 20 MiB of lines that start with a two-byte character: larger than one read of the engine's
 * (MAX_READ, 16 MiB), whose end falls inside a character (16 MiB is 1 more than a multiple of 15).
 */
const HUGE_LINE = (i: number): string => `ü ${String(i % 1e6).padStart(6, '0')} line\n`
const HUGE = Array.from({ length: Math.ceil((20 * 1024 * 1024) / 15) }, (_, i) => HUGE_LINE(i)).join('')

/** /gzip, /bin, /chunked, /big, /latin1, /huge, /echo (the body back), /ws (echo, permessage-deflate). */
async function target(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const body: Buffer[] = []
    req.on('data', (c: Buffer) => body.push(c))
    req.on('end', () => {
      const send = (type: string, bytes: Buffer | string, more: Record<string, string> = {}): void => {
        res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(bytes)), ...more })
        res.end(bytes)
      }
      if (req.url === '/gzip') send('application/json; charset=utf-8', gzipSync(JSON.stringify(JSON_BODY)), { 'Content-Encoding': 'gzip' })
      else if (req.url === '/bin') send('application/octet-stream', BINARY)
      else if (req.url === '/big') send('text/plain', BIG)
      else if (req.url === '/huge') send('text/plain; charset=utf-8', HUGE)
      else if (req.url === '/latin1') send('text/plain; charset=iso-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))
      else if (req.url === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        // Each piece its own chunk: flushed before the next is written.
        const next = (i: number): void => {
          if (i === CHUNKS.length) return void res.end()
          res.write(CHUNKS[i], () => next(i + 1))
        }
        next(0)
      } else send(req.headers['content-type'] ?? 'application/octet-stream', Buffer.concat(body))
    })
  })
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: { threshold: 0 } })
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** curl with `args`, each URL's output discarded. */
const curl = (args: string[]): Promise<unknown> =>
  run('curl', ['-sS', ...args.flatMap((a) => (a.startsWith('http') ? ['-o', '/dev/null', a] : [a]))], { timeout: 20_000 })

async function wsConversation(url: string): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } })
  await once(ws, 'open')
  // One message at a time, each after the echo of the one before: sent together, the
  // server's first echo could reach the proxy before the client's second message, and
  // the messages' numbers follow the order the proxy saw them in.
  ws.send('hello over ws, hello over ws')
  await once(ws, 'message')
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true })
  await once(ws, 'message')
  ws.close(1000, 'bye')
  await once(ws, 'close')
}

let t: TestEngine
/** By what each carried: gzip+bin, chunked, echo, big, latin1, ws, huge. */
const conn: Record<'pair' | 'chunked' | 'echo' | 'big' | 'latin1' | 'ws' | 'huge', ConnectionSummary> = {} as never

beforeAll(async () => {
  t = await testEngine()
  if (!hasProgram('curl')) return
  const server = await target()
  try {
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const base = `http://${proxy.listen}`
    // One at a time, so connection ids follow this order.
    await curl([`${base}/gzip`, `${base}/bin`])
    await curl([`${base}/chunked`])
    await curl(['-H', 'Content-Type: text/plain', '--data-binary', 'ping=1&x=ü', `${base}/echo`])
    await curl([`${base}/big`])
    await curl([`${base}/latin1`])
    await wsConversation(`ws://${proxy.listen}/ws`)
    await curl([`${base}/huge`])
    const conns = await closedConnections(t.engine, 7)
    ;[conn.pair, conn.chunked, conn.echo, conn.big, conn.latin1, conn.ws, conn.huge] = [...conns].sort((a, b) => a.id - b.id)
  } finally {
    await server.close()
  }
  // Closing the engine completes the file (its index stored), as a CLI proxy leaves it.
  await t.engine.close()
})
afterAll(() => t?.dispose())

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Line {
  type: string
  conn: number
  [key: string]: unknown
}
const jsonLines = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line)

const show = (...args: string[]): ReturnType<typeof runCli> => runCli(['show', t.capturePath, ...args])

describe('tcpscope show in text', () => {
  it('prints each connection, its exchanges with request, headers and decoded body, then the response', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const r = await show()
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const out = r.stdout
    expect(out).toMatch(new RegExp(`^#${conn.pair.id} 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:\\d+: http1, 2 exchanges$`, 'm'))
    // The gzip body as curl --compressed shows it: the JSON as sent, decoded, in UTF-8.
    expect(out).toMatch(/\nGET \/gzip HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\nUser-Agent: curl\/[\d.]+\nAccept: \*\/\*\n\nHTTP\/1\.1 200 OK\n/)
    expect(out).toMatch(/Content-Encoding: gzip\n(?:.+\n)*\n/)
    expect(out).toContain(`Keep-Alive: timeout=5\n\n${JSON.stringify(JSON_BODY)}\n\n#${conn.pair.id} exchange 2`)
    // Binary as a short hex dump: 256 bytes of it (16 lines), then its size.
    const bin = out.slice(out.indexOf('GET /bin'))
    expect(bin).toContain('00000000: 0007 0e15 1c23 2a31 383f 464d 545b 6269  .....#*18?FMT[bi\n')
    expect(bin).toContain('000000f0: 9097 9ea5 acb3 bac1 c8cf d6dd e4eb f2f9  ................\n(binary, 512 B)\n')
    expect(bin).not.toContain('00000100:')
    // Chunked: the chunks' data joined, the framing gone.
    expect(out).toContain(`Transfer-Encoding: chunked\n\n${CHUNKS.join('')}`)
    expect(out).not.toMatch(/^c\r?$/m)
    // The POST's body, then the response echoing it.
    expect(out).toMatch(/POST \/echo HTTP\/1\.1\n(?:.+\n)*Content-Type: text\/plain\n(?:.+\n)*\nping=1&x=ü\n\nHTTP\/1\.1 200 OK\n(?:.+\n)*\nping=1&x=ü\n/)
    // A charset other than UTF-8 is read in it.
    expect(out).toContain('charset=iso-8859-1\nContent-Length: 5\n')
    expect(out).toMatch(/\n\ncafé\n/)
    // Exchanges are numbered from 1, as replay --exchange takes them.
    expect(out).toMatch(new RegExp(`^#${conn.pair.id} exchange 1 http1 \\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\nGET /gzip HTTP/1\\.1$`, 'm'))
    expect(out).toMatch(new RegExp(`^#${conn.pair.id} exchange 2 http1 `, 'm'))
  })

  it('prints a WebSocket connection: the upgrade, then each message with direction, time, size and payload', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const r = await show('--conn', String(conn.ws.id))
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const out = r.stdout
    expect(out).toMatch(new RegExp(`^#${conn.ws.id} .* -> .*: websocket, 1 exchange, 6 WebSocket messages$`, 'm'))
    expect(out).toContain('HTTP/1.1 101 Switching Protocols\n')
    expect(out).toContain('(upgraded to websocket)\n')
    const time = '\\d\\d:\\d\\d:\\d\\d\\.\\d{3}'
    // Compressed on the wire (permessage-deflate), shown inflated.
    expect(out).toMatch(new RegExp(`#${conn.ws.id} message 1 client -> ${time} text 28 B \\(compressed\\)\\nhello over ws, hello over ws\\n`))
    expect(out).toMatch(new RegExp(`#${conn.ws.id} message 2 server <- ${time} text 28 B \\(compressed\\)\\nhello over ws, hello over ws\\n`))
    expect(out).toMatch(new RegExp(`#${conn.ws.id} message 3 client -> ${time} binary 4 B \\(compressed\\)\\n00000000: 0001 02ff {32}\\.\\.\\.\\.\\n\\(binary, 4 B\\)\\n`))
    expect(out).toMatch(new RegExp(`#${conn.ws.id} message 5 client -> ${time} close 5 B\\nclose 1000 bye\\n`))
  })

  it('--body-limit cuts a body there and says so; a binary body shows its start and its whole size', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const r = await show('--conn', String(conn.big.id), '--body-limit', '1KiB')
    expect(r.code).toBe(0)
    const head = 'Keep-Alive: timeout=5\n\n'
    const body = r.stdout.slice(r.stdout.indexOf(head) + head.length)
    expect(body).toBe(BIG.slice(0, 1024) + '\n(first 1.00 KiB of 44.0 KiB shown; --body-limit shows more)\n')
    // A coded body whose decoded size is not known past the cut says so in its words.
    const gz = await show('--conn', String(conn.pair.id), '--exchange', '1', '--body-limit', '10')
    expect(gz.stdout).toContain(`Keep-Alive: timeout=5\n\n${JSON.stringify(JSON_BODY).slice(0, 10)}\n(first 10 B of the decoded body shown; --body-limit shows more)\n`)
  })

  it('--filter takes the exchange list\'s words, --exchange and --conn narrow to one', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const posts = await show('--filter', 'method:POST')
    expect(posts).toMatchObject({ code: 0, stderr: '' })
    expect(posts.stdout.match(/^#\d+ exchange \d+ /gm)).toEqual([`#${conn.echo.id} exchange 1 `])
    expect(posts.stdout).toMatch(new RegExp(`^#${conn.echo.id} .*: http1, 1 exchange$`, 'm'))
    const bins = await show('--filter', 'path:/bin')
    expect(bins.stdout.match(/^#\d+ exchange \d+ /gm)).toEqual([`#${conn.pair.id} exchange 2 `])
    const negated = await show('--filter', '-path:/ws -type:json status:2xx')
    expect(negated.stdout.match(/^(?:GET|POST) \S+/gm)).toEqual(['GET /bin', 'GET /chunked', 'POST /echo', 'GET /big', 'GET /latin1', 'GET /huge'])
    const second = await show('--conn', String(conn.pair.id), '--exchange', '2')
    expect(second.stdout.match(/^(?:GET|POST) \S+/gm)).toEqual(['GET /bin'])
    const both = await show('--conn', `${conn.chunked.id},${conn.latin1.id}`)
    expect(both.stdout.match(/^GET \S+/gm)).toEqual(['GET /chunked', 'GET /latin1'])
    const none = await show('--filter', 'status:503')
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'no exchange matches "status:503"\n' })
  })
})

describe('tcpscope show --json', () => {
  it('writes one object per exchange and per WebSocket message, headers in order, bodies as text or base64', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const r = await show('--json')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const lines = jsonLines(r.stdout)
    expect(lines.map((l) => [l.type, l.conn])).toEqual([
      ['exchange', conn.pair.id],
      ['exchange', conn.pair.id],
      ['exchange', conn.chunked.id],
      ['exchange', conn.echo.id],
      ['exchange', conn.big.id],
      ['exchange', conn.latin1.id],
      ['exchange', conn.ws.id],
      ...Array.from({ length: 6 }, () => ['message', conn.ws.id]),
      ['exchange', conn.huge.id]
    ])
    const [gzip, bin, chunked, echo, , latin1, upgrade, ...rest] = lines
    const messages = rest.slice(0, 6)
    // The default --body-limit (1 MiB) cuts the 20 MiB body, inside a character: its first byte is left out of the text.
    expect(rest[6].responseBody).toEqual({ text: Buffer.from(HUGE).subarray(0, 1024 * 1024 - 1).toString(), size: Buffer.byteLength(HUGE), truncated: true, note: `cut at --body-limit: the first 1.00 MiB of 20.0 MiB` })
    expect(gzip).toMatchObject({ exchange: 1, protocol: 'http1', method: 'GET', status: 200, state: 'complete', version: 'HTTP/1.1' })
    expect(gzip.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gzip$/)
    expect(gzip.stream).toBeUndefined()
    expect((gzip.requestHeaders as string[][]).map(([n]) => n)).toEqual(['Host', 'User-Agent', 'Accept'])
    expect(gzip.responseHeaders).toContainEqual(['Content-Encoding', 'gzip'])
    expect(gzip.responseBody).toEqual({ text: JSON.stringify(JSON_BODY), size: Buffer.byteLength(JSON.stringify(JSON_BODY)), decoded: ['gzip'] })
    expect(gzip.requestBody).toEqual({ text: '', size: 0 })
    expect(bin).toMatchObject({ exchange: 2, responseBody: { text: BINARY.toString('base64'), encoding: 'base64', size: 512 } })
    expect(chunked.responseBody).toEqual({ text: CHUNKS.join(''), size: CHUNKS.join('').length })
    expect(echo).toMatchObject({ method: 'POST', requestBody: { text: 'ping=1&x=ü' }, responseBody: { text: 'ping=1&x=ü' } })
    expect(latin1.responseBody).toEqual({ text: 'café\n', size: 5 })
    expect(upgrade).toMatchObject({ status: 101, state: 'upgraded', upgrade: 'websocket' })
    expect(messages.map((m) => [m.message, m.dir, m.opcode, m.size])).toEqual([
      [1, 'client', 'text', 28],
      [2, 'server', 'text', 28],
      [3, 'client', 'binary', 4],
      [4, 'server', 'binary', 4],
      [5, 'client', 'close', 5],
      [6, 'server', 'close', 5]
    ])
    expect(messages[0]).toMatchObject({ compressed: true, payload: { text: 'hello over ws, hello over ws', size: 28, decoded: ['permessage-deflate'] } })
    expect(messages[2].payload).toMatchObject({ text: Buffer.from([0, 1, 2, 255]).toString('base64'), encoding: 'base64' })
    expect(messages[4]).toMatchObject({ closeCode: 1000, closeReason: 'bye' })
    for (const m of messages) expect(m.time).toBeGreaterThanOrEqual(upgrade.startedAt as number)
  })

  it('cuts a body at --body-limit with a note, and narrows with --filter, --conn and --exchange', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const [big] = jsonLines((await show('--json', '--conn', String(conn.big.id), '--body-limit', '2KiB')).stdout)
    expect(big.responseBody).toEqual({ text: BIG.slice(0, 2048), size: BIG.length, truncated: true, note: 'cut at --body-limit: the first 2.00 KiB of 44.0 KiB' })
    const [bin] = jsonLines((await show('--json', '--conn', String(conn.pair.id), '--body-limit', '100')).stdout).slice(1)
    expect(bin.responseBody).toEqual({ text: BINARY.subarray(0, 100).toString('base64'), encoding: 'base64', size: 512, truncated: true, note: 'cut at --body-limit: the first 100 B of 512 B' })
    const filtered = jsonLines((await show('--json', '--filter', 'path:/gzip')).stdout)
    expect(filtered.map((l) => [l.conn, l.exchange])).toEqual([[conn.pair.id, 1]])
    const one = jsonLines((await show('--json', '--conn', String(conn.pair.id), '--exchange', '2')).stdout)
    expect(one.map((l) => (l.url as string).replace(/^.*\//, '/'))).toEqual(['/bin'])
    // The upgrade exchange brings its messages; another filter word leaves them out.
    expect(jsonLines((await show('--json', '--filter', 'path:/ws')).stdout)).toHaveLength(7)
    expect(jsonLines((await show('--json', '--filter', 'path:/ws', '--conn', String(conn.pair.id))).stdout)).toHaveLength(0)
  })
})

describe('tcpscope show on a body larger than one read', () => {
  it('streams it whole, a read at a time, a character split between two reads kept whole, in text and in JSON', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const head = 'Keep-Alive: timeout=5\n\n'
    const text = await show('--conn', String(conn.huge.id), '--body-limit', '64MiB')
    expect(text).toMatchObject({ code: 0, stderr: '' })
    expect(text.stdout.slice(text.stdout.indexOf(head) + head.length)).toBe(HUGE)
    const [json] = jsonLines((await show('--json', '--conn', String(conn.huge.id), '--body-limit', '64MiB')).stdout)
    expect(json.responseBody).toEqual({ text: HUGE, size: Buffer.byteLength(HUGE) })
  })

  it('stops, exit 0 and nothing on stderr, when its reader goes away (| head)', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const err = join(dir, 'err.txt')
    const script = `"${process.execPath}" "${CLI}" show "${t.capturePath}" --body-limit 64MiB 2>"${err}" | head -c 1000 >/dev/null; echo "\${PIPESTATUS[0]}"`
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 })
    expect(stdout).toBe('0\n')
    expect(await readFile(err, 'utf8')).toBe('')
  })
})

describe('tcpscope show on bad input', () => {
  it('says what is wrong in one line, with the exit code the other commands give', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const notCapture = join(dir, 'notes.txt')
    await writeFile(notCapture, 'just some text\n')
    for (const [args, code, message] of [
      [['show', join(dir, 'missing.tcap')], 1, `tcpscope: no such file: ${join(dir, 'missing.tcap')}`],
      [['show', notCapture], 1, `tcpscope: ${notCapture} is not a tcpscope capture file (no TCPSCAP header)`],
      [['show', t.capturePath, '--conn', '99'], 1, 'tcpscope: no connection #99 in this capture'],
      [['show', t.capturePath, '--conn', String(conn.pair.id), '--exchange', '3'], 1, `tcpscope: connection #${conn.pair.id} has no exchange 3 (it has 2)`],
      [['show', t.capturePath, '--exchange', '9'], 1, 'tcpscope: no connection has an exchange 9'],
      // A filter's mistake is a usage error (docs/cli.md: exit 2), as every other flag's.
      [['show', t.capturePath, '--filter', 'status:lots'], 2, 'tcpscope: show: --filter: filter status:lots: use a status code, a class or a range, e.g. status:404, status:4xx or status:200-299'],
      [['show', t.capturePath, '--filter', 'stauts:4xx conn:x'], 2, 'tcpscope: show: --filter: the filter has 2 mistakes: (1) unknown filter word "stauts:": did you mean status:?; (2) filter conn:x: conn wants a connection id, e.g. conn:12'],
      [['show', t.capturePath, '--body-limit', 'huge'], 2, 'tcpscope: show: --body-limit wants a size from 1 B to 64.0 MiB, e.g. 8MiB or 512KiB; got "huge"'],
      [['show', t.capturePath, '--exchange', '0'], 2, 'tcpscope: show: --exchange wants a whole number >= 1, got "0"'],
      [['show'], 2, 'tcpscope: show: give exactly one capture file; usage: tcpscope show FILE [--conn ID ...] [--exchange N] [--filter WORDS] [--frame SPEC] [--body-limit SIZE] [--proto FILE ...] [--as sent|delivered] [--json]']
    ] as const) {
      const r = await runCli([...args])
      expect(r, args.join(' ')).toMatchObject({ code, stdout: '', stderr: message + '\n' })
    }
  })
})

describe('tcpscope show on a capture with nothing HTTP in it', () => {
  it('prints nothing and says so; a connection named shows what it carries', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'raw.tcap')
    const capture = await LiveCapture.create(path)
    // A protocol of its own on a port no decoder knows: nothing to decode without --frame.
    const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 40001, family: 'IPv4' }, target: '127.0.0.1:9999' })
    c.data('client', Buffer.from('HELLO 1\n'))
    c.data('server', Buffer.from('WELCOME\n'))
    c.close('closed')
    await capture.close()
    expect(await runCli(['show', path])).toMatchObject({ code: 0, stdout: '', stderr: `${path}: no HTTP exchanges or messages decoded (\`tcpscope ls\` lists its connections; --frame SPEC cuts raw ones into messages)\n` })
    expect(await runCli(['show', path, '--conn', '1'])).toMatchObject({ code: 0, stdout: '#1 127.0.0.1:40001 -> 127.0.0.1:9999: raw, 0 exchanges\n', stderr: '' })
    expect(await runCli(['show', path, '--json'])).toMatchObject({ code: 0, stdout: '' })
    // --frame cuts it: a line each way.
    expect((await runCli(['show', path, '--frame', 'line'])).stdout).toMatch(/^#1 127\.0\.0\.1:40001 -> 127\.0\.0\.1:9999: line, 2 messages\n#1 message 1 client -> \S+ 8 B HELLO 1\n#1 message 2 server <- \S+ 8 B WELCOME\n$/)
  })
})

describe('tcpscope show on a capture still being recorded', () => {
  it('shows what was recorded so far and says the file is live', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const server = await target()
    cleanups.push(server.close)
    const capture = join(dir, 'live.tcap')
    const cli = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture })
    cleanups.push(() => cli.stop('SIGKILL'))
    await curl([`http://${cli.listen}/gzip`])
    // Decoding reads what the writer has flushed: ask until the exchange is there.
    await expect
      .poll(async () => jsonLines((await runCli(['show', capture, '--json'])).stdout).map((l) => l.responseBody))
      .toEqual([{ text: JSON.stringify(JSON_BODY), size: Buffer.byteLength(JSON.stringify(JSON_BODY)), decoded: ['gzip'] }])
    const r = await runCli(['show', capture])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Keep-Alive: timeout=5\n\n${JSON.stringify(JSON_BODY)}\n`)
    expect(r.stderr).toBe(`note: ${capture} is still being recorded (by pid ${cli.pid}); this is what it held a moment ago\n`)
  })
})
