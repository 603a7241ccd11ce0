// A plain proxy passes a TLS connection through untouched; decoding reads the ClientHello
// its client sent, so the list shows it as TLS with the name it asked for, and the filter
// words tls: and sni: find it (Node's TLS client, through a real proxy, to a server that
// never answers the hello). A connection whose TLS settled on h2 is labelled HTTP/2.
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from 'node:tls'
import type { Socket } from 'node:net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { startServer } from '../../helpers/net'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const page = async (te: TestEngine, filter?: string) => (await te.engine['conn.page']({ capture: 'live', offset: 0, limit: 100, ...(filter ? { filter } : {}) })).rows

describe('TLS passed through a plain proxy', () => {
  it('is listed as TLS with its SNI and ALPN offer, and found by tls: and sni:', async () => {
    t = await testEngine()
    const te = t
    const received: Buffer[] = []
    const server = await startServer((s: Socket) => s.on('data', (d: Buffer) => received.push(d)))
    cleanups.push(server.close)
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const client = connect({ host: '127.0.0.1', port: portOf(proxy.listen), servername: 'pass.example', ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false })
    client.on('error', () => undefined)
    cleanups.push(() => client.destroy())
    const plain = await startServer((s: Socket) => s.on('data', () => undefined))
    cleanups.push(plain.close)
    // A second, plain connection, for tls:no.
    const other = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${plain.port}` })
    const raw = (await import('node:net')).connect(portOf(other.listen), '127.0.0.1', () => raw.write('PING\r\n'))
    cleanups.push(() => raw.destroy())
    await expect.poll(async () => (await page(te)).map((r) => r.protocol?.protocol)).toEqual(['tls', 'raw'])
    await expect.poll(async () => (await page(te))[0].protocol?.hello).toBeDefined()
    const rows = await page(te)
    expect(rows[0].protocol).toEqual({ protocol: 'tls', hello: { sni: 'pass.example', alpn: ['h2', 'http/1.1'] } })
    // Passed through, the bytes untouched; the proxy recorded what the hello asked for.
    await expect.poll(async () => (await page(te))[0].tls).toEqual({ passthrough: { sni: 'pass.example', alpn: ['h2', 'http/1.1'] }, sni: 'pass.example' })
    expect(rows[1].tls).toBeUndefined()
    expect(Buffer.concat(received)[0]).toBe(0x16)
    expect((await page(te, 'tls:yes')).map((r) => r.id)).toEqual([rows[0].id])
    expect((await page(te, 'tls:no')).map((r) => r.id)).toEqual([rows[1].id])
    expect((await page(te, 'sni:PASS.example')).map((r) => r.id)).toEqual([rows[0].id])
    expect(await page(te, 'sni:other')).toEqual([])
    // `ls` asks without decoding: the index alone knows it from the pass-through record.
    const undecoded = await te.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter: 'sni:pass', protocols: false })
    expect(undecoded.rows.map((r) => r.id)).toEqual([rows[0].id])
  })

  it('labels a connection whose TLS settled on h2 as HTTP/2, before and after its preface', async () => {
    t = await testEngine()
    const cap = t.engine.capture
    const leg = { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'h2.test', alpn: 'h2' } as const
    const quiet = cap.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:8443' })
    quiet.event('tls', 'client', { ...leg })
    const spoke = cap.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:8443' })
    spoke.event('tls', 'client', { ...leg })
    spoke.data('client', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00'))
    const te = t
    await expect.poll(async () => (await page(te)).map((r) => r.protocol?.protocol)).toEqual(['http2', 'http2'])
    const rows = await page(te)
    // The first said nothing yet: its TLS's ALPN labels it; the second's preface does.
    expect(rows[0].bytes.client).toBe(0)
    expect(rows[0].tls?.alpn).toBe('h2')
  })
})
