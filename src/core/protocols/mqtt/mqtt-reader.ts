// Reading MQTT's bytes: the fixed header with its Remaining Length (a varint of at most four
// bytes, bounded by the message limit), and a cursor over one packet that reads its integers,
// length-prefixed strings and MQTT 5 properties, each kept with its byte range. A read past
// the packet's end throws MqttFault, which the describer turns into a sentence.

import { DEFAULT_MAX_MESSAGE, type MessageField } from '../../../shared/message-types'
import { field, shown, textOf, type FieldBudget } from '../messages/field-values'
import { PROPERTIES } from './mqtt-names'

export class MqttFault extends Error {}

export type FixedHeader = { type: number; flags: number; remaining: number; headerLength: number } | { need: number } | { error: string }

/** The fixed header at the start of `buf`: what it says, how many bytes it needs, or why it is not MQTT. */
export function readFixedHeader(buf: Uint8Array, max = DEFAULT_MAX_MESSAGE): FixedHeader {
  if (buf.length < 2) return { need: 2 }
  let remaining = 0
  let mult = 1
  for (let i = 1; i <= 4; i++) {
    if (i >= buf.length) return { need: i + 1 }
    const b = buf[i]
    remaining += (b & 0x7f) * mult
    mult *= 128
    if ((b & 0x80) === 0) {
      if (1 + i + remaining > max) return { error: `an MQTT packet declares a Remaining Length of ${remaining} bytes, over the ${max}-byte limit` }
      return { type: buf[0] >> 4, flags: buf[0] & 0x0f, remaining, headerLength: 1 + i }
    }
  }
  return { error: 'an MQTT Remaining Length runs past four bytes (its fourth byte has the continuation bit set)' }
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

/** A cursor over one packet's bytes, from `pos` up to `end`. */
export class MqttReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    public end: number
  ) {}

  get left(): number {
    return this.end - this.pos
  }

  private take(n: number, what: string): number {
    if (this.pos + n > this.end) throw new MqttFault(`${what} runs past the packet's end (${n} bytes wanted, ${Math.max(0, this.left)} left)`)
    const at = this.pos
    this.pos += n
    return at
  }

  u8(what: string): number {
    return this.buf[this.take(1, what)]
  }

  u16(what: string): number {
    const at = this.take(2, what)
    return (this.buf[at] << 8) | this.buf[at + 1]
  }

  u32(what: string): number {
    const at = this.take(4, what)
    return this.buf[at] * 0x1000000 + ((this.buf[at + 1] << 16) | (this.buf[at + 2] << 8) | this.buf[at + 3])
  }

  /** A Variable Byte Integer (MQTT 5's property lengths and subscription identifiers). */
  varint(what: string): number {
    let v = 0
    let mult = 1
    for (let i = 0; i < 4; i++) {
      const b = this.u8(what)
      v += (b & 0x7f) * mult
      mult *= 128
      if ((b & 0x80) === 0) return v
    }
    throw new MqttFault(`${what} runs past four bytes`)
  }

  /** Two-byte length, then that many bytes: a string or binary data, with its range (the length included). */
  prefixed(what: string): { bytes: Uint8Array; offset: number; length: number } {
    const offset = this.pos
    const n = this.u16(`${what}'s length`)
    const at = this.take(n, what)
    return { bytes: this.buf.subarray(at, at + n), offset, length: 2 + n }
  }

  text(what: string): { text: string; bytes: Uint8Array; offset: number; length: number } {
    const p = this.prefixed(what)
    return { ...p, text: utf8.decode(p.bytes) }
  }
}

export interface Properties {
  field: MessageField
  /** Each property's name and value as shown, in order (user properties as name=value). */
  list: Array<{ id: number; name: string; value: string }>
}

/** MQTT 5 properties: a varint length, then that many bytes of identifier and value pairs. */
export function readProperties(r: MqttReader, budget: FieldBudget, label = 'properties'): Properties {
  const start = r.pos
  const length = r.varint(`the ${label}' length`)
  if (length > r.left) throw new MqttFault(`the ${label} declare ${length} bytes, past the packet's end (${r.left} left)`)
  const sub = new MqttReader(r.buf, r.pos, r.pos + length)
  r.pos += length
  const children: MessageField[] = []
  const list: Properties['list'] = []
  while (sub.left > 0) {
    const at = sub.pos
    const id = sub.varint('a property identifier')
    const p = PROPERTIES[id]
    if (!p) throw new MqttFault(`0x${id.toString(16).padStart(2, '0')} is no MQTT 5 property`)
    let value: string
    switch (p.kind) {
      case 'byte':
        value = String(sub.u8(p.name))
        break
      case 'u16':
        value = String(sub.u16(p.name))
        break
      case 'u32':
        value = String(sub.u32(p.name))
        break
      case 'varint':
        value = String(sub.varint(p.name))
        break
      case 'utf8':
        value = textOf(sub.prefixed(p.name).bytes)
        break
      case 'binary':
        value = shown(sub.prefixed(p.name).bytes)
        break
      case 'pair': {
        const k = sub.prefixed(`${p.name}'s name`)
        const v = sub.prefixed(`${p.name}'s value`)
        value = `${textOf(k.bytes, 256)}=${textOf(v.bytes)}`
        break
      }
    }
    list.push({ id, name: p.name, value })
    if (budget.take()) children.push(field(p.name, value, at, sub.pos - at))
  }
  return { field: field(label, list.length ? `${list.length}` : 'none', start, r.pos - start, children), list }
}
