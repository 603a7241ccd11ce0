// A Modbus PDU's body for a person, per function code: requests (address, quantity, values)
// and responses (values as registers or coils, addressed from the request they answer, since
// a read response carries only a byte count). Each field keeps its bytes; a read past the
// PDU, a byte count that does not fit or a quantity out of the specification's range stops
// with a sentence (ModbusFault).

import type { MessageField } from '../../../shared/message-types'
import { field, shown, type FieldBudget } from '../messages/field-values'
import { DEVICE_ID_CODES, DEVICE_OBJECTS, DIAGNOSTICS } from './modbus-names'

export class ModbusFault extends Error {}

/** What a response needs of its request: the function, and where and how much it asked for. */
export interface ModbusRequestFacts {
  fn: number
  address?: number
  quantity?: number
}

/** Values listed in a summary at most. */
const SUMMARY_VALUES = 12

export class PduReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number
  ) {}
  get left(): number {
    return this.end - this.pos
  }
  take(n: number, what: string): number {
    if (this.pos + n > this.end) throw new ModbusFault(`${what} runs past the PDU's end (${n} bytes wanted, ${Math.max(0, this.left)} left)`)
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
}

export interface PduContext {
  r: PduReader
  budget: FieldBudget
  add: (f: MessageField) => void
}

const hex16 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`

function list(values: Array<number | string>, total = values.length): string {
  const shownValues = values.slice(0, SUMMARY_VALUES).join(', ')
  return `[${shownValues}${total > SUMMARY_VALUES ? `, … (${total} values)` : ''}]`
}

function u16Field(c: PduContext, name: string, what = name): number {
  const at = c.r.pos
  const v = c.r.u16(what)
  c.add(field(name, String(v), at, 2))
  return v
}

function quantity(c: PduContext, max: number, name = 'quantity'): number {
  const q = u16Field(c, name)
  if (q < 1 || q > max) throw new ModbusFault(`the ${name} ${q} is outside the specification's 1 to ${max}`)
  return q
}

function byteCount(c: PduContext, expected?: number): number {
  const at = c.r.pos
  const n = c.r.u8('the byte count')
  c.add(field('byte count', String(n), at, 1))
  if (n > c.r.left) throw new ModbusFault(`the byte count says ${n} bytes, but ${c.r.left} follow`)
  if (expected !== undefined && n !== expected) throw new ModbusFault(`the byte count is ${n}, where the quantity needs ${expected}`)
  return n
}

/** `count` registers from here, each as a field (addressed when the start is known). */
function registers(c: PduContext, count: number, start?: number): number[] {
  const values: number[] = []
  const at = c.r.pos
  const children: MessageField[] = []
  for (let i = 0; i < count; i++) {
    const p = c.r.pos
    const v = c.r.u16('a register value')
    values.push(v)
    if (c.budget.take()) children.push(field(start !== undefined ? `register ${start + i}` : `[${i}]`, `${v} (${hex16(v)})`, p, 2))
  }
  c.add(field('registers', `${count}`, at, c.r.pos - at, children))
  return values
}

/** Coils or inputs packed eight to a byte, first in the low bit; `count` of them when known. */
function bits(c: PduContext, bytes: number, count: number | undefined, start?: number, name = 'coils'): number[] {
  const at = c.r.take(bytes, `the ${name}`)
  const n = Math.min(count ?? bytes * 8, bytes * 8)
  const values: number[] = []
  const children: MessageField[] = []
  for (let i = 0; i < n; i++) {
    const v = (c.r.buf[at + (i >> 3)] >> (i & 7)) & 1
    values.push(v)
    if (c.budget.take()) children.push(field(start !== undefined ? `${name === 'coils' ? 'coil' : 'input'} ${start + i}` : `[${i}]`, v ? 'ON' : 'OFF', at + (i >> 3), 1))
  }
  c.add(field(name, `${n}`, at, bytes, children))
  return values
}

const coilName = (fn: number): string => (fn === 2 ? 'inputs' : 'coils')

/** A request's body; the summary's part after `Name unit N`. */
export function describeRequest(fn: number, c: PduContext): string {
  switch (fn) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const address = u16Field(c, 'starting address')
      const q = quantity(c, fn <= 2 ? 2000 : 125)
      return `at ${address} ×${q}`
    }
    case 5: {
      const address = u16Field(c, 'output address')
      const at = c.r.pos
      const v = c.r.u16('the output value')
      if (v !== 0xff00 && v !== 0) throw new ModbusFault(`a coil's value is ${hex16(v)}, where only 0xff00 (ON) and 0x0000 (OFF) are allowed`)
      c.add(field('output value', `${v ? 'ON' : 'OFF'} (${hex16(v)})`, at, 2))
      return `at ${address} ← ${v ? 'ON' : 'OFF'}`
    }
    case 6: {
      const address = u16Field(c, 'register address')
      return `at ${address} ← ${u16Field(c, 'register value')}`
    }
    case 15:
    case 16: {
      const address = u16Field(c, 'starting address')
      const q = quantity(c, fn === 15 ? 1968 : 123)
      const n = byteCount(c, fn === 15 ? Math.ceil(q / 8) : q * 2)
      const values = fn === 15 ? bits(c, n, q, address).map((b) => (b ? 1 : 0)) : registers(c, q, address)
      return `at ${address} ← ${list(values)}`
    }
    case 22: {
      const address = u16Field(c, 'reference address')
      const and = c.r.u16('the AND mask')
      const or = c.r.u16('the OR mask')
      c.add(field('AND mask', hex16(and), c.r.pos - 4, 2))
      c.add(field('OR mask', hex16(or), c.r.pos - 2, 2))
      return `at ${address} and ${hex16(and)} or ${hex16(or)}`
    }
    case 23: {
      const readAt = u16Field(c, 'read starting address')
      const readQ = quantity(c, 125, 'quantity to read')
      const writeAt = u16Field(c, 'write starting address')
      const writeQ = quantity(c, 121, 'quantity to write')
      byteCount(c, writeQ * 2)
      const values = registers(c, writeQ, writeAt)
      return `read at ${readAt} ×${readQ}, write at ${writeAt} ← ${list(values)}`
    }
    case 8: {
      const sub = subFunction(c)
      const data = registers(c, Math.floor(c.r.left / 2))
      return `${DIAGNOSTICS[sub] ?? `sub-function ${sub}`} ${list(data.map(hex16))}`
    }
    case 7:
    case 11:
    case 12:
    case 17:
      return ''
    case 20:
    case 21:
      return fileRecords(c, fn, 'request')
    case 24:
      return `at ${u16Field(c, 'FIFO pointer address')}`
    case 43: {
      const mei = meiType(c)
      if (mei !== 14) return rest(c)
      const at = c.r.pos
      const code = c.r.u8('the read device ID code')
      c.add(field('read device ID code', `${code} (${DEVICE_ID_CODES[code] ?? 'unknown'})`, at, 1))
      const object = c.r.u8('the object id')
      c.add(field('object id', `${object} (${DEVICE_OBJECTS[object] ?? 'private'})`, at + 1, 1))
      return `${DEVICE_ID_CODES[code] ?? `code ${code}`} from object ${object}`
    }
    default:
      return rest(c)
  }
}

/** A response's body; the summary's part after `Name unit N`. */
export function describeResponse(fn: number, c: PduContext, req: ModbusRequestFacts | undefined): string {
  const asked = req && req.fn === fn ? req : undefined
  switch (fn) {
    case 1:
    case 2: {
      const n = byteCount(c, asked?.quantity !== undefined ? Math.ceil(asked.quantity / 8) : undefined)
      return `→ ${list(bits(c, n, asked?.quantity, asked?.address, coilName(fn)))}`
    }
    case 3:
    case 4:
    case 23: {
      const n = byteCount(c)
      if (n % 2) throw new ModbusFault(`the byte count ${n} is odd, where registers are two bytes each`)
      const start = fn === 23 ? undefined : asked?.address
      return `→ ${list(registers(c, n / 2, start))}`
    }
    case 5:
    case 6:
    case 22:
      return `${describeRequest(fn, c).replace('←', '=')}`
    case 15:
    case 16: {
      const address = u16Field(c, 'starting address')
      return `at ${address} ×${u16Field(c, 'quantity')} written`
    }
    case 7: {
      const at = c.r.pos
      const v = c.r.u8('the output data')
      c.add(field('output data', `0x${v.toString(16).padStart(2, '0')}`, at, 1))
      return `→ 0x${v.toString(16).padStart(2, '0')}`
    }
    case 8:
      return describeRequest(8, c)
    case 11: {
      const status = u16Field(c, 'status')
      return `→ ${u16Field(c, 'event count')} events${status === 0xffff ? ' (busy)' : ''}`
    }
    case 12: {
      const n = byteCount(c)
      if (n < 6) throw new ModbusFault(`the byte count ${n} is under the 6 a comm event log needs`)
      u16Field(c, 'status')
      const events = u16Field(c, 'event count')
      const messages = u16Field(c, 'message count')
      const at = c.r.take(n - 6, 'the events')
      c.add(field('events', shown(c.r.buf.subarray(at, at + n - 6)), at, n - 6))
      return `→ ${events} events, ${messages} messages`
    }
    case 17: {
      const n = byteCount(c)
      const at = c.r.take(n, 'the server ID')
      c.add(field('server ID and data', shown(c.r.buf.subarray(at, at + n)), at, n))
      return `→ ${n} bytes`
    }
    case 20:
    case 21:
      return fileRecords(c, fn, 'response')
    case 24: {
      const at = c.r.pos
      const bytes = c.r.u16('the byte count')
      c.add(field('byte count', String(bytes), at, 2))
      const count = u16Field(c, 'FIFO count')
      if (count > 31) throw new ModbusFault(`the FIFO count ${count} is over the specification's 31`)
      if (bytes !== 2 + count * 2) throw new ModbusFault(`the byte count is ${bytes}, where a FIFO of ${count} needs ${2 + count * 2}`)
      return `→ ${list(registers(c, count))}`
    }
    case 43: {
      const mei = meiType(c)
      if (mei !== 14) return rest(c)
      return deviceIdentification(c)
    }
    default:
      return rest(c)
  }
}

function subFunction(c: PduContext): number {
  const at = c.r.pos
  const sub = c.r.u16('the sub-function')
  c.add(field('sub-function', `${sub} (${DIAGNOSTICS[sub] ?? 'unknown'})`, at, 2))
  return sub
}

function meiType(c: PduContext): number {
  const at = c.r.pos
  const mei = c.r.u8('the MEI type')
  c.add(field('MEI type', `${mei}${mei === 14 ? ' (Read Device Identification)' : mei === 13 ? ' (CANopen General Reference)' : ''}`, at, 1))
  return mei
}

/** Whatever follows, as bytes: a function tcpscope does not decode further. */
function rest(c: PduContext): string {
  const at = c.r.pos
  const n = c.r.left
  c.r.pos = c.r.end
  if (n) c.add(field('data', shown(c.r.buf.subarray(at, at + n)), at, n))
  return n ? `(${n} data bytes)` : ''
}

function deviceIdentification(c: PduContext): string {
  let at = c.r.pos
  const code = c.r.u8('the read device ID code')
  c.add(field('read device ID code', `${code} (${DEVICE_ID_CODES[code] ?? 'unknown'})`, at, 1))
  at = c.r.pos
  const conformity = c.r.u8('the conformity level')
  c.add(field('conformity level', `0x${conformity.toString(16).padStart(2, '0')}`, at, 1))
  at = c.r.pos
  const more = c.r.u8('more follows')
  c.add(field('more follows', more ? `0x${more.toString(16)} (yes)` : '0 (no)', at, 1))
  at = c.r.pos
  const next = c.r.u8('the next object id')
  c.add(field('next object id', String(next), at, 1))
  at = c.r.pos
  const count = c.r.u8('the number of objects')
  c.add(field('number of objects', String(count), at, 1))
  const words: string[] = []
  for (let i = 0; i < count; i++) {
    const start = c.r.pos
    const id = c.r.u8('an object id')
    const length = c.r.u8("an object's length")
    const v = c.r.take(length, `object ${id}'s value`)
    const value = shown(c.r.buf.subarray(v, v + length))
    const name = DEVICE_OBJECTS[id] ?? `object ${id}`
    c.add(field(name, value, start, 2 + length))
    if (words.length < 4) words.push(`${name}=${value.length > 40 ? `${value.slice(0, 39)}…` : value}`)
  }
  return `→ ${words.join(', ')}${count > 4 ? ', …' : ''}${more ? ' (more follows)' : ''}`
}

/** Read and Write File Record: a byte count, then sub-requests or sub-responses. */
function fileRecords(c: PduContext, fn: number, side: 'request' | 'response'): string {
  const n = byteCount(c)
  const end = c.r.pos + n
  let i = 0
  const words: string[] = []
  while (c.r.pos < end) {
    const start = c.r.pos
    if (fn === 20 && side === 'response') {
      const length = c.r.u8("a sub-response's length")
      const ref = c.r.u8('the reference type')
      if (ref !== 6) throw new ModbusFault(`a file record's reference type is ${ref}, where it must be 6`)
      if (length < 1 || length % 2 === 0) throw new ModbusFault(`a file sub-response's length is ${length}, where it is 1 plus whole registers`)
      const values = registers(c, (length - 1) / 2)
      words.push(list(values))
    } else {
      const ref = c.r.u8('the reference type')
      if (ref !== 6) throw new ModbusFault(`a file record's reference type is ${ref}, where it must be 6`)
      const file = c.r.u16('the file number')
      const record = c.r.u16('the record number')
      const length = c.r.u16('the record length')
      c.add(field(`sub-${side} ${i}`, `file ${file} record ${record} ×${length}`, start, 7))
      if (fn === 21) registers(c, length)
      words.push(`file ${file} record ${record} ×${length}`)
    }
    i++
    if (c.r.pos > end) throw new ModbusFault(`the file records run past their byte count ${n}`)
  }
  return words.slice(0, 4).join(', ') + (i > 4 ? ', …' : '')
}
