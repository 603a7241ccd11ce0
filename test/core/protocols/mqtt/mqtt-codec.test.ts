import { describe, expect, it } from 'vitest'
import { mqttCodec, recogniseMqtt } from '../../../../src/core/protocols/mqtt/mqtt-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { seeded, type Turn } from '../messages/cut'
import { describeAll, findField, flatFields, mutate } from '../messages/described'
import { concat, connect, enc, packet, props, str, u16, u32, userProperty, varint } from './mqtt-bytes'

const all = (turns: Turn[], opts: Parameters<typeof describeAll>[2] = {}) => describeAll(mqttCodec, turns, opts)

/** An MQTT 3.1.1 session as the specification walks through it: connect, subscribe, publish at each QoS, ping, unsubscribe, disconnect. */
const session311: Turn[] = [
  { dir: 'client', bytes: connect({ clientId: 'client-id', keepAlive: 60, will: { topic: 'status/client-id', payload: 'gone', qos: 1, retain: true }, user: 'alice', password: 'secret' }) },
  { dir: 'server', bytes: packet(2, 0, [0, 0]) },
  { dir: 'client', bytes: packet(8, 2, u16(1), str('sensors/#'), [1], str('alerts/+'), [2]) },
  { dir: 'server', bytes: packet(9, 0, u16(1), [1, 0x80]) },
  { dir: 'client', bytes: packet(3, 0, str('sensors/room-1'), enc('20.0')) },
  { dir: 'client', bytes: packet(3, 2, str('sensors/room-9'), u16(7), enc('21.5')) },
  { dir: 'server', bytes: packet(4, 0, u16(7)) },
  { dir: 'client', bytes: packet(3, 4 | 1, str('sensors/room-2'), u16(8), enc('22')) },
  { dir: 'server', bytes: packet(5, 0, u16(8)) },
  { dir: 'client', bytes: packet(6, 2, u16(8)) },
  { dir: 'server', bytes: packet(7, 0, u16(8)) },
  { dir: 'server', bytes: packet(3, 2, str('sensors/room-9'), u16(1), Uint8Array.from([0, 1, 2, 0xff])) },
  { dir: 'client', bytes: packet(4, 0, u16(1)) },
  { dir: 'client', bytes: packet(12, 0) },
  { dir: 'server', bytes: packet(13, 0) },
  { dir: 'client', bytes: packet(10, 2, u16(2), str('sensors/#')) },
  { dir: 'server', bytes: packet(11, 0, u16(2)) },
  { dir: 'client', bytes: packet(14, 0) }
]

/** The same in MQTT 5: properties on every packet that has them, reason codes, AUTH. */
const session5: Turn[] = [
  { dir: 'client', bytes: connect({ level: 5, clientId: 'client-id', keepAlive: 60, properties: props([0x11], u32(3600), [0x21], u16(20), userProperty('region', 'eu')) }) },
  { dir: 'server', bytes: packet(2, 0, [1, 0], props([0x22], u16(10), [0x12], str('assigned-1'), [0x24, 1])) },
  { dir: 'client', bytes: packet(15, 0, [0x18], props([0x15], str('SCRAM-SHA-1'), [0x16], str(Uint8Array.from([1, 2, 3])))) },
  { dir: 'client', bytes: packet(8, 2, u16(1), props([0x0b], varint(300)), str('sensors/#'), [1 | 4 | 8 | 0x20]) },
  { dir: 'server', bytes: packet(9, 0, u16(1), props(), [1]) },
  { dir: 'client', bytes: packet(3, 2, str('sensors/room-9'), u16(7), props([0x01, 1], [0x03], str('text/plain'), userProperty('a', 'b')), enc('21.5')) },
  { dir: 'server', bytes: packet(4, 0, u16(7), [0x10], props([0x1f], str('nobody listens'))) },
  { dir: 'client', bytes: packet(3, 4, str(''), u16(9), props([0x23], u16(3)), enc('x')) },
  { dir: 'server', bytes: packet(5, 0, u16(9)) },
  { dir: 'client', bytes: packet(6, 2, u16(9), [0x92]) },
  { dir: 'server', bytes: packet(7, 0, u16(9), [0], props()) },
  { dir: 'client', bytes: packet(10, 2, u16(2), props(), str('sensors/#')) },
  { dir: 'server', bytes: packet(11, 0, u16(2), props(), [0x11]) },
  { dir: 'server', bytes: packet(14, 0, [0x8b], props([0x1c], str('other:1883'))) }
]

describe('MQTT 3.1.1: every control packet of the specification', () => {
  it('decodes a whole session, summaries and pairs, whatever the segmentation', () => {
    const whole = all(session311)
    expect(whole.map((m) => m.summary)).toEqual([
      'CONNECT client-id mqtt 3.1.1 keepalive 60 will status/client-id user alice',
      'CONNACK Connection Accepted',
      'SUBSCRIBE id 1 [sensors/# qos 1, alerts/+ qos 2]',
      'SUBACK id 1 [granted qos 1, Failure]',
      'PUBLISH sensors/room-1 qos 0 "20.0"',
      'PUBLISH sensors/room-9 qos 1 id 7 "21.5"',
      'PUBACK id 7',
      'PUBLISH sensors/room-2 qos 2 id 8 retain "22"',
      'PUBREC id 8',
      'PUBREL id 8',
      'PUBCOMP id 8',
      'PUBLISH sensors/room-9 qos 1 id 1 <4 bytes>',
      'PUBACK id 1',
      'PINGREQ',
      'PINGRESP',
      'UNSUBSCRIBE id 2 [sensors/#]',
      'UNSUBACK id 2',
      'DISCONNECT'
    ])
    expect(whole.map((m) => m.note.command)).toEqual(['CONNECT', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBLISH', 'PUBACK', 'PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP', 'PUBLISH', 'PUBACK', 'PINGREQ', 'PINGRESP', 'UNSUBSCRIBE', 'UNSUBACK', 'DISCONNECT'])
    expect(whole.map((m) => m.note.pair)).toEqual([undefined, 0, undefined, 2, undefined, undefined, 5, undefined, 7, 7, 7, undefined, 11, undefined, 13, undefined, 15, undefined])
    expect(whole.every((m) => m.error === undefined && m.described.error === undefined)).toBe(true)
    for (const [split, coalesce, seed] of [['random', false, 1], ['random', true, 2], ['bytes', false, 3], ['whole', true, 4]] as const) {
      const again = all(session311, { split, coalesce, seed })
      expect(again.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair])).toEqual(whole.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair]))
    }
  })

  it('shows CONNECT field by field, the password hidden', () => {
    const [c] = all(session311.slice(0, 1))
    const flat = flatFields(c.fields)
    expect(flat).toEqual(
      expect.arrayContaining(['protocol name: MQTT', 'protocol level: 4 (MQTT 3.1.1)', 'clean session: 1', 'will QoS: 1', 'will retain: 1', 'keep alive: 60 s', 'client identifier: client-id', 'will topic: status/client-id', 'will payload: gone', 'user name: alice', 'password: (hidden, 6 bytes)'])
    )
    expect(flat.join('\n')).not.toContain('secret')
    const id = findField(c.fields, 'client identifier')!
    expect(Buffer.from(c.bytes.subarray(id.offset!, id.offset! + id.length!)).toString('latin1')).toBe('\x00\x09client-id')
  })

  it('keeps each field traced to its bytes: the fixed header, the topic, the packet id and the payload', () => {
    const m = all(session311)[5]
    expect(flatFields(m.fields)).toEqual(expect.arrayContaining(['DUP: 0', 'QoS: 1', 'RETAIN: 0', 'remaining length: 22', 'topic name: sensors/room-9', 'packet identifier: 7', 'payload (4 bytes): 21.5']))
    const payload = findField(m.fields, 'payload')!
    expect(new TextDecoder().decode(m.bytes.subarray(payload.offset!, payload.offset! + payload.length!))).toBe('21.5')
    const binary = all(session311)[11]
    expect(findField(binary.fields, 'payload')!.value).toBe('0x 00 01 02 ff')
  })

  it('quotes a long UTF-8 payload in the summary, and shows binary by its size', () => {
    const text = '温度 21.5 °C, '.repeat(40)
    const [m] = all([{ dir: 'client', bytes: packet(3, 0, str('sensors/room-9'), enc(text)) }])
    expect(m.summary).toMatch(/^PUBLISH sensors\/room-9 qos 0 "温度 21.5 °C, 温度/)
    const [b] = all([{ dir: 'client', bytes: packet(3, 0, str('raw'), Uint8Array.from([0xff, 0, 1])) }])
    expect(b.summary).toBe('PUBLISH raw qos 0 <3 bytes>')
  })

  it('reads every length of Remaining Length, up to its four bytes', () => {
    for (const size of [0, 127, 128, 16383, 16384, 2_097_151, 2_097_152]) {
      const p = packet(3, 0, str('t'), new Uint8Array(Math.max(0, size - 3)))
      const msgs = all([{ dir: 'client', bytes: p }])
      expect(msgs).toHaveLength(1)
      expect(msgs[0].length).toBe(p.length)
    }
  })

  it('names the CONNACK return codes of 3.1.1', () => {
    const msgs = all([
      { dir: 'client', bytes: connect({}) },
      ...[1, 2, 3, 4, 5].map((code): Turn => ({ dir: 'server', bytes: packet(2, 0, [1, code]) }))
    ])
    expect(msgs.slice(1).map((m) => m.summary)).toEqual([
      'CONNACK Connection Refused: unacceptable protocol version session present',
      'CONNACK Connection Refused: identifier rejected session present',
      'CONNACK Connection Refused: server unavailable session present',
      'CONNACK Connection Refused: bad user name or password session present',
      'CONNACK Connection Refused: not authorized session present'
    ])
  })

  it('reads MQTT 3.1 (MQIsdp, level 3) as 3.1.1 reads it', () => {
    const p = packet(1, 0, str('MQIsdp'), [3, 2], u16(30), str('old-client'))
    expect(all([{ dir: 'client', bytes: p }])[0].summary).toBe('CONNECT old-client mqtt 3.1 keepalive 30')
    expect(recogniseMqtt(p)).toBe(true)
  })
})

describe('MQTT 5: properties and reason codes', () => {
  it('decodes a whole session with its properties, reason codes and AUTH', () => {
    const msgs = all(session5)
    expect(msgs.map((m) => m.summary)).toEqual([
      'CONNECT client-id mqtt 5 keepalive 60',
      'CONNACK Success session present',
      'AUTH Continue authentication SCRAM-SHA-1',
      'SUBSCRIBE id 1 [sensors/# qos 1]',
      'SUBACK id 1 [granted qos 1]',
      'PUBLISH sensors/room-9 qos 1 id 7 "21.5"',
      'PUBACK id 7 No matching subscribers',
      'PUBLISH alias 3 qos 2 id 9 "x"',
      'PUBREC id 9',
      'PUBREL id 9 Packet Identifier not found',
      'PUBCOMP id 9',
      'UNSUBSCRIBE id 2 [sensors/#]',
      'UNSUBACK id 2 [No subscription existed]',
      'DISCONNECT Server shutting down'
    ])
    expect(msgs.every((m) => m.described.error === undefined)).toBe(true)
    expect(msgs.map((m) => m.note.pair)).toEqual([undefined, 0, undefined, undefined, 3, undefined, 5, undefined, 7, 7, 7, undefined, 11, undefined])
    expect(msgs.every((m) => (m.note.context as { level: number }).level === 5)).toBe(true)
    const flat = (i: number): string[] => flatFields(msgs[i].fields)
    expect(flat(0)).toEqual(expect.arrayContaining(['Session Expiry Interval: 3600', 'Receive Maximum: 20', 'User Property: region=eu', 'clean start: 1']))
    expect(flat(1)).toEqual(expect.arrayContaining(['reason code: 0x00 Success', 'Topic Alias Maximum: 10', 'Assigned Client Identifier: assigned-1', 'Maximum QoS: 1']))
    expect(flat(2)).toEqual(expect.arrayContaining(['reason code: 0x18 Continue authentication', 'Authentication Method: SCRAM-SHA-1', 'Authentication Data: 0x 01 02 03']))
    expect(flat(3)).toEqual(expect.arrayContaining(['Subscription Identifier: 300', 'no local: 1', 'retain as published: 1', 'retain handling: 2']))
    expect(flat(5)).toEqual(expect.arrayContaining(['Payload Format Indicator: 1', 'Content Type: text/plain', 'User Property: a=b', 'payload (4 bytes): 21.5']))
    expect(flat(6)).toEqual(expect.arrayContaining(['reason code: 0x10 No matching subscribers', 'Reason String: nobody listens']))
    expect(flat(13)).toEqual(expect.arrayContaining(['Server Reference: other:1883']))
  })

  it('takes the protocol level from CONNECT: a 3.1.1 PUBACK of four bytes is read as 5 reads it only after a level-5 CONNECT', () => {
    const ack = packet(4, 0, u16(7), [0x10])
    expect(all([{ dir: 'client', bytes: connect({ level: 5 }) }, { dir: 'server', bytes: ack }])[1].summary).toBe('PUBACK id 7 No matching subscribers')
    const old = all([{ dir: 'client', bytes: connect({ level: 4 }) }, { dir: 'server', bytes: ack }])[1]
    expect(old.described.error).toMatch(/1 bytes follow the PUBACK's fields/)
    // With no CONNECT seen (a capture begun mid-session), what 3.1.1 cannot read is tried as 5.
    const midway = all([{ dir: 'server', bytes: ack }])[0]
    expect(midway.summary).toBe('PUBACK id 7 No matching subscribers')
    expect(midway.described.error).toBeUndefined()
    expect(all([{ dir: 'server', bytes: packet(4, 0, u16(7)) }])[0].summary).toBe('PUBACK id 7')
  })
})

describe('MQTT: hostile bytes are errors in a sentence, never a throw or a wait', () => {
  it('refuses a Remaining Length of five bytes', () => {
    const msgs = all([{ dir: 'client', bytes: Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0]) }])
    expect(msgs).toHaveLength(1)
    expect(msgs[0].error).toMatch(/runs past four bytes/)
  })

  it('refuses a length over the message limit rather than waiting for it', () => {
    const msgs = all([{ dir: 'client', bytes: Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0, 1]) }], { end: false })
    expect(msgs).toHaveLength(0)
    const ended = all([{ dir: 'client', bytes: Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0, 1]) }])
    expect(ended[0].error).toMatch(/Remaining Length of 268435455 bytes, over the 16777216-byte limit/)
  })

  it('marks a packet the stream ended inside as incomplete, described as far as it goes', () => {
    const p = packet(3, 2, str('sensors/room-9'), u16(7), enc('21.5'))
    const msgs = all([{ dir: 'client', bytes: p.subarray(0, p.length - 2) }])
    expect(msgs[0].incomplete).toBe(true)
    expect(msgs[0].summary).toBe(`PUBLISH sensors/room-9 qos 1 id 7 "21" (incomplete: ${p.length - 2} of ${p.length} bytes)`)
  })

  it('says what is wrong with reserved types, bad flags, QoS 3 and lengths that run past the packet', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [packet(0, 0, [1, 2]), /packet type 0 is reserved/],
      [packet(8, 0, u16(1), str('a'), [0]), /flags are 0x0, where MQTT requires 0x2/],
      [packet(3, 6, str('t'), u16(1)), /QoS 3, which is reserved/],
      [packet(3, 0, u16(40), enc('short')), /the topic name runs past the packet's end \(40 bytes wanted, 5 left\)/],
      [packet(8, 2, u16(1)), /names no topic filter/],
      [packet(1, 0, str('MQTT'), [4, 3], u16(1), str('x')), /reserved bit/]
    ]
    for (const [bytes, why] of cases) {
      const [m] = all([{ dir: 'client', bytes }])
      expect(m.described.error).toMatch(why)
      expect(m.summary).toMatch(why)
    }
    const auth = all([{ dir: 'client', bytes: connect({ level: 4 }) }, { dir: 'client', bytes: packet(15, 0) }])[1]
    expect(auth.described.error).toMatch(/AUTH\) is reserved in MQTT 3.1.1/)
    const v5 = (p: Uint8Array): Turn[] => [{ dir: 'client', bytes: connect({ level: 5 }) }, { dir: 'server', bytes: p }]
    expect(all(v5(packet(4, 0, u16(1), [0], [30, 0x1f, 0, 2])))[1].described.error).toMatch(/the properties declare 30 bytes, past the packet's end \(3 left\)/)
    expect(all(v5(packet(4, 0, u16(1), [0], props([0x1f, 0, 9, 0x41]))))[1].described.error).toMatch(/Reason String runs past the packet's end/)
    expect(all(v5(packet(4, 0, u16(1), [0], props([0x7f, 1]))))[1].described.error).toMatch(/0x7f is no MQTT 5 property/)
    expect(all(v5(packet(4, 0, u16(1), [0], [0xff, 0xff, 0xff, 0xff, 0x01])))[1].described.error).toMatch(/properties' length runs past four bytes/)
  })

  it('survives 2000 random mutations of a real conversation: cut and described, nothing throws', () => {
    const rnd = seeded(36)
    const base = [...session311, ...session5]
    for (let i = 0; i < 2000; i++) {
      const turns = mutate(base, rnd)
      const msgs = all(turns, { split: i % 2 ? 'random' : 'whole', seed: i, coalesce: i % 3 === 0 })
      for (const m of msgs) {
        expect(typeof m.summary).toBe('string')
        expect(m.summary.length).toBeLessThanOrEqual(200)
      }
    }
  })
})

describe('MQTT: recognised from a client first bytes', () => {
  it('takes a CONNECT with the protocol name MQTT, and nothing else', () => {
    const c = connect({ level: 5 })
    expect(recogniseMqtt(c)).toBe(true)
    expect(recogniseMqtt(c.subarray(0, 5))).toBeUndefined()
    expect(recogniseMqtt(new Uint8Array())).toBeUndefined()
    expect(recogniseMqtt(enc('GET / HTTP/1.1\r\n'))).toBe(false)
    expect(recogniseMqtt(packet(1, 0, str('HTTP'), [4, 2], u16(1), str('x')))).toBe(false)
    expect(recogniseMqtt(concat([0x10, 0xff, 0xff, 0xff, 0xff, 1]))).toBe(false)
    expect(recogniseMessages(c, new Uint8Array(), 9999)).toBe('mqtt')
    expect(recogniseMessages(new Uint8Array(), new Uint8Array(), 1883)).toBe('mqtt')
  })
})
