// The plain proxy's look at a client's first bytes for a TLS hello passing through: a real
// ClientHello (Node's TLS client) recorded once whatever the chunking, from the first byte or
// after a STARTTLS opening (then marked with its protocol), anything else left alone.
import { createServer, type Socket } from 'node:net'
import { connect } from 'node:tls'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { LiveCapture } from '../../../src/core/capture/write/live-capture'
import { HelloSniff } from '../../../src/core/proxy/hello-sniff'
import type { Direction } from '../../../src/shared/direction'

let capture: LiveCapture
let hello: Buffer

beforeAll(async () => {
  capture = await LiveCapture.create(join(mkdtempSync(join(tmpdir(), 'tcpscope-sniff-')), 'c.tcap'))
  // A real ClientHello: what Node's TLS client sends first.
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const got = new Promise<Buffer>((resolve) => server.once('connection', (s: Socket) => s.once('data', (d: Buffer) => (resolve(d), s.destroy()))))
  const client = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'sniff.example', ALPNProtocols: ['h2', 'http/1.1'] })
  client.on('error', () => undefined)
  hello = await got
  client.destroy()
  server.close()
})
afterAll(() => capture.close())

function look(chunks: (Buffer | [Direction, Buffer])[]): Record<string, unknown>[] {
  const rec = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:1' })
  let sniff: HelloSniff | null | undefined
  for (const turn of chunks) {
    const [dir, c] = Array.isArray(turn) ? turn : (['client', turn] as const)
    if (sniff === null) break
    if (sniff === undefined) sniff = HelloSniff.first(dir, c, rec) ?? null
    else if (sniff.more(dir, c)) sniff = null
  }
  const tls = capture.connections().find((c) => c.id === rec.id)?.tls
  return tls === undefined ? [] : [tls as unknown as Record<string, unknown>]
}

it('records a hello that came whole, or 7 bytes at a time, once, with its SNI and ALPN', () => {
  const want = { passthrough: { sni: 'sniff.example', alpn: ['h2', 'http/1.1'] }, sni: 'sniff.example' }
  expect(look([hello])).toEqual([want])
  const pieces: Buffer[] = []
  for (let i = 0; i < hello.length; i += 7) pieces.push(hello.subarray(i, i + 7))
  expect(look(pieces)).toEqual([want])
})

it('leaves alone what is not TLS, and a hello that cannot be read', () => {
  expect(look([Buffer.from('GET / HTTP/1.1\r\n\r\n')])).toEqual([])
  // A handshake record that claims more than any hello may be: the look ends, nothing recorded.
  expect(look([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff])])).toEqual([])
  // Cut short and never finished: nothing recorded.
  expect(look([hello.subarray(0, 20)])).toEqual([])
})

it('records the hello that follows a STARTTLS opening with its protocol, however it came split', () => {
  const smtp = (hellos: Buffer[]): (Buffer | [Direction, Buffer])[] => [
    ['server', Buffer.from('220 mail.test ESMTP\r\n')],
    ['client', Buffer.from('EHLO x\r\n')],
    ['server', Buffer.from('250 STARTTLS\r\n')],
    ['client', Buffer.from('STARTTLS\r\n')],
    ['server', Buffer.from('220 go ahead\r\n')],
    ...hellos.map((h) => ['client', h] as [Direction, Buffer])
  ]
  const want = { passthrough: { sni: 'sniff.example', alpn: ['h2', 'http/1.1'] }, sni: 'sniff.example', starttls: 'smtp' }
  expect(look(smtp([hello]))).toEqual([want])
  expect(look(smtp([hello.subarray(0, 10), hello.subarray(10)]))).toEqual([want])
  // Declined (454): the session stays in the clear, and nothing is recorded.
  expect(look([['server', Buffer.from('220 ready\r\n')], ['client', Buffer.from('STARTTLS\r\n')], ['server', Buffer.from('454 no\r\n')], ['client', hello]])).toEqual([])
  // A server that speaks after the switch, before any hello, is no TLS server: the look ends.
  expect(look([['client', Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])], ['server', Buffer.from('S')], ['server', Buffer.from('E')], ['client', hello]])).toEqual([])
})
