// Real traffic for the export tests: a Node HTTP server with the bodies exports must carry
// (gzip JSON, binary, text, a WebSocket), curl and ws clients going through the engine's
// proxy, and the exported file read back by the tools it is for (tshark).
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { gzipSync } from 'node:zlib'
import { promisify } from 'node:util'
import { WebSocketServer } from 'ws'

export const run = promisify(execFile)

export const JSON_BODY = { items: [1, 2, 3], name: 'exports', text: 'grüße ✓' }
/** Bytes that are not text: every byte value, NUL included. */
export const BINARY_BODY = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256))
/** Bigger than one 64 KiB segment. */
export const BIG_TEXT = 'line of text\n'.repeat(20_000)

/** Answers /json (gzip), /bin (binary), /big (text), /echo (the request body back) and /ws (WebSocket echo). */
export async function exportTarget(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const body: Buffer[] = []
    req.on('data', (c: Buffer) => body.push(c))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/json') {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip', 'Set-Cookie': 'session=abc; Path=/; HttpOnly' })
        res.end(gzipSync(JSON.stringify(JSON_BODY)))
      } else if (path === '/bin') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
        res.end(BINARY_BODY)
      } else if (path === '/big') {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.end(BIG_TEXT)
      } else {
        res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/octet-stream' })
        res.end(Buffer.concat(body))
      }
    })
  })
  const wss = new WebSocketServer({ server, path: '/ws' })
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** curl with `args`, output discarded; resolves when it exits 0. */
export async function curl(args: string[]): Promise<void> {
  await run('curl', ['-sS', '-o', '/dev/null', ...args], { timeout: 20_000 })
}

/**
 * tshark options that decode every TCP port of `file` as HTTP. The ports are the OS's, and
 * tshark picks a connection's dissector by port number (the lower first): a client that
 * happened to get 48898 (TwinCAT ADS) had its requests dissected as ADS, "malformed".
 */
export async function httpOnEveryPort(file: string): Promise<string[]> {
  const { stdout } = await run('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], { maxBuffer: 64 * 1024 * 1024 })
  const ports = new Set(stdout.split(/\s+/).filter((p) => /^\d+$/.test(p)))
  return [...ports].flatMap((p) => ['-d', `tcp.port==${p},http`])
}

export interface Followed {
  stream: number
  /** The hosts of node 0 (who sent the SYN) and node 1, as tshark prints them. */
  nodes: [string, string]
  /** What each node sent, in order. */
  sent: [Buffer, Buffer]
}

/** Every TCP stream of a pcapng as `tshark -z follow,tcp,raw` reassembles it. */
export async function followAll(file: string, streams: number): Promise<Followed[]> {
  const args = ['-r', file, '-q']
  for (let i = 0; i < streams; i++) args.push('-z', `follow,tcp,raw,${i}`)
  const { stdout } = await run('tshark', args, { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 })
  const out: Followed[] = []
  for (const section of stdout.split(/^=+$/m)) {
    const node0 = /^Node 0: (.*)$/m.exec(section)
    const node1 = /^Node 1: (.*)$/m.exec(section)
    const filter = /^Filter: tcp\.stream eq (\d+)$/m.exec(section)
    if (!node0 || !node1 || !filter) continue
    const sent: [Buffer[], Buffer[]] = [[], []]
    for (const line of section.split('\n')) {
      if (!/^\t?[0-9a-f]+$/.test(line)) continue
      sent[line.startsWith('\t') ? 1 : 0].push(Buffer.from(line.trim(), 'hex'))
    }
    out.push({ stream: Number(filter[1]), nodes: [node0[1], node1[1]], sent: [Buffer.concat(sent[0]), Buffer.concat(sent[1])] })
  }
  // tshark prints its taps last first.
  return out.sort((a, b) => a.stream - b.stream)
}
