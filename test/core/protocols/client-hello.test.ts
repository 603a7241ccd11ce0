// The ClientHello reader, on real clients' hellos (Node's tls, openssl s_client), cut at
// every byte, re-fragmented into many records, and mutated at random: it never throws,
// never waits past its bound, and reads SNI and ALPN only from well-formed hellos.
import { spawn } from 'node:child_process'
import { connect as tlsConnect } from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_CLIENT_HELLO_BYTES, MAX_CLIENT_HELLO_WIRE_BYTES, readClientHello, type ClientHelloRead } from '../../../src/core/protocols/client-hello'
import { hasProgram, needProgram } from '../../helpers/peers'
import { startServer } from '../../helpers/net'

/** The first bytes a client sends to a server that never answers: its ClientHello. */
async function helloOf(start: (port: number) => () => void): Promise<Buffer> {
  let got: (b: Buffer) => void = () => {}
  const first = new Promise<Buffer>((r) => (got = r))
  const server = await startServer((s) => {
    const parts: Buffer[] = []
    s.on('data', (c: Buffer) => {
      parts.push(c)
      const all = Buffer.concat(parts)
      // Whole once the record lengths add up.
      let at = 0
      while (all.length - at >= 5) at += 5 + all.readUInt16BE(at + 3)
      if (at === all.length) got(all)
    })
  })
  const stop = start(server.port)
  const hello = await first
  stop()
  await server.close()
  return hello
}

function nodeHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  return helloOf((port) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ...opts, rejectUnauthorized: false })
    s.on('error', () => {})
    return () => s.destroy()
  })
}

/** Splits one record's payload into records of `size` bytes. */
function refragment(hello: Buffer, size: number): Buffer {
  const payload = hello.subarray(5, 5 + hello.readUInt16BE(3))
  const out: Buffer[] = []
  for (let i = 0; i < payload.length; i += size) {
    const p = payload.subarray(i, i + size)
    out.push(Buffer.from([0x16, 0x03, 0x01, p.length >> 8, p.length & 0xff]), p)
  }
  return Buffer.concat(out)
}

/** A hand-built ClientHello with these extensions ([type, data] each). */
function buildHello(extensions: [number, Buffer][] | undefined, tweak: { sessionId?: number; suites?: number } = {}): Buffer {
  const sid = tweak.sessionId ?? 0
  const suites = tweak.suites ?? 2
  const parts: Buffer[] = [Buffer.from([0x03, 0x03]), Buffer.alloc(32, 7), Buffer.from([sid]), Buffer.alloc(Math.min(sid, 32)), u16(suites), Buffer.alloc(suites, 0x13), Buffer.from([1, 0])]
  if (extensions !== undefined) {
    const ext = Buffer.concat(extensions.flatMap(([t, d]) => [u16(t), u16(d.length), d]))
    parts.push(u16(ext.length), ext)
  }
  const body = Buffer.concat(parts)
  const msg = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body])
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(msg.length), msg])
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff])
const sniExt = (name: Buffer | string): [number, Buffer] => {
  const n = Buffer.from(name)
  return [0, Buffer.concat([u16(n.length + 3), Buffer.from([0]), u16(n.length), n])]
}
const alpnExt = (...ids: string[]): [number, Buffer] => {
  const list = Buffer.concat(ids.map((id) => Buffer.concat([Buffer.from([id.length]), Buffer.from(id)])))
  return [16, Buffer.concat([u16(list.length), list])]
}

function expectSane(r: ClientHelloRead, buf: Uint8Array): void {
  expect(['need-more', 'not-tls', 'bad', 'hello']).toContain(r.state)
  if (r.state === 'need-more') expect(buf.length).toBeLessThan(MAX_CLIENT_HELLO_WIRE_BYTES)
  if (r.state === 'hello') expect(r.length).toBeLessThanOrEqual(buf.length)
  if (r.state === 'bad') expect(r.reason).not.toContain('\n')
}

describe('readClientHello on real hellos', () => {
  let node: Buffer
  let nodeNoSni: Buffer

  beforeAll(async () => {
    node = await nodeHello({ servername: 'upstream.test', ALPNProtocols: ['h2', 'http/1.1'] })
    nodeNoSni = await nodeHello({})
  })

  it("reads Node's SNI and ALPN, and the hello's length", () => {
    expect(readClientHello(node)).toEqual({ state: 'hello', sni: 'upstream.test', alpn: ['h2', 'http/1.1'], length: node.length })
  })

  it('reads a hello without SNI or ALPN (a client that connected to an IP address)', () => {
    expect(readClientHello(nodeNoSni)).toEqual({ state: 'hello', length: nodeNoSni.length })
  })

  it('needs more at every cut short of the whole hello, and reads it at the last byte', () => {
    for (let n = 0; n < node.length; n++) expect(readClientHello(node.subarray(0, n)), `cut at ${n}`).toEqual({ state: 'need-more' })
  })

  it('reads a hello spread over many small records, at every cut', () => {
    const many = refragment(node, 7)
    expect(readClientHello(many)).toEqual({ state: 'hello', sni: 'upstream.test', alpn: ['h2', 'http/1.1'], length: many.length })
    for (let n = 0; n < many.length; n++) expect(readClientHello(many.subarray(0, n)).state, `cut at ${n}`).toBe('need-more')
  })

  it('leaves the bytes after the hello out of its length', () => {
    const more = Buffer.concat([node, Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01])])
    expect(readClientHello(more)).toMatchObject({ state: 'hello', length: node.length })
  })

  it('never throws on mutated or truncated hellos (fuzz), and stays in bounds', () => {
    let seed = 28
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (const base of [node, nodeNoSni, refragment(node, 100)]) {
      for (let i = 0; i < 4000; i++) {
        const b = Buffer.from(base)
        const flips = 1 + rand(4)
        for (let f = 0; f < flips; f++) b[rand(b.length)] = rand(256)
        const cut = b.subarray(0, rand(b.length + 1))
        expectSane(readClientHello(b), b)
        expectSane(readClientHello(cut), cut)
      }
    }
    for (let i = 0; i < 4000; i++) {
      const b = Buffer.alloc(rand(300))
      for (let j = 0; j < b.length; j++) b[j] = rand(256)
      if (b.length > 1) b[0] = 0x16
      if (b.length > 2) b[1] = 0x03
      expectSane(readClientHello(b), b)
    }
  })

  it('reads what openssl s_client offers', async (ctx) => {
    needProgram(ctx, 'openssl', hasProgram('openssl'))
    const hello = await helloOf((port) => {
      const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'api.example.test', '-alpn', 'h2,http/1.1'], { stdio: ['pipe', 'ignore', 'ignore'] })
      return () => child.kill()
    })
    expect(readClientHello(hello)).toEqual({ state: 'hello', sni: 'api.example.test', alpn: ['h2', 'http/1.1'], length: hello.length })
  })
})

describe('readClientHello on other bytes', () => {
  it('says not-tls for other protocols', () => {
    expect(readClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ state: 'not-tls' })
    expect(readClientHello(Buffer.from([0x16, 0x02]))).toEqual({ state: 'not-tls' })
    expect(readClientHello(Buffer.from([0x05, 0x01, 0x00]))).toEqual({ state: 'not-tls' })
    expect(readClientHello(Buffer.from([0x16]))).toEqual({ state: 'need-more' })
  })

  it('refuses a hello larger than its bound at once, from its header', () => {
    const r = readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff]))
    expect(r).toEqual({ state: 'bad', reason: `ClientHello of ${0xffffff + 4} bytes is over the ${MAX_CLIENT_HELLO_BYTES}-byte limit` })
  })

  it('refuses an oversized record, a record of another type, another handshake message', () => {
    expect(readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x48, 0x01]))).toMatchObject({ state: 'bad', reason: 'TLS record of 18433 bytes is over the 16384-byte limit' })
    const two = refragment(buildHello([sniExt('a.test')]), 10)
    two[5 + 10] = 0x17
    expect(readClientHello(two)).toMatchObject({ state: 'bad', reason: 'TLS record type 23 inside the ClientHello (handshake records only)' })
    expect(readClientHello(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00]))).toMatchObject({ state: 'bad', reason: 'the first TLS handshake message is type 2, not a ClientHello' })
    expect(readClientHello(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x00]))).toMatchObject({ state: 'bad', reason: 'empty TLS handshake record' })
  })

  it('bounds how long it waits for a hello cut into tiny records', () => {
    const hello = buildHello([sniExt('a.test'), [0xffaa, Buffer.alloc(10_000)]])
    const tiny = refragment(hello, 1)
    expect(tiny.length).toBeGreaterThan(MAX_CLIENT_HELLO_WIRE_BYTES)
    expect(readClientHello(tiny.subarray(0, MAX_CLIENT_HELLO_WIRE_BYTES))).toEqual({ state: 'bad', reason: `no whole ClientHello in the first ${MAX_CLIENT_HELLO_WIRE_BYTES} bytes` })
  })

  it('reads hand-built hellos, and refuses malformed ones with a reason', () => {
    expect(readClientHello(buildHello(undefined))).toMatchObject({ state: 'hello' })
    expect(readClientHello(buildHello([sniExt('Host-1_x.example'), alpnExt('x')]))).toMatchObject({ sni: 'Host-1_x.example', alpn: ['x'] })
    const bad = (ext: [number, Buffer][] | undefined, tweak = {}): string => {
      const r = readClientHello(buildHello(ext, tweak))
      return r.state === 'bad' ? r.reason : r.state
    }
    expect(bad([sniExt('a.test'), sniExt('b.test')])).toBe('ClientHello repeats extension 0')
    expect(bad([sniExt('bad\x00name')])).toBe('ClientHello SNI holds byte 0x00, not a host name character')
    expect(bad([sniExt('')])).toBe('ClientHello SNI of 0 bytes (1 to 255)')
    expect(bad([alpnExt('')])).toBe('ClientHello offers an empty ALPN protocol id')
    expect(bad([[16, u16(0)]])).toBe('ClientHello has an empty ALPN list')
    expect(bad([[0, Buffer.from([0, 9, 0, 0, 3])]])).toBe('ClientHello cut short in its server name list')
    expect(bad(undefined, { sessionId: 33 })).toBe('ClientHello session id of 33 bytes (at most 32)')
    expect(bad(undefined, { suites: 3 })).toBe('ClientHello cipher suite list of 3 bytes')
  })
})

