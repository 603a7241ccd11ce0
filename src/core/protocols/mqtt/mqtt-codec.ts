// MQTT 3.1.1 and 5 as messages: every control packet cut by its fixed header, each ack paired
// with the packet it answers (PUBACK, PUBREC, PUBREL and PUBCOMP with their PUBLISH by packet
// id and direction, SUBACK and UNSUBACK with theirs, CONNACK with CONNECT, PINGRESP with
// PINGREQ), and each packet described field by field, MQTT 5's properties and reason codes
// named. The protocol level comes from CONNECT: it is followed in the connection's state and
// handed to describe as the note's context, since a 3.1.1 and a 5 PUBACK differ.

import type { Direction } from '../../../shared/capture-types'
import { MESSAGE_MAX_FIELDS, type MessageField } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec, MessageNote } from '../messages/message-codec'
import { field, FieldBudget, line, shown } from '../messages/field-values'
import { CONNACK, CONNECT, PACKET_TYPES, PINGREQ, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE } from './mqtt-names'
import { readFixedHeader, MqttReader } from './mqtt-reader'
import { describePacket } from './mqtt-describe'

/** What describing a packet needs of the conversation: the protocol level its CONNECT gave. */
export interface MqttContext {
  level: number
}

/** Pings waited on at most: a client that pings a silent server forever keeps no more. */
const MAX_PINGS = 1024

const other = (dir: Direction): Direction => (dir === 'client' ? 'server' : 'client')

/** The protocol level a CONNECT names, if its bytes reach it. */
function connectLevel(msg: Uint8Array, at: number): number | undefined {
  if (at + 2 > msg.length) return undefined
  const n = (msg[at] << 8) | msg[at + 1]
  return at + 2 + n < msg.length ? msg[at + 2 + n] : undefined
}

class MqttConnection implements ConnectionCodec {
  private context: MqttContext | undefined
  private connect: number | undefined
  private pings: number[] = []
  /** Unfinished QoS 1 and 2 PUBLISHes by sender and packet id. */
  private readonly publishes = new Map<string, number>()
  private readonly subscribes = new Map<number, number>()
  private readonly unsubscribes = new Map<number, number>()

  measure(_dir: Direction, buf: Uint8Array): Measure {
    const h = readFixedHeader(buf)
    if ('need' in h) return { need: h.need }
    if ('error' in h) return { error: h.error }
    return h.headerLength + h.remaining
  }

  note(dir: Direction, msg: Uint8Array, index: number): MessageNote {
    const h = readFixedHeader(msg)
    if (!('type' in h)) return {}
    const at = h.headerLength
    // The first two bytes after the fixed header: a packet id, or PUBLISH's topic length.
    const id = at + 2 <= msg.length ? (msg[at] << 8) | msg[at + 1] : undefined
    const note: MessageNote = { command: PACKET_TYPES[h.type] }
    const pairWith = (index: number | undefined): void => {
      if (index !== undefined) note.pair = index
    }
    switch (h.type) {
      case CONNECT: {
        const level = connectLevel(msg, at)
        if (level !== undefined) this.context = { level }
        this.connect = index
        break
      }
      case CONNACK:
        pairWith(this.connect)
        this.connect = undefined
        break
      case PUBLISH: {
        const qos = (h.flags >> 1) & 3
        if (qos > 0 && id !== undefined) {
          const idAt = at + 2 + id
          if (idAt + 2 <= msg.length) this.publishes.set(`${dir}:${(msg[idAt] << 8) | msg[idAt + 1]}`, index)
        }
        break
      }
      case PUBACK:
      case PUBREC:
      case PUBCOMP: {
        const key = `${other(dir)}:${id}`
        pairWith(this.publishes.get(key))
        if (h.type !== PUBREC) this.publishes.delete(key)
        break
      }
      case PUBREL:
        pairWith(this.publishes.get(`${dir}:${id}`))
        break
      case SUBSCRIBE:
      case UNSUBSCRIBE:
        if (id !== undefined) (h.type === SUBSCRIBE ? this.subscribes : this.unsubscribes).set(id, index)
        break
      case SUBACK:
      case UNSUBACK: {
        const waiting = h.type === SUBACK ? this.subscribes : this.unsubscribes
        if (id !== undefined) {
          pairWith(waiting.get(id))
          waiting.delete(id)
        }
        break
      }
      case PINGREQ:
        this.pings.push(index)
        if (this.pings.length > MAX_PINGS) this.pings = this.pings.slice(-MAX_PINGS / 2)
        break
      case PINGRESP:
        pairWith(this.pings.shift())
        break
    }
    if (this.context) note.context = this.context
    return note
  }
}

const bytesField = (msg: Uint8Array): MessageField => field('bytes', shown(msg), 0, msg.length)

export const mqttCodec: MessageCodec = {
  name: 'mqtt',
  refit: refitMqtt,
  open: () => new MqttConnection(),
  describe(_dir, msg, note, length, complete): Described {
    const h = readFixedHeader(msg)
    if ('need' in h) return { summary: `incomplete MQTT packet (${msg.length} bytes so far)`, fields: [bytesField(msg)] }
    if ('error' in h) return { summary: h.error, fields: [bytesField(msg)], error: h.error }
    const context = note.context as MqttContext | undefined
    const declared = h.headerLength + h.remaining
    const read = (level: number): ReturnType<typeof describePacket> & { budget: FieldBudget } => {
      const budget = new FieldBudget(MESSAGE_MAX_FIELDS)
      const r = new MqttReader(msg, h.headerLength, Math.min(msg.length, declared))
      return { ...describePacket(r, { type: h.type, flags: h.flags, remaining: h.remaining, headerLength: h.headerLength, level, budget, whole: length }), budget }
    }
    let d = read(h.type === CONNECT ? (connectLevel(msg, h.headerLength) ?? 4) : (context?.level ?? 4))
    if (d.error !== undefined && h.type !== CONNECT && context === undefined) {
      // No CONNECT seen (a capture that began mid-session): a packet 3.1.1 cannot read may be MQTT 5's.
      const v5 = read(5)
      if (v5.error === undefined) d = v5
    }
    const budget = d.budget
    let summary = d.summary
    let error = d.error
    if (!complete) {
      // The cutter says the stream ended inside it; what ran out is no fault of the packet.
      summary = `${summary} (incomplete: ${length} of ${declared} bytes)`
      error = undefined
    }
    return { summary: line(summary), fields: d.fields, ...(budget.cut || length > msg.length ? { fieldsCut: true } : {}), ...(error !== undefined ? { error } : {}) }
  }
}

/**
 * A client's first bytes are MQTT's: a CONNECT (0x10), a Remaining Length that reads, then
 * the protocol name "MQTT" (3.1.1 and 5) or "MQIsdp" (3.1). Undefined while too few bytes tell.
 */
export function recogniseMqtt(client: Uint8Array): boolean | undefined {
  if (client.length === 0) return undefined
  if (client[0] !== 0x10) return false
  const h = readFixedHeader(client)
  if ('need' in h) return undefined
  if ('error' in h) return false
  if (h.remaining < 10) return false
  const at = h.headerLength
  const names = ['\x00\x04MQTT', '\x00\x06MQIsdp']
  let undecided = false
  for (const name of names) {
    let fits = true
    for (let i = 0; i < name.length && fits; i++) {
      if (at + i >= client.length) {
        undecided = true
        fits = false
      } else if (client[at + i] !== name.charCodeAt(i)) fits = false
    }
    if (fits) return true
  }
  return undecided ? undefined : false
}

/**
 * An edited packet with its Remaining Length (one to four 7-bit bytes) set to what follows
 * it, written in as few bytes as it needs. Lengths inside the variable header (a PUBLISH's
 * topic length, MQTT 5's property length) are the person's to keep.
 */
function refitMqtt(_dir: Direction, edited: Uint8Array): Uint8Array | { error: string } {
  if (edited.length < 2) return { error: `the edit is ${edited.length} bytes, shorter than a fixed header` }
  let i = 1
  while (i < edited.length && i <= 4 && (edited[i] & 0x80) !== 0) i++
  if (i > 4 || i >= edited.length) return { error: "the edit's Remaining Length runs past four bytes or past its end" }
  const rest = edited.subarray(i + 1)
  if (rest.length > 268_435_455) return { error: `${rest.length} bytes are over MQTT's largest Remaining Length` }
  const head: number[] = [edited[0]]
  let n = rest.length
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    head.push(b)
  } while (n > 0)
  const out = new Uint8Array(head.length + rest.length)
  out.set(head)
  out.set(rest, head.length)
  return out
}
