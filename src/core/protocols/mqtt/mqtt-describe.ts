// One MQTT control packet for a person: its fixed header, variable header, MQTT 5 properties
// and payload as a field tree with byte ranges, and a one-line summary
// (`PUBLISH sensors/room-9 qos 1 id 7 "21.5"`, `SUBACK id 1 [granted qos 1]`). Reads that
// run past the packet stop the tree where they ran out and say so in a sentence.

import type { MessageField } from '../../../shared/message-types'
import { field, isPrintable, shown, textOf, word, type FieldBudget } from '../messages/field-values'
import * as T from './mqtt-names'
import { connackReturnName, PACKET_TYPES, reasonName, subackReturnName, versionName } from './mqtt-names'
import { MqttFault, readProperties, type MqttReader } from './mqtt-reader'

export interface PacketFacts {
  type: number
  flags: number
  remaining: number
  headerLength: number
  /** The protocol level (4 = 3.1.1, 5 = 5) the packet is read at. */
  level: number
  budget: FieldBudget
  /** The packet's whole length (the bytes at hand may be its first part only). */
  whole: number
}

/** PUBREL, SUBSCRIBE and UNSUBSCRIBE must set flags 0010; PUBLISH's are its own; the rest 0000. */
const requiredFlags = (type: number): number | undefined => (type === T.PUBLISH ? undefined : type === T.PUBREL || type === T.SUBSCRIBE || type === T.UNSUBSCRIBE ? 2 : 0)

const onOff = (b: boolean): string => (b ? '1' : '0')

/** The payload in a summary: quoted text where printable, else its size. */
function payloadWord(bytes: Uint8Array): string {
  if (bytes.length === 0) return '""'
  // Only the start is looked at; its cut may fall inside a UTF-8 sequence, so back up to a character's first byte.
  let end = Math.min(bytes.length, 240)
  if (end < bytes.length) while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return isPrintable(bytes.subarray(0, end)) ? JSON.stringify(textOf(bytes, 60)) : `<${bytes.length} bytes>`
}

export function describePacket(r: MqttReader, p: PacketFacts): { summary: string; fields: MessageField[]; error?: string } {
  const name = PACKET_TYPES[p.type]
  const fields: MessageField[] = []
  const v5 = p.level >= 5
  const flagFields =
    p.type === T.PUBLISH
      ? [field('DUP', onOff((p.flags & 8) !== 0), 0, 1), field('QoS', String((p.flags >> 1) & 3), 0, 1), field('RETAIN', onOff((p.flags & 1) !== 0), 0, 1)]
      : [field('flags', `0x${p.flags.toString(16)}`, 0, 1)]
  fields.push(field('fixed header', name, 0, p.headerLength, [field('packet type', `${p.type} (${name})`, 0, 1), ...flagFields, field('remaining length', String(p.remaining), 1, p.headerLength - 1)]))
  const add = (f: MessageField): void => {
    if (p.budget.take()) fields.push(f)
  }
  try {
    if (p.type === 0) throw new MqttFault('packet type 0 is reserved: this is not an MQTT control packet')
    if (p.type === T.AUTH && !v5) throw new MqttFault(`packet type 15 (AUTH) is reserved in MQTT ${versionName(p.level)}`)
    const want = requiredFlags(p.type)
    if (want !== undefined && p.flags !== want) throw new MqttFault(`${name}'s fixed header flags are 0x${p.flags.toString(16)}, where MQTT requires 0x${want.toString(16)}`)
    const summary = DESCRIBERS[p.type](r, p, add, v5)
    if (r.left > 0) throw new MqttFault(`${r.left} bytes follow the ${name}'s fields`)
    return { summary, fields }
  } catch (e) {
    const error = e instanceof MqttFault ? e.message : `the ${name} could not be read`
    return { summary: `${name}: ${error}`, fields, error }
  }
}

type Describer = (r: MqttReader, p: PacketFacts, add: (f: MessageField) => void, v5: boolean) => string

const properties = (r: MqttReader, p: PacketFacts, add: (f: MessageField) => void, label?: string): void => add(readProperties(r, p.budget, label).field)

function packetId(r: MqttReader, add: (f: MessageField) => void): number {
  const at = r.pos
  const id = r.u16('the packet identifier')
  add(field('packet identifier', String(id), at, 2))
  return id
}

function reason(r: MqttReader, p: PacketFacts, add: (f: MessageField) => void): string {
  const at = r.pos
  const code = r.u8('the reason code')
  const n = reasonName(p.type, code)
  add(field('reason code', `0x${code.toString(16).padStart(2, '0')} ${n}`, at, 1))
  return n
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id, and in MQTT 5 a reason code and properties when the packet is long enough. */
const describeAck: Describer = (r, p, add, v5) => {
  const id = packetId(r, add)
  let said = ''
  if (v5 && r.left > 0) {
    const n = reason(r, p, add)
    if (n !== 'Success') said = ` ${n}`
    if (r.left > 0) properties(r, p, add)
  }
  return `${PACKET_TYPES[p.type]} id ${id}${said}`
}

const describeConnect: Describer = (r, p, add) => {
  const name = r.text('the protocol name')
  add(field('protocol name', textOf(name.bytes, 64), name.offset, name.length))
  let at = r.pos
  const level = r.u8('the protocol level')
  add(field('protocol level', `${level} (MQTT ${versionName(level)})`, at, 1))
  at = r.pos
  const flags = r.u8('the connect flags')
  const will = (flags & 4) !== 0
  add(
    field('connect flags', `0x${flags.toString(16).padStart(2, '0')}`, at, 1, [
      field('user name', onOff((flags & 0x80) !== 0), at, 1),
      field('password', onOff((flags & 0x40) !== 0), at, 1),
      field('will retain', onOff((flags & 0x20) !== 0), at, 1),
      field('will QoS', String((flags >> 3) & 3), at, 1),
      field('will flag', onOff(will), at, 1),
      field(level >= 5 ? 'clean start' : 'clean session', onOff((flags & 2) !== 0), at, 1),
      field('reserved', onOff((flags & 1) !== 0), at, 1)
    ])
  )
  if (flags & 1) throw new MqttFault('the CONNECT flags set the reserved bit')
  at = r.pos
  const keepAlive = r.u16('the keep alive')
  add(field('keep alive', `${keepAlive} s`, at, 2))
  if (level >= 5) properties(r, p, add)
  const client = r.prefixed('the client identifier')
  add(field('client identifier', shown(client.bytes), client.offset, client.length))
  let extra = ''
  if (will) {
    const start = r.pos
    const children: MessageField[] = []
    if (level >= 5) children.push(readProperties(r, p.budget, 'will properties').field)
    const topic = r.prefixed('the will topic')
    children.push(field('will topic', shown(topic.bytes), topic.offset, topic.length))
    const payload = r.prefixed('the will payload')
    children.push(field('will payload', shown(payload.bytes), payload.offset, payload.length))
    add(field('will', `${word(topic.bytes)} qos ${(flags >> 3) & 3}${flags & 0x20 ? ' retain' : ''}`, start, r.pos - start, children))
    extra += ` will ${word(topic.bytes)}`
  }
  if (flags & 0x80) {
    const user = r.prefixed('the user name')
    add(field('user name', shown(user.bytes), user.offset, user.length))
    extra += ` user ${word(user.bytes)}`
  }
  if (flags & 0x40) {
    const pass = r.prefixed('the password')
    add(field('password', `(hidden, ${pass.length - 2} bytes)`, pass.offset, pass.length))
  }
  return `CONNECT ${word(client.bytes)} mqtt ${versionName(level)} keepalive ${keepAlive}${extra}`
}

const describeConnack: Describer = (r, p, add, v5) => {
  let at = r.pos
  const flags = r.u8('the acknowledge flags')
  add(field('acknowledge flags', `0x${flags.toString(16).padStart(2, '0')}`, at, 1, [field('session present', onOff((flags & 1) !== 0), at, 1)]))
  at = r.pos
  const code = r.u8(v5 ? 'the reason code' : 'the return code')
  const n = v5 ? reasonName(T.CONNACK, code) : connackReturnName(code)
  add(field(v5 ? 'reason code' : 'return code', `0x${code.toString(16).padStart(2, '0')} ${n}`, at, 1))
  if (v5) properties(r, p, add)
  return `CONNACK ${n}${flags & 1 ? ' session present' : ''}`
}

const describePublish: Describer = (r, p, add, v5) => {
  const qos = (p.flags >> 1) & 3
  if (qos === 3) throw new MqttFault('a PUBLISH with QoS 3, which is reserved')
  const topic = r.prefixed('the topic name')
  add(field('topic name', shown(topic.bytes), topic.offset, topic.length))
  const id = qos > 0 ? packetId(r, add) : undefined
  let alias = ''
  if (v5) {
    const props = readProperties(r, p.budget)
    add(props.field)
    const a = props.list.find((x) => x.id === 0x23)
    if (a && topic.bytes.length === 0) alias = `alias ${a.value}`
  }
  const payload = r.buf.subarray(r.pos, r.end)
  const whole = p.whole - r.pos
  const value = shown(payload) + (whole > payload.length ? ` (first ${payload.length} of ${whole} bytes)` : '')
  add(field(`payload (${whole} bytes)`, payload.length ? value : '', r.pos, whole))
  r.pos = r.end
  const flags = `${p.flags & 1 ? ' retain' : ''}${p.flags & 8 ? ' dup' : ''}`
  return `PUBLISH ${alias || word(topic.bytes)} qos ${qos}${id !== undefined ? ` id ${id}` : ''}${flags} ${payloadWord(payload)}`
}

const QOS_OPTION = (o: number): string => `qos ${o & 3}`

const describeSubscribe: Describer = (r, p, add, v5) => {
  const id = packetId(r, add)
  if (v5) properties(r, p, add)
  const words: string[] = []
  let i = 0
  if (r.left === 0) throw new MqttFault('a SUBSCRIBE names no topic filter')
  while (r.left > 0) {
    const topic = r.prefixed('a topic filter')
    const at = r.pos
    const o = r.u8("a topic filter's options")
    const children = [field('QoS', String(o & 3), at, 1)]
    if (v5) children.push(field('no local', onOff((o & 4) !== 0), at, 1), field('retain as published', onOff((o & 8) !== 0), at, 1), field('retain handling', String((o >> 4) & 3), at, 1))
    add(field(`topic filter ${i++}`, `${shown(topic.bytes)} (${QOS_OPTION(o)})`, topic.offset, r.pos - topic.offset, children))
    if (words.length < 8) words.push(`${textOf(topic.bytes, 60)} ${QOS_OPTION(o)}`)
  }
  return `SUBSCRIBE id ${id} [${words.join(', ')}${i > 8 ? ', …' : ''}]`
}

const describeUnsubscribe: Describer = (r, p, add, v5) => {
  const id = packetId(r, add)
  if (v5) properties(r, p, add)
  const words: string[] = []
  let i = 0
  if (r.left === 0) throw new MqttFault('an UNSUBSCRIBE names no topic filter')
  while (r.left > 0) {
    const topic = r.prefixed('a topic filter')
    add(field(`topic filter ${i++}`, shown(topic.bytes), topic.offset, topic.length))
    if (words.length < 8) words.push(textOf(topic.bytes, 60))
  }
  return `UNSUBSCRIBE id ${id} [${words.join(', ')}${i > 8 ? ', …' : ''}]`
}

/** SUBACK's codes (one per filter), UNSUBACK's in MQTT 5 only. */
const describeSubackLike: Describer = (r, p, add, v5) => {
  const id = packetId(r, add)
  if (v5) properties(r, p, add)
  const words: string[] = []
  let i = 0
  while (r.left > 0) {
    const at = r.pos
    const code = r.u8('a return code')
    const n = v5 ? reasonName(p.type, code) : subackReturnName(code)
    add(field(`${v5 ? 'reason' : 'return'} code ${i++}`, `0x${code.toString(16).padStart(2, '0')} ${n}`, at, 1))
    if (words.length < 8) words.push(p.type === T.SUBACK && code <= 2 ? `granted qos ${code}` : n)
  }
  if (p.type === T.SUBACK && i === 0) throw new MqttFault('a SUBACK carries no return code')
  return `${PACKET_TYPES[p.type]} id ${id}${i ? ` [${words.join(', ')}${i > 8 ? ', …' : ''}]` : ''}`
}

const describeEmpty: Describer = (_r, p) => PACKET_TYPES[p.type]

/** DISCONNECT and AUTH: in MQTT 5 a reason code and properties, each left out when the packet ends first. */
const describeReasonOnly: Describer = (r, p, add, v5) => {
  if (!v5 || r.left === 0) return PACKET_TYPES[p.type] + (v5 && p.type === T.AUTH ? ' Success' : '')
  const n = reason(r, p, add)
  let method = ''
  if (r.left > 0) {
    const props = readProperties(r, p.budget)
    add(props.field)
    const m = props.list.find((x) => x.id === 0x15)
    if (m) method = ` ${m.value}`
  }
  return `${PACKET_TYPES[p.type]} ${n}${method}`
}

const DESCRIBERS: Describer[] = [
  describeEmpty,
  describeConnect,
  describeConnack,
  describePublish,
  describeAck,
  describeAck,
  describeAck,
  describeAck,
  describeSubscribe,
  describeSubackLike,
  describeUnsubscribe,
  describeSubackLike,
  describeEmpty,
  describeEmpty,
  describeReasonOnly,
  describeReasonOnly
]
