import { describe, expect, it } from 'vitest'
import { dnsCodec, recogniseDns } from '../../../../src/core/protocols/dns/dns-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { seeded, type Turn } from '../messages/cut'
import { describeAll, findField, flatFields, mutate } from '../messages/described'
import { A, AAAA, answerFlags, CNAME, dnsMessage, MX, NS, OPT, PTR, QUERY_RD, SOA, SRV, TXT } from './dns-bytes'

const all = (turns: Turn[], opts: Parameters<typeof describeAll>[2] = {}) => describeAll(dnsCodec, turns, opts)

const q = (id: number, name: string, type: number): Uint8Array => dnsMessage({ id, flags: QUERY_RD, questions: [{ name, type }] })

const soa = { name: 'example.com', type: SOA, ttl: 3600, data: (w: import('./dns-bytes').DnsWriter) => void w.name('ns.icann.org').name('noc.dns.icann.org').u32(2024010101).u32(7200).u32(3600).u32(1209600).u32(3600) }

/** A pipelined TCP conversation, one query per record type, answered out of order, names compressed. */
const conversation: Turn[] = [
  { dir: 'client', bytes: q(0x1a2b, 'example.com', A) },
  { dir: 'client', bytes: q(0x0002, 'example.com', AAAA) },
  { dir: 'server', bytes: dnsMessage({ id: 0x0002, flags: answerFlags(), questions: [{ name: 'example.com', type: AAAA }], answers: [{ name: 'example.com', type: AAAA, data: (w) => void w.ipv6('2606:2800:220:1:248:1893:25c8:1946') }] }) },
  {
    dir: 'server',
    bytes: dnsMessage({
      id: 0x1a2b,
      flags: answerFlags(),
      questions: [{ name: 'example.com', type: A }],
      answers: [
        { name: 'example.com', type: A, data: (w) => void w.ipv4('93.184.216.34') },
        { name: 'example.com', type: A, data: (w) => void w.ipv4('93.184.216.35') }
      ],
      additional: [{ name: '.', type: OPT, cls: 1232, ttl: 0x8000, data: (w) => void w.u16(10).u16(8).raw([1, 2, 3, 4, 5, 6, 7, 8]) }]
    })
  },
  { dir: 'client', bytes: q(3, 'example.com', MX) },
  { dir: 'server', bytes: dnsMessage({ id: 3, flags: answerFlags(), questions: [{ name: 'example.com', type: MX }], answers: [{ name: 'example.com', type: MX, data: (w) => void w.u16(10).name('mail.example.com') }] }) },
  { dir: 'client', bytes: q(4, 'example.com', TXT) },
  { dir: 'server', bytes: dnsMessage({ id: 4, flags: answerFlags(), questions: [{ name: 'example.com', type: TXT }], answers: [{ name: 'example.com', type: TXT, data: (w) => void w.text('v=spf1 -all', 'second string') }] }) },
  { dir: 'client', bytes: q(5, 'www.example.com', A) },
  {
    dir: 'server',
    bytes: dnsMessage({
      id: 5,
      flags: answerFlags(),
      questions: [{ name: 'www.example.com', type: A }],
      answers: [
        { name: 'www.example.com', type: CNAME, data: (w) => void w.name('example.com') },
        { name: 'example.com', type: A, data: (w) => void w.ipv4('93.184.216.34') }
      ],
      authority: [{ name: 'example.com', type: NS, data: (w) => void w.name('a.iana-servers.net') }]
    })
  },
  { dir: 'client', bytes: q(6, 'nope.example.com', A) },
  { dir: 'server', bytes: dnsMessage({ id: 6, flags: answerFlags(3), questions: [{ name: 'nope.example.com', type: A }], authority: [soa] }) },
  { dir: 'client', bytes: q(7, '34.216.184.93.in-addr.arpa', PTR) },
  { dir: 'server', bytes: dnsMessage({ id: 7, flags: answerFlags(), questions: [{ name: '34.216.184.93.in-addr.arpa', type: PTR }], answers: [{ name: '34.216.184.93.in-addr.arpa', type: PTR, data: (w) => void w.name('example.com') }] }) },
  { dir: 'client', bytes: q(8, '_sip._tcp.example.com', SRV) },
  { dir: 'server', bytes: dnsMessage({ id: 8, flags: answerFlags(), questions: [{ name: '_sip._tcp.example.com', type: SRV }], answers: [{ name: '_sip._tcp.example.com', type: SRV, data: (w) => void w.u16(10).u16(60).u16(5060).name('sip.example.com') }] }) },
  { dir: 'client', bytes: q(9, 'example.com', 257) },
  { dir: 'server', bytes: dnsMessage({ id: 9, flags: answerFlags(), questions: [{ name: 'example.com', type: 257 }], answers: [{ name: 'example.com', type: 257, data: (w) => void w.u8(0).text('issue').raw(Buffer.from('ca.example')) }] }) },
  { dir: 'client', bytes: q(10, 'example.com', 99) },
  { dir: 'server', bytes: dnsMessage({ id: 10, flags: answerFlags(5), questions: [{ name: 'example.com', type: 99 }] }) }
]

describe('DNS over TCP: queries and responses of every common record type', () => {
  it('summarises each message and pairs responses with their queries by id, whatever the segmentation', () => {
    const msgs = all(conversation)
    expect(msgs.map((m) => m.summary)).toEqual([
      'Query 0x1a2b A example.com',
      'Query 0x0002 AAAA example.com',
      'Response 0x0002 NOERROR AAAA example.com → 2606:2800:220:1:248:1893:25c8:1946 (1 answer)',
      'Response 0x1a2b NOERROR A example.com → 93.184.216.34 (2 answers)',
      'Query 0x0003 MX example.com',
      'Response 0x0003 NOERROR MX example.com → 10 mail.example.com (1 answer)',
      'Query 0x0004 TXT example.com',
      'Response 0x0004 NOERROR TXT example.com → "v=spf1 -all" "second string" (1 answer)',
      'Query 0x0005 A www.example.com',
      'Response 0x0005 NOERROR A www.example.com → example.com (2 answers)',
      'Query 0x0006 A nope.example.com',
      'Response 0x0006 NXDOMAIN A nope.example.com (0 answers)',
      'Query 0x0007 PTR 34.216.184.93.in-addr.arpa',
      'Response 0x0007 NOERROR PTR 34.216.184.93.in-addr.arpa → example.com (1 answer)',
      'Query 0x0008 SRV _sip._tcp.example.com',
      'Response 0x0008 NOERROR SRV _sip._tcp.example.com → 10 60 5060 sip.example.com (1 answer)',
      'Query 0x0009 CAA example.com',
      'Response 0x0009 NOERROR CAA example.com → 0x 00 05 69 73 73 75 65 63 61 2e 65 78 61 6d 70 6c 65 (1 answer)',
      'Query 0x000a TYPE99 example.com',
      'Response 0x000a REFUSED TYPE99 example.com (0 answers)'
    ])
    expect(msgs.map((m) => m.note.pair)).toEqual([undefined, undefined, 1, 0, undefined, 4, undefined, 6, undefined, 8, undefined, 10, undefined, 12, undefined, 14, undefined, 16, undefined, 18])
    expect(msgs.map((m) => m.note.command).slice(0, 6)).toEqual(['A', 'AAAA', 'AAAA', 'A', 'MX', 'MX'])
    expect(msgs.filter((m) => m.error !== undefined || m.described.error !== undefined)).toEqual([])
    for (const [split, coalesce, seed] of [['random', true, 1], ['bytes', false, 2], ['whole', true, 3]] as const) {
      const again = all(conversation, { split, coalesce, seed })
      expect(again.map((m) => [m.offset, m.length, m.summary, m.note.pair])).toEqual(msgs.map((m) => [m.offset, m.length, m.summary, m.note.pair]))
    }
  })

  it('shows the header flags, questions and records field by field, traced to their bytes', () => {
    const msgs = all(conversation)
    const a = msgs[3]
    expect(flatFields(a.fields)).toEqual(
      expect.arrayContaining([
        'length: ' + (a.length - 2),
        'id: 0x1a2b',
        'QR: 1 (response)',
        'opcode: 0 (QUERY)',
        'RD: 1',
        'RA: 1',
        'AA: 0',
        'rcode: 0 (NOERROR)',
        'answer count: 2',
        'additional count: 1',
        'question 0: example.com A IN',
        'answer 0: example.com A IN ttl 300 93.184.216.34',
        'answer 1: example.com A IN ttl 300 93.184.216.35',
        'additional 0: OPT udp payload 1232, extended rcode 0, version 0, DO, COOKIE',
        'COOKIE: 01 02 03 04 05 06 07 08'
      ])
    )
    const answer = findField(a.fields, 'answer 1')!
    // A compressed record: a two-byte pointer to the question's name, then type, class, TTL, RDLENGTH and the address.
    expect(Array.from(a.bytes.subarray(answer.offset!, answer.offset! + answer.length!))).toEqual([0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 216, 35])
    expect(flatFields(msgs[11].fields)).toEqual(expect.arrayContaining(['rcode: 3 (NXDOMAIN)', 'primary server: ns.icann.org', 'responsible mailbox: noc.dns.icann.org', 'serial: 2024010101', 'expire: 1209600']))
    expect(flatFields(msgs[9].fields)).toEqual(expect.arrayContaining(['answer 0: www.example.com CNAME IN ttl 300 example.com', 'authority 0: example.com NS IN ttl 300 a.iana-servers.net']))
    expect(flatFields(msgs[7].fields)).toEqual(expect.arrayContaining(['string 0: "v=spf1 -all"', 'string 1: "second string"']))
    expect(flatFields(msgs[15].fields)).toEqual(expect.arrayContaining(['priority: 10', 'weight: 60', 'port: 5060', 'target: sip.example.com']))
  })
})

describe('DNS over TCP: hostile bytes are errors in a sentence, never a throw or a hang', () => {
  const header = (counts: [number, number, number, number], flags = 0x8180): number[] => [0x12, 0x34, flags >> 8, flags & 0xff, ...counts.flatMap((c) => [c >> 8, c & 0xff])]
  const framed = (dns: number[]): Uint8Array => Uint8Array.from([dns.length >> 8, dns.length & 0xff, ...dns])
  const errorOf = (dns: number[]): string | undefined => all([{ dir: 'server', bytes: framed(dns) }])[0].described.error

  it('refuses compression pointers that loop, point forward, or run too deep', () => {
    // A question whose name points at itself.
    expect(errorOf([...header([1, 0, 0, 0]), 0xc0, 12, 0, 1, 0, 1])).toMatch(/compression pointer at byte 12 points to byte 12, not before itself: names could loop/)
    // Two names pointing at each other: the first points forward.
    expect(errorOf([...header([1, 1, 0, 0]), 0xc0, 18, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])).toMatch(/points to byte 18, not before itself/)
    // A chain of backward pointers hidden in a long question name's label bytes, each to the one before: an answer naming the last follows more than 64.
    const name: number[] = []
    const data: number[] = []
    for (const size of [63, 63, 63, 59]) {
      name.push(size)
      for (let k = 0; k < size; k++) {
        data.push(12 + name.length)
        name.push(0x61)
      }
    }
    name.push(0)
    const at = (offset: number): number => offset - 12
    let previous = data[0]
    name[at(previous)] = 0
    let pointers = 0
    for (let k = 1; k + 1 < data.length; k++) {
      if (data[k + 1] !== data[k] + 1) continue
      name[at(data[k])] = 0xc0 | (previous >> 8)
      name[at(data[k] + 1)] = previous & 0xff
      previous = data[k]
      pointers++
      k++
    }
    expect(pointers).toBeGreaterThan(64)
    expect(errorOf([...header([1, 1, 0, 0]), ...name, 0, 1, 0, 1, 0xc0 | (previous >> 8), previous & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4])).toMatch(/follows more than 64 compression pointers/)
  })

  it('says what is wrong with short, truncated and inconsistent messages', () => {
    const short = all([{ dir: 'client', bytes: Uint8Array.from([0, 4, 1, 2, 3, 4]) }])[0]
    expect(short.error).toMatch(/a DNS message of 4 bytes is shorter than its 12-byte header/)
    expect(errorOf([...header([1, 0, 0, 0]), 7, 101, 120, 97])).toMatch(/label of a name runs past the message's end/)
    expect(errorOf([...header([3, 0, 0, 0]), 0, 0, 1, 0, 1])).toMatch(/runs past the message's end/)
    expect(errorOf([...header([0, 1, 0, 0]), 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 50, 1, 2])).toMatch(/RDLENGTH 50 runs past the message's end \(2 left\)/)
    expect(errorOf([...header([0, 1, 0, 0]), 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3])).toMatch(/an A address runs past the message's end/)
    expect(errorOf([...header([1, 0, 0, 0]), 0x41, 0, 0, 1, 0, 1])).toMatch(/label type 0x40/)
    expect(errorOf([...header([1, 0, 0, 0]), 0, 0, 1, 0, 1, 9, 9])).toMatch(/2 bytes follow the message's last record/)
    const cut = all([{ dir: 'client', bytes: q(1, 'example.com', A).subarray(0, 20) }])[0]
    expect(cut.incomplete).toBe(true)
    expect(cut.summary).toMatch(/\(incomplete: 20 of 31 bytes\)$/)
  })

  it('survives 2000 random mutations of a conversation: cut and described, nothing throws', () => {
    const rnd = seeded(53)
    for (let i = 0; i < 2000; i++) {
      for (const m of all(mutate(conversation, rnd), { split: i % 2 ? 'random' : 'whole', seed: i, coalesce: i % 3 === 0 })) expect(m.summary.length).toBeLessThanOrEqual(200)
    }
  })
})

describe('DNS over TCP: recognised only from a strictly consistent first query', () => {
  it('takes a whole query with one question and sane counts, and refuses anything less', () => {
    const query = q(0x1a2b, 'example.com', A)
    const none = new Uint8Array()
    expect(recogniseDns(query, none)).toBe(true)
    expect(recogniseDns(query.subarray(0, 20), none)).toBeUndefined()
    expect(recogniseDns(dnsMessage({ id: 1, flags: answerFlags(), questions: [{ name: 'a.b', type: A }] }), none)).toBe(false)
    expect(recogniseDns(dnsMessage({ id: 1, flags: QUERY_RD, questions: [{ name: 'a.b', type: A }, { name: 'c.d', type: A }] }), none)).toBe(false)
    expect(recogniseDns(Uint8Array.from([...query, 0]).map((b, i) => (i === 1 ? b + 1 : b)), none)).toBe(false)
    expect(recogniseDns(Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'), none)).toBe(false)
    expect(recogniseMessages(query, none, 5353)).toBe('dns')
    expect(recogniseMessages(none, none, 53)).toBe('dns')
  })
})
