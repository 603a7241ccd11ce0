import { describe, expect, it } from 'vitest'
import { modbusCodec, recogniseModbus } from '../../../../src/core/protocols/modbus/modbus-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { seeded, type Turn } from '../messages/cut'
import { describeAll, findField, flatFields, mutate } from '../messages/described'

const hex = (s: string): number[] => (s.replace(/\s/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16))
const ascii = (s: string): number[] => Array.from(Buffer.from(s, 'latin1'))

/** An ADU: the MBAP header (length computed) and a PDU given in hex. */
const adu = (tid: number, unit: number, pdu: string | number[], protocol = 0): Uint8Array => {
  const p = typeof pdu === 'string' ? hex(pdu) : pdu
  return Uint8Array.from([tid >> 8, tid & 0xff, protocol >> 8, protocol & 0xff, (p.length + 1) >> 8, (p.length + 1) & 0xff, unit, ...p])
}

const all = (turns: Turn[], opts: Parameters<typeof describeAll>[2] = {}) => describeAll(modbusCodec, turns, opts)

/** The request and response examples of the Modbus Application Protocol specification (V1.1b3, section 6), one transaction each. */
const examples: Array<[string, string | number[], string | number[]]> = [
  ['Read Coils', '01 0013 0013', '01 03 CD 6B 05'],
  ['Read Discrete Inputs', '02 00C4 0016', '02 03 AC DB 35'],
  ['Read Holding Registers', '03 0064 0003', '03 06 022B 0000 0064'],
  ['Read Input Registers', '04 0008 0001', '04 02 000A'],
  ['Write Single Coil', '05 00AC FF00', '05 00AC FF00'],
  ['Write Single Register', '06 0001 0003', '06 0001 0003'],
  ['Read Exception Status', '07', '07 6D'],
  ['Diagnostics', '08 0000 A537', '08 0000 A537'],
  ['Get Comm Event Counter', '0B', '0B FFFF 0108'],
  ['Get Comm Event Log', '0C', '0C 08 0000 0108 0121 20 00'],
  ['Write Multiple Coils', '0F 0013 000A 02 CD 01', '0F 0013 000A'],
  ['Write Multiple Registers', '10 0001 0002 04 000A 0102', '10 0001 0002'],
  ['Report Server ID', '11', '11 02 01 FF'],
  ['Read File Record', '14 0E 06 0004 0001 0002 06 0003 0009 0002', '14 0C 05 06 0DFE 0020 05 06 33CD 0040'],
  ['Write File Record', '15 0D 06 0004 0007 0003 06AF 04BE 100D', '15 0D 06 0004 0007 0003 06AF 04BE 100D'],
  ['Mask Write Register', '16 0004 00F2 0025', '16 0004 00F2 0025'],
  ['Read/Write Multiple Registers', '17 0003 0006 000E 0003 06 00FF 00FF 00FF', '17 0C 00FE 0ACD 0001 0003 000D 00FF'],
  ['Read FIFO Queue', '18 04DE', '18 0006 0002 01B8 1284'],
  ['Read Device Identification', '2B 0E 01 00', [...hex('2B 0E 01 01 00 00 03 00 16'), ...ascii('Company identification'), 0x01, 0x0f, ...ascii('Product code XX'), 0x02, 0x05, ...ascii('V2.11')]]
]

const conversation: Turn[] = examples.flatMap(([, req, resp], i): Turn[] => [
  { dir: 'client', bytes: adu(i + 1, 17, req) },
  { dir: 'server', bytes: adu(i + 1, 17, resp) }
])

describe('Modbus TCP: the specification examples of each function', () => {
  it('names every function and pairs each response with its request, whatever the segmentation', () => {
    const msgs = all(conversation)
    expect(msgs).toHaveLength(examples.length * 2)
    expect(msgs.filter((m) => m.error !== undefined || m.described.error !== undefined).map((m) => m.summary)).toEqual([])
    msgs.forEach((m, i) => {
      const [name] = examples[i >> 1]
      expect(m.summary.startsWith(`${name} unit 17`)).toBe(true)
      expect(m.note.command).toMatch(new RegExp(`^fn \\d+ ${name.replace('/', '\\/')}$`))
      expect(m.note.pair).toBe(i % 2 ? i - 1 : undefined)
    })
    for (const [split, coalesce, seed] of [['random', true, 1], ['bytes', false, 2], ['whole', true, 3]] as const) {
      const again = all(conversation, { split, coalesce, seed })
      expect(again.map((m) => [m.offset, m.length, m.summary, m.note.pair])).toEqual(msgs.map((m) => [m.offset, m.length, m.summary, m.note.pair]))
    }
  })

  it('decodes request and response bodies: addresses, quantities, registers and coils', () => {
    const s = all(conversation).map((m) => m.summary)
    expect(s).toEqual([
      'Read Coils unit 17 at 19 ×19',
      'Read Coils unit 17 → [1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, … (19 values)]',
      'Read Discrete Inputs unit 17 at 196 ×22',
      'Read Discrete Inputs unit 17 → [0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, … (22 values)]',
      'Read Holding Registers unit 17 at 100 ×3',
      'Read Holding Registers unit 17 → [555, 0, 100]',
      'Read Input Registers unit 17 at 8 ×1',
      'Read Input Registers unit 17 → [10]',
      'Write Single Coil unit 17 at 172 ← ON',
      'Write Single Coil unit 17 at 172 = ON',
      'Write Single Register unit 17 at 1 ← 3',
      'Write Single Register unit 17 at 1 = 3',
      'Read Exception Status unit 17',
      'Read Exception Status unit 17 → 0x6d',
      'Diagnostics unit 17 Return Query Data [0xa537]',
      'Diagnostics unit 17 Return Query Data [0xa537]',
      'Get Comm Event Counter unit 17',
      'Get Comm Event Counter unit 17 → 264 events (busy)',
      'Get Comm Event Log unit 17',
      'Get Comm Event Log unit 17 → 264 events, 289 messages',
      'Write Multiple Coils unit 17 at 19 ← [1, 0, 1, 1, 0, 0, 1, 1, 1, 0]',
      'Write Multiple Coils unit 17 at 19 ×10 written',
      'Write Multiple Registers unit 17 at 1 ← [10, 258]',
      'Write Multiple Registers unit 17 at 1 ×2 written',
      'Report Server ID unit 17',
      'Report Server ID unit 17 → 2 bytes',
      'Read File Record unit 17 file 4 record 1 ×2, file 3 record 9 ×2',
      'Read File Record unit 17 [3582, 32], [13261, 64]',
      'Write File Record unit 17 file 4 record 7 ×3',
      'Write File Record unit 17 file 4 record 7 ×3',
      'Mask Write Register unit 17 at 4 and 0x00f2 or 0x0025',
      'Mask Write Register unit 17 at 4 and 0x00f2 or 0x0025',
      'Read/Write Multiple Registers unit 17 read at 3 ×6, write at 14 ← [255, 255, 255]',
      'Read/Write Multiple Registers unit 17 → [254, 2765, 1, 3, 13, 255]',
      'Read FIFO Queue unit 17 at 1246',
      'Read FIFO Queue unit 17 → [440, 4740]',
      'Read Device Identification unit 17 basic from object 0',
      'Read Device Identification unit 17 → VendorName=Company identification, ProductCode=Product code XX, MajorMinorRevision=V2.11'
    ])
  })

  it('addresses a read response from its request and keeps each value traced to its bytes', () => {
    const msgs = all(conversation)
    const regs = msgs[5]
    expect(flatFields(regs.fields)).toEqual(expect.arrayContaining(['transaction identifier: 3', 'protocol identifier: 0 (Modbus)', 'length: 9', 'unit identifier: 17', 'function code: 3 (Read Holding Registers)', 'byte count: 6', 'register 100: 555 (0x022b)', 'register 102: 100 (0x0064)']))
    const r = findField(regs.fields, 'register 100')!
    expect(Array.from(regs.bytes.subarray(r.offset!, r.offset! + r.length!))).toEqual([0x02, 0x2b])
    expect(flatFields(msgs[1].fields)).toEqual(expect.arrayContaining(['coil 19: ON', 'coil 20: OFF', 'coil 37: ON']))
    expect(flatFields(msgs[1].fields).some((f) => f.startsWith('coil 38'))).toBe(false)
    expect(msgs[5].note.context).toEqual({ fn: 3, address: 100, quantity: 3 })
  })

  it('names every exception code, with the function it answers', () => {
    const codes = [1, 2, 3, 4, 5, 6, 8, 10, 11]
    const turns: Turn[] = codes.flatMap((code, i): Turn[] => [
      { dir: 'client', bytes: adu(100 + i, 1, '01 0000 0001') },
      { dir: 'server', bytes: adu(100 + i, 1, [0x81, code]) }
    ])
    const msgs = all(turns).filter((m) => m.dir === 'server')
    expect(msgs.map((m) => m.summary)).toEqual([
      'Exception ILLEGAL FUNCTION (Read Coils) unit 1',
      'Exception ILLEGAL DATA ADDRESS (Read Coils) unit 1',
      'Exception ILLEGAL DATA VALUE (Read Coils) unit 1',
      'Exception SERVER DEVICE FAILURE (Read Coils) unit 1',
      'Exception ACKNOWLEDGE (Read Coils) unit 1',
      'Exception SERVER DEVICE BUSY (Read Coils) unit 1',
      'Exception MEMORY PARITY ERROR (Read Coils) unit 1',
      'Exception GATEWAY PATH UNAVAILABLE (Read Coils) unit 1',
      'Exception GATEWAY TARGET DEVICE FAILED TO RESPOND (Read Coils) unit 1'
    ])
    expect(msgs.every((m) => m.note.command === 'fn 1 Read Coils' && m.note.pair !== undefined)).toBe(true)
    const mei = all([
      { dir: 'client', bytes: adu(9, 1, '2B 0E 01 00') },
      { dir: 'server', bytes: adu(9, 1, 'AB 0E 01') }
    ])[1]
    expect(mei.summary).toBe('Exception ILLEGAL FUNCTION (Read Device Identification) unit 1')
    expect(mei.described.error).toBeUndefined()
  })

  it('pairs pipelined responses that come back out of order by transaction id and unit', () => {
    const msgs = all([
      { dir: 'client', bytes: new Uint8Array([...adu(1, 1, '03 0000 0001'), ...adu(2, 2, '03 0010 0002'), ...adu(1, 2, '01 0000 0003')]) },
      { dir: 'server', bytes: new Uint8Array([...adu(1, 2, '01 01 05'), ...adu(2, 2, '03 04 0001 0002'), ...adu(1, 1, '03 02 0007')]) }
    ])
    expect(msgs.map((m) => m.note.pair)).toEqual([undefined, undefined, undefined, 2, 1, 0])
    expect(msgs.slice(3).map((m) => m.summary)).toEqual(['Read Coils unit 2 → [1, 0, 1]', 'Read Holding Registers unit 2 → [1, 2]', 'Read Holding Registers unit 1 → [7]'])
  })
})

describe('Modbus TCP: hostile bytes are errors in a sentence, never a throw or a wait', () => {
  it('refuses an MBAP length outside 2 to 256 instead of waiting', () => {
    for (const length of [0, 1, 257, 0xffff]) {
      const msgs = all([{ dir: 'client', bytes: Uint8Array.from([0, 1, 0, 0, length >> 8, length & 0xff, 1, 3]) }])
      expect(msgs).toHaveLength(1)
      expect(msgs[0].error).toMatch(new RegExp(`declares a length of ${length}, outside Modbus TCP's 2 to 256`))
    }
  })

  it('says what is wrong with a body: byte counts, quantities, coil values, a protocol id, unknown functions', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [adu(1, 1, '03 0000 0000'), /quantity 0 is outside the specification's 1 to 125/],
      [adu(1, 1, '03 0000 007E'), /quantity 126 is outside/],
      [adu(1, 1, '05 0001 1234'), /only 0xff00 \(ON\) and 0x0000 \(OFF\)/],
      [adu(1, 1, '10 0001 0002 05 000A 0102 00'), /byte count is 5, where the quantity needs 4/],
      [adu(1, 1, '10 0001 0002 09 000A'), /byte count says 9 bytes, but 2 follow/],
      [adu(1, 1, '03 0000'), /quantity runs past the PDU's end/],
      [adu(1, 1, '03 0000 0001', 7), /protocol identifier is 7, where Modbus's is 0/],
      [adu(1, 1, '06 0001 0003 99'), /1 bytes follow the Write Single Register's fields/],
      [adu(1, 1, '00'), /function code 0/]
    ]
    for (const [bytes, why] of cases) {
      const [m] = all([{ dir: 'client', bytes }])
      expect(m.described.error).toMatch(why)
      expect(m.summary).toMatch(why)
    }
    const unknown = all([{ dir: 'client', bytes: adu(1, 1, '41 0102') }])[0]
    expect(unknown.summary).toBe('Function 65 unit 1 (2 data bytes)')
    expect(unknown.note.command).toBe('fn 65 Function 65')
    const badCount = all([{ dir: 'client', bytes: adu(1, 1, '03 0000 0002') }, { dir: 'server', bytes: adu(1, 1, '03 03 0001 00') }])[1]
    expect(badCount.described.error).toMatch(/byte count 3 is odd/)
  })

  it('marks an ADU the stream ended inside as incomplete', () => {
    const whole = adu(1, 1, '10 0001 0002 04 000A 0102')
    const [m] = all([{ dir: 'client', bytes: whole.subarray(0, 12) }])
    expect(m.incomplete).toBe(true)
    expect(m.summary).toMatch(/\(incomplete: 12 of 17 bytes\)$/)
  })

  it('survives 2000 random mutations of a conversation: cut and described, nothing throws', () => {
    const rnd = seeded(502)
    for (let i = 0; i < 2000; i++) {
      for (const m of all(mutate(conversation, rnd), { split: i % 2 ? 'random' : 'whole', seed: i, coalesce: i % 3 === 0 })) expect(m.summary.length).toBeLessThanOrEqual(200)
    }
  })
})

describe('Modbus TCP: recognised only from an exactly consistent first request', () => {
  it('takes a whole, consistent request and refuses anything less', () => {
    expect(recogniseModbus(adu(1, 17, '03 006B 0003'), new Uint8Array())).toBe(true)
    expect(recogniseModbus(adu(1, 17, '10 0001 0002 04 000A 0102'), new Uint8Array())).toBe(true)
    expect(recogniseModbus(adu(1, 17, '2B 0E 01 00'), new Uint8Array())).toBe(true)
    expect(recogniseModbus(adu(1, 17, '03 006B 0003').subarray(0, 9), new Uint8Array())).toBeUndefined()
    expect(recogniseModbus(adu(1, 17, '03 006B 0000'), new Uint8Array())).toBe(false)
    expect(recogniseModbus(adu(1, 17, '03 006B 0003 00'), new Uint8Array())).toBe(false)
    expect(recogniseModbus(adu(1, 17, '10 0001 0002 03 000A 01'), new Uint8Array())).toBe(false)
    expect(recogniseModbus(adu(1, 17, '03 006B 0003', 1), new Uint8Array())).toBe(false)
    expect(recogniseModbus(adu(1, 17, '41 0000 0001'), new Uint8Array())).toBe(false)
    expect(recogniseModbus(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'), new Uint8Array())).toBe(false)
    expect(recogniseModbus(new Uint8Array(), Buffer.from('220 smtp ready\r\n'))).toBe(false)
    expect(recogniseMessages(adu(1, 17, '03 006B 0003'), new Uint8Array(), 5020)).toBe('modbus')
    expect(recogniseMessages(new Uint8Array(), new Uint8Array(), 502)).toBe('modbus')
  })
})
