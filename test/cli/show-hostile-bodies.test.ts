// `tcpscope show` on bodies whose label lies: a real server answers through `tcpscope proxy`
// (the CLI, a child process) with bytes that are no text under `Content-Type: text/plain`
// (NULs, bytes that are not UTF-8, terminal escape sequences), and with text carrying escape
// sequences. The first is shown as binary (a hex dump and its size, as application/octet-stream
// is), the second as text with every control character escaped: nothing a terminal obeys
// (ESC, CSI, OSC, C1 controls) reaches stdout raw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { createServer, get } from 'node:http'
import { join } from 'node:path'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { tempDir } from '../helpers/net'

/** A title change (OSC 0), a clipboard write (OSC 52), colours (CSI), a C1 CSI, NULs and bytes that are not UTF-8. */
const HOSTILE = Buffer.concat([
  Buffer.from('hi \x1b]0;pwned\x07 \x1b[31mred\x1b[0m '),
  Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x9b, 0x41]),
  Buffer.from('\x1b]52;c;ZXZpbA==\x07 bye')
])
/** No NUL, no control byte, but not UTF-8 (Latin-1 sent with no charset): text a person reads, in the wrong charset. */
const NOT_UTF8 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b])
/** Valid UTF-8 text with escape sequences in it, ESC and the C1 CSI (U+009B). */
const ESCAPING = 'log \x1b[2J\x1b]8;;http://evil\x1b\\link\u009b31m done\n'

const BODIES: Record<string, { type: string; body: Buffer }> = {
  '/hostile': { type: 'text/plain', body: HOSTILE },
  '/json-nul': { type: 'application/json', body: Buffer.from('{"a":"\x00\x00\x00"}') },
  '/latin1': { type: 'text/plain', body: NOT_UTF8 },
  '/escaping': { type: 'text/plain; charset=utf-8', body: Buffer.from(ESCAPING) },
  '/octet': { type: 'application/octet-stream', body: HOSTILE }
}

let capture: string
let cleanup: () => void

const fetchThrough = (listen: string, path: string): Promise<void> =>
  new Promise((resolve, reject) => {
    // A connection each (no keep-alive agent), so each body is a connection of its own.
    get(`http://${listen}${path}`, { agent: false }, (res) => {
      res.resume()
      res.on('end', resolve)
      res.on('error', reject)
    }).on('error', reject)
  })

beforeAll(async () => {
  ;({ dir: capture, cleanup } = tempDir())
  capture = join(capture, 'hostile.tcap')
  const server = createServer((req, res) => {
    const { type, body } = BODIES[req.url ?? '']
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(body.length) })
    res.end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const cli = await startCliProxy({ target: `127.0.0.1:${(server.address() as { port: number }).port}`, capture })
  try {
    // One at a time, so connection ids follow BODIES' order.
    for (const path of Object.keys(BODIES)) await fetchThrough(cli.listen, path)
  } finally {
    // Stopped, the proxy completes its capture.
    expect(await cli.stop('SIGTERM')).toBe(0)
    server.closeAllConnections()
    server.close()
  }
})
afterAll(() => cleanup?.())

/** What show prints after a response's headers for connection `id`. */
async function responseBody(id: number): Promise<string> {
  const r = await runCli(['show', capture, '--conn', String(id)])
  expect(r).toMatchObject({ code: 0, stderr: '' })
  const head = 'Connection: close\n\n'
  return r.stdout.slice(r.stdout.lastIndexOf(head) + head.length)
}

/** Anything a terminal would obey: C0 controls but tab and line end, DEL, C1 controls. */
const OBEYED = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/

describe('tcpscope show on a body whose Content-Type says text but whose bytes are not', () => {
  it('shows binary bytes labelled text/plain as application/octet-stream is shown: a hex dump and the size', async () => {
    const shown = await responseBody(1)
    const octet = await responseBody(5)
    expect(shown).toBe(octet)
    expect(shown).toBe(
      [
        '00000000: 6869 201b 5d30 3b70 776e 6564 0720 1b5b  hi .]0;pwned. .[',
        '00000010: 3331 6d72 6564 1b5b 306d 2000 0102 fffe  31mred.[0m .....',
        '00000020: 9b41 1b5d 3532 3b63 3b5a 585a 7062 413d  .A.]52;c;ZXZpbA=',
        '00000030: 3d07 2062 7965                           =. bye',
        `(binary, ${HOSTILE.length} B)`,
        ''
      ].join('\n')
    )
    expect(shown).not.toMatch(OBEYED)
    expect(shown).not.toContain('\ufffd')
    // In JSON lines too: base64, as a binary body is.
    const [line] = (await runCli(['show', capture, '--conn', '1', '--json'])).stdout.split('\n')
    expect(JSON.parse(line).responseBody).toEqual({ text: HOSTILE.toString('base64'), encoding: 'base64', size: HOSTILE.length })
  })

  it('shows JSON with NULs as binary too', async () => {
    expect(await responseBody(2)).toBe('00000000: 7b22 6122 3a22 0000 0022 7d              {"a":"..."}\n(binary, 11 B)\n')
  })

  it('keeps text/plain that is merely not UTF-8 (Latin-1, GBK with no charset) as text, its odd bytes replaced', async () => {
    const shown = await responseBody(3)
    expect(shown).toMatch(/^caf\ufffd ok/)
    expect(shown).not.toMatch(OBEYED)
  })

  it('shows text with escape sequences in it as text, every control character escaped', async () => {
    const shown = await responseBody(4)
    expect(shown).toBe('log \\x1b[2J\\x1b]8;;http://evil\\x1b\\link\\x9b31m done\n')
    expect(shown).not.toMatch(OBEYED)
  })
})
