// A TLS connection's decoder reads its client's ClientHello (with the reader the engine
// injects: client-hello.ts), as Node's TLS client sends it,
// for the name and protocols it asks for, however the bytes are cut; what is not a whole
// hello (cut short, garbage) leaves the connection TLS with no hello, and never throws.
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { connect } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { createConnectionDecoder } from '../../../src/core/protocols/connection-decoder'
import { NOTHING_MORE } from '../../../src/core/protocols/stream-decoder'
import { readClientHello } from '../../../src/core/protocols/client-hello'

/** The ClientHello Node's TLS client sends with these options, as a server receives it. */
async function clientHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const got = new Promise<Buffer>((resolve) =>
    server.once('connection', (s) => {
      let all = Buffer.alloc(0)
      s.on('data', (d: Buffer) => {
        all = Buffer.concat([all, d])
        if (readClientHello(all).state !== 'need-more') {
          resolve(all)
          s.destroy()
        }
      })
    })
  )
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false, ...opts })
  client.on('error', () => undefined)
  try {
    return await got
  } finally {
    client.destroy()
    server.close()
  }
}

function decodeInPieces(bytes: Buffer, size: number, then?: (d: ReturnType<typeof createConnectionDecoder>) => void) {
  const d = createConnectionDecoder()
  for (let at = 0; at < bytes.length; at += size) d.push('client', bytes.subarray(at, at + size), at, 1000)
  then?.(d)
  return d
}

describe('the ClientHello of a TLS connection', () => {
  it('gives its SNI and ALPN offer, whole or a byte at a time', async () => {
    const hello = await clientHello({ servername: 'api.example', ALPNProtocols: ['h2', 'http/1.1'] })
    for (const size of [hello.length, 1, 7, 100]) {
      const d = decodeInPieces(hello, size)
      expect(d.summary()).toEqual({ protocol: 'tls', hello: { sni: 'api.example', alpn: ['h2', 'http/1.1'] } })
      // The hello read, nothing more of either side is wanted.
      expect(d.wantFrom('client')).toBe(NOTHING_MORE)
      expect(d.wantFrom('server')).toBe(NOTHING_MORE)
    }
  })

  it('wants the rest of a hello until it is whole', async () => {
    const hello = await clientHello({ servername: 'api.example' })
    const d = createConnectionDecoder()
    d.push('client', hello.subarray(0, 10), 0, 1)
    expect(d.protocol).toBe('tls')
    expect(d.wantFrom('client')).toBe(10)
    expect(d.wantFrom('server')).toBe(NOTHING_MORE)
    // Bytes it has are skipped; the server's are not read.
    d.push('server', Buffer.from([0x16, 3, 3]), 0, 2)
    d.push('client', hello.subarray(5), 5, 3)
    expect(d.summary().hello).toEqual({ sni: 'api.example' })
  })

  it('reads a hello without a name (an IP address target) as one without SNI', async () => {
    const d = decodeInPieces(await clientHello({}), 64)
    expect(d.summary()).toEqual({ protocol: 'tls', hello: {} })
  })

  it('leaves a hello cut short, or garbage after a TLS record header, as TLS without a hello', async () => {
    const hello = await clientHello({ servername: 'api.example' })
    const cut = createConnectionDecoder()
    cut.push('client', hello.subarray(0, hello.length - 20), 0, 1)
    cut.end('client', 2)
    expect(cut.summary()).toEqual({ protocol: 'tls' })
    expect(cut.wantFrom('client')).toBe(NOTHING_MORE)
    const garbage = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10]), Buffer.alloc(16, 0xff)])
    const bad = decodeInPieces(garbage, 3)
    expect(bad.summary()).toEqual({ protocol: 'tls' })
    expect(bad.wantFrom('client')).toBe(NOTHING_MORE)
    // A record that claims to go on forever is not waited for past the bound.
    const endless = createConnectionDecoder()
    endless.push('client', Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0xff, 0xff]), 0, 1)
    for (let at = 9; at < 200_000 && endless.wantFrom('client') !== NOTHING_MORE; at += 4096) endless.push('client', Buffer.alloc(4096), at, 1)
    expect(endless.wantFrom('client')).toBe(NOTHING_MORE)
    expect(endless.summary()).toEqual({ protocol: 'tls' })
  })

  it('reads no hello when decoding starts past the stream start', async () => {
    const hello = await clientHello({ servername: 'api.example' })
    const d = createConnectionDecoder({ protocol: 'tls', start: { client: 10 } })
    d.push('client', hello, 0, 1)
    expect(d.summary()).toEqual({ protocol: 'tls' })
  })
})
