// DNS over TCP from a real client: `dig +tcp` (bind9's) querying a small DNS-over-TCP server
// the test runs (A, AAAA, MX, TXT, names compressed), recorded through a loopback relay, then
// cut and described as the capture would be.
import { spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dnsCodec } from '../../../../src/core/protocols/dns/dns-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { startServer } from '../../../helpers/net'
import { needPeer } from '../../../helpers/peers'
import { startRecordingRelay, type RecordingRelay } from '../../../helpers/recording-relay'
import { seeded, type Turn } from '../messages/cut'
import { describeAll, flatFields, mutate } from '../messages/described'
import { A, AAAA, answerFlags, dnsMessage, MX, parseQuestion, TXT, type RecordSpec } from './dns-bytes'

const ANSWERS: Record<number, RecordSpec[]> = {
  [A]: [
    { name: 'example.com', type: A, data: (w) => void w.ipv4('93.184.216.34') },
    { name: 'example.com', type: A, data: (w) => void w.ipv4('93.184.216.35') }
  ],
  [AAAA]: [{ name: 'example.com', type: AAAA, data: (w) => void w.ipv6('2606:2800:220:1:248:1893:25c8:1946') }],
  [MX]: [
    { name: 'example.com', type: MX, data: (w) => void w.u16(10).name('mail.example.com') },
    { name: 'example.com', type: MX, data: (w) => void w.u16(20).name('mail2.example.com') }
  ],
  [TXT]: [{ name: 'example.com', type: TXT, data: (w) => void w.text('v=spf1 -all') }]
}

/** Answers each length-framed query on a connection, as a DNS server over TCP does. */
function serveDns(s: Socket): void {
  let buf = Buffer.alloc(0)
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const dns = new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0)))
      buf = buf.subarray(2 + dns.length)
      const q = parseQuestion(dns)
      s.write(dnsMessage({ id: q.id, flags: answerFlags(ANSWERS[q.type] ? 0 : 3), questions: [{ name: q.name, type: q.type }], answers: ANSWERS[q.type] ?? [] }))
    }
  })
  s.on('end', () => s.end())
  s.on('error', () => s.destroy())
}

let available = false
let server: Awaited<ReturnType<typeof startServer>> | undefined
let relay: RecordingRelay | undefined

beforeAll(async () => {
  available = needPeer('dig')
  if (!available) return
  server = await startServer(serveDns)
  relay = await startRecordingRelay(server.port)
})

afterAll(async () => {
  await relay?.close()
  await server?.close()
})

function dig(port: number, type: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('dig', ['+tcp', '+tries=1', '+time=5', '-p', String(port), '@127.0.0.1', 'example.com', type], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    // 'close', not 'exit': dig can be gone before its answer is read from the pipe.
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`dig ${type} exited ${code}: ${out}`))
    })
  })
}

describe('DNS over TCP from dig +tcp', () => {
  it('decodes dig queries for A, AAAA, MX and TXT and the compressed answers, each paired with its query', async (ctx) => {
    if (!available) return ctx.skip()
    const r = relay!
    const outputs: string[] = []
    for (const type of ['A', 'AAAA', 'MX', 'TXT']) outputs.push(await dig(r.port, type))
    expect(outputs[0]).toContain('93.184.216.34')
    expect(outputs[2]).toContain('mail.example.com')
    const conns = await r.settled(4)
    const summaries: string[] = []
    for (const c of conns) {
      const turns: Turn[] = c.pieces.flatMap((p) => ('bytes' in p ? [{ dir: p.dir, bytes: p.bytes }] : []))
      const msgs = describeAll(dnsCodec, turns)
      expect(msgs.map((m) => m.dir)).toEqual(['client', 'server'])
      expect(msgs[1].note.pair).toBe(0)
      expect(msgs.filter((m) => m.error !== undefined || m.described.error !== undefined)).toEqual([])
      // dig asks with EDNS: an OPT record with its cookie.
      expect(flatFields(msgs[0].fields).some((f) => f.startsWith('additional 0: OPT udp payload'))).toBe(true)
      expect(flatFields(msgs[0].fields)).toEqual(expect.arrayContaining(['QR: 0 (query)', 'RD: 1']))
      for (const [split, coalesce] of [['random', false], ['bytes', false], ['whole', true]] as const) {
        const again = describeAll(dnsCodec, turns, { split, coalesce, seed: 9 })
        expect(again.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair])).toEqual(msgs.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair]))
      }
      const rnd = seeded(msgs[0].length)
      for (let i = 0; i < 250; i++) for (const m of describeAll(dnsCodec, mutate(turns, rnd), { split: 'random', seed: i })) expect(m.summary.length).toBeLessThanOrEqual(200)
      expect(recogniseMessages(turns[0].bytes as Uint8Array, new Uint8Array(), undefined)).toBe('dns')
      summaries.push(...msgs.map((m) => m.summary.replace(/0x[0-9a-f]{4}/, 'ID')))
    }
    expect(summaries).toEqual([
      'Query ID A example.com',
      'Response ID NOERROR A example.com → 93.184.216.34 (2 answers)',
      'Query ID AAAA example.com',
      'Response ID NOERROR AAAA example.com → 2606:2800:220:1:248:1893:25c8:1946 (1 answer)',
      'Query ID MX example.com',
      'Response ID NOERROR MX example.com → 10 mail.example.com (2 answers)',
      'Query ID TXT example.com',
      'Response ID NOERROR TXT example.com → "v=spf1 -all" (1 answer)'
    ])
  }, 60_000)
})
