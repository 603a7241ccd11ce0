// HPACK on real peers' bytes: curl (nghttp2) and Node's http2 client talk h2c to Node's http2
// server through a loopback relay that records both directions. The test cuts the recorded
// bytes into frames just enough to gather each header block (HEADERS + CONTINUATION, padding
// and priority removed), decodes them in order with one decoder per direction, and compares
// with what each peer says it got: the server's rawHeaders, Node's client rawHeaders, curl's
// header dump. Repeated requests make both encoders use their dynamic tables.
import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Direction } from '../../../../../src/shared/capture-types'
import { type HpackField, HpackDecoder } from '../../../../../src/core/protocols/http2/hpack/hpack-decoder'
import { listen, tempDir } from '../../../../helpers/net'
import { needPeer } from '../../../../helpers/peers'
import { startRecordingRelay, type RecordedConnection, type RecordingRelay } from '../../../../helpers/recording-relay'

const run = promisify(execFile)
const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
const HEADERS = 0x1
const SETTINGS = 0x4
const PUSH_PROMISE = 0x5
const CONTINUATION = 0x9
const SETTINGS_HEADER_TABLE_SIZE = 0x1

interface Block {
  stream: number
  bytes: Uint8Array
}

/** One direction's header blocks in wire order, and the header table sizes its SETTINGS announced. */
function headerBlocks(bytes: Buffer, dir: Direction): { blocks: Block[]; tableSizes: number[] } {
  let at = dir === 'client' ? PREFACE.length : 0
  if (dir === 'client') expect(bytes.subarray(0, at).toString('latin1')).toBe(PREFACE)
  const blocks: Block[] = []
  const tableSizes: number[] = []
  let open: { stream: number; parts: Buffer[] } | undefined
  while (at + 9 <= bytes.length) {
    const length = bytes.readUIntBE(at, 3)
    const type = bytes[at + 3]
    const flags = bytes[at + 4]
    const stream = bytes.readUInt32BE(at + 5) & 0x7fffffff
    let payload = bytes.subarray(at + 9, at + 9 + length)
    at += 9 + length
    if (type === SETTINGS && !(flags & 0x1)) {
      for (let i = 0; i + 6 <= payload.length; i += 6) if (payload.readUInt16BE(i) === SETTINGS_HEADER_TABLE_SIZE) tableSizes.push(payload.readUInt32BE(i + 2))
    }
    if (type === HEADERS || type === PUSH_PROMISE) {
      if (flags & 0x8) payload = payload.subarray(1, payload.length - payload[0])
      if (type === HEADERS && flags & 0x20) payload = payload.subarray(5)
      if (type === PUSH_PROMISE) payload = payload.subarray(4)
      open = { stream, parts: [payload] }
    } else if (type === CONTINUATION) open!.parts.push(payload)
    else continue
    if (flags & 0x4) {
      blocks.push({ stream: open!.stream, bytes: new Uint8Array(Buffer.concat(open!.parts)) })
      open = undefined
    }
  }
  expect(at).toBe(bytes.length)
  return { blocks, tableSizes }
}

function directionBytes(conn: RecordedConnection, dir: Direction): Buffer {
  return Buffer.concat(conn.pieces.flatMap((p) => (p.dir === dir && 'bytes' in p ? [p.bytes] : [])))
}

/** Each stream's decoded blocks, per direction, decoded in wire order with one context per direction. */
function decodeConnection(conn: RecordedConnection): Record<Direction, Map<number, HpackField[][]>> {
  const parsed = { client: headerBlocks(directionBytes(conn, 'client'), 'client'), server: headerBlocks(directionBytes(conn, 'server'), 'server') }
  const out = { client: new Map<number, HpackField[][]>(), server: new Map<number, HpackField[][]>() }
  for (const dir of ['client', 'server'] as const) {
    const decoder = new HpackDecoder()
    // SETTINGS from the other side bound this side's table.
    for (const n of parsed[dir === 'client' ? 'server' : 'client'].tableSizes) decoder.setMaxTableSize(n)
    expect(parsed[dir].blocks.length).toBeGreaterThan(0)
    for (const block of parsed[dir].blocks) {
      const r = decoder.decode(block.bytes)
      expect(r.error).toBeUndefined()
      expect(r.cut).toBeUndefined()
      const list = out[dir].get(block.stream) ?? []
      list.push(r.fields)
      out[dir].set(block.stream, list)
    }
  }
  return out
}

const flat = (fields: HpackField[]): string[] => fields.flatMap((f) => [f.name, f.value])
// Past Latin-1's ASCII too: Node sends each char's low byte, read back as the same char.
const LONG = 'x'.repeat(1500) + 'é'

interface Peer {
  server: http2.Http2Server
  relay: RecordingRelay
  /** rawHeaders the server got, by stream id. */
  received: Map<number, string[]>
  /** The same, in the order the streams came (across connections). */
  inOrder: string[][]
}

let peer: Peer | undefined
afterEach(async () => {
  if (!peer) return
  await peer.relay.close()
  await new Promise<void>((r) => peer!.server.close(() => r()))
  peer = undefined
})

async function startPeer(): Promise<Peer> {
  const received = new Map<number, string[]>()
  const inOrder: string[][] = []
  const server = http2.createServer()
  let n = 0
  server.on('stream', (stream: http2.ServerHttp2Stream, _headers: unknown, _flags: unknown, rawHeaders?: string[]) => {
    if (!rawHeaders) throw new Error('this Node gives no rawHeaders')
    received.set(stream.id!, rawHeaders)
    inOrder.push(rawHeaders)
    n++
    stream.respond({
      ':status': n % 2 ? 200 : 201,
      'content-type': 'text/plain; charset=utf-8',
      'x-served-by': 'hpack-test',
      'x-request-number': String(n),
      'set-cookie': [`session=${'s'.repeat(40)}${n}; Path=/; HttpOnly`, 'theme=dark'],
      'cache-control': 'private, max-age=0'
    })
    stream.end(`reply ${n}`)
  })
  const port = await listen(server)
  peer = { server, relay: await startRecordingRelay(port), received, inOrder }
  return peer
}

describe('HPACK on real HTTP/2 peers', () => {
  // curl 7.88 fails to reuse a prior-knowledge connection ("Error in the HTTP2 framing layer",
  // also straight to the server), so each request is its own connection; a header sent twice
  // makes nghttp2 refer to the entry it just added within the same block.
  it("curl's requests and Node's responses over h2c prior knowledge", async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { relay, inOrder } = await startPeer()
    const tmp = tempDir()
    try {
      const paths = ['/first?q=1', '/second/path']
      const dumps: string[] = []
      for (const [i, path] of paths.entries()) {
        dumps.push(join(tmp.dir, `headers-${i}.txt`))
        await run('curl', [
          '-sS', '--max-time', '20', '--http2-prior-knowledge', '-D', dumps[i], '-o', '/dev/null',
          '-H', 'x-custom: the same each time', '-H', 'x-custom: the same each time', '-H', `x-long: ${'y'.repeat(300)}`,
          '-H', 'authorization: Bearer abc.def', `http://127.0.0.1:${relay.port}${path}`
        ])
      }
      const conns = await relay.settled(paths.length)
      const seen: string[][] = []
      conns.forEach((conn, i) => {
        const decoded = decodeConnection(conn)
        expect([...decoded.client.keys()]).toEqual([1])
        const request = decoded.client.get(1)![0]
        seen.push(flat(request))
        expect(request.filter((f) => f.name === 'x-custom').map((f) => f.rep)).toEqual(['incremental', 'indexed'])
        // curl's dump: "HTTP/2 200" and then each header as it received it.
        const [status, ...lines] = readFileSync(dumps[i], 'latin1').trim().split('\r\n')
        const pairs = lines.flatMap((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])
        expect(flat(decoded.server.get(1)![0])).toEqual([':status', status.split(' ')[1], ...pairs])
      })
      expect(seen.map((f) => f[f.indexOf(':path') + 1])).toEqual(paths)
      expect(seen).toEqual(inOrder)
    } finally {
      tmp.cleanup()
    }
  })

  it("Node's client and server both ways, with never-indexed fields, a long Huffman value and concurrent streams", async () => {
    const { relay, received } = await startPeer()
    const session = http2.connect(`http://127.0.0.1:${relay.port}`)
    const responses = new Map<number, string[]>()
    const request = (headers: http2.OutgoingHttpHeaders): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = session.request(headers, { endStream: headers[':method'] !== 'POST' })
        req.on('response', (_h: unknown, _f: unknown, raw?: string[]) => responses.set(req.id!, raw ?? []))
        req.on('error', reject)
        req.resume()
        req.on('end', resolve)
        if (headers[':method'] === 'POST') req.end('{"a":1}')
      })
    const base = { 'user-agent': 'hpack-test/1', accept: 'application/json', 'x-trace': 'abc', 'x-long': LONG }
    await request({ ':path': '/a', ...base })
    await Promise.all([
      request({ ':path': '/b', ...base, 'x-trace': 'def' }),
      request({ ':method': 'POST', ':path': '/c', ...base, 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz', [http2.sensitiveHeaders]: ['authorization'] }),
      request({ ':path': '/a', ...base })
    ])
    await new Promise<void>((r) => session.close(() => r()))
    const [conn] = await relay.settled(1)
    const decoded = decodeConnection(conn)
    expect(decoded.client.size).toBe(4)
    for (const [stream, blocks] of decoded.client) expect(flat(blocks[0])).toEqual(received.get(stream))
    for (const [stream, blocks] of decoded.server) expect(flat(blocks[0])).toEqual(responses.get(stream))
    const post = [...decoded.client.values()].map((b) => b[0]).find((f) => f.some((x) => x.value === 'POST'))!
    expect(post.find((f) => f.name === 'authorization')).toMatchObject({ value: 'Basic dXNlcjpwYXNz', rep: 'never' })
    // The long value went in once and was referred to after.
    const longReps = [...decoded.client.values()].map((b) => b[0].find((f) => f.name === 'x-long')!.rep)
    expect(longReps[0]).toBe('incremental')
    expect(longReps.slice(1)).toContain('indexed')
  })
})
