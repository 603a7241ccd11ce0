// Modbus TCP as messages: each ADU cut by its MBAP header (length 2 to 256, else an error),
// function codes and exceptions named, responses paired with their requests by transaction
// id and unit. A read response carries only a byte count, so the request's function, address
// and quantity are handed to describe as the note's context.
//
// `command` is `fn N Name` (`fn 3 Read Holding Registers`): `cmd:fn 3` and
// `cmd:Read Holding Registers` both find it. An exception response names the function it
// answers (`fn 1 Read Coils`), its summary says it is an exception.

import type { Direction } from '../../../shared/capture-types'
import { MESSAGE_MAX_FIELDS, type MessageField } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec, MessageNote } from '../messages/message-codec'
import { field, FieldBudget, line, shown } from '../messages/field-values'
import { exceptionName, functionName } from './modbus-names'
import { describeRequest, describeResponse, ModbusFault, PduReader, type ModbusRequestFacts } from './modbus-pdu'

export const MBAP_LENGTH = 7
/** The MBAP length field counts the unit id and the PDU: at least a function code, at most the 253-byte PDU (a little slack, as many devices allow). */
const MIN_LENGTH = 2
const MAX_LENGTH = 256
/** Requests waited on at most: a client that pipelines to a silent server keeps no more. */
const MAX_WAITING = 4096

const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1]

/** The command a message names, for `cmd:`. */
export const commandOf = (fn: number, mei?: number): string => `fn ${fn} ${functionName(fn, mei)}`

/** What a request asked for, read from fixed offsets (no fault: absent where its bytes are). */
function requestFacts(msg: Uint8Array): ModbusRequestFacts {
  const fn = msg[7]
  const facts: ModbusRequestFacts = { fn }
  if (msg.length >= 10 && fn !== 43 && fn !== 8 && fn !== 24) facts.address = u16(msg, 8)
  if (msg.length >= 12 && (fn <= 4 || fn === 15 || fn === 16 || fn === 23)) facts.quantity = u16(msg, 10)
  return facts
}

class ModbusConnection implements ConnectionCodec {
  private readonly waiting = new Map<number, { index: number; facts: ModbusRequestFacts }>()

  measure(_dir: Direction, buf: Uint8Array): Measure {
    if (buf.length < 6) return { need: 6 }
    const length = u16(buf, 4)
    if (length < MIN_LENGTH || length > MAX_LENGTH) return { error: `an MBAP header declares a length of ${length}, outside Modbus TCP's ${MIN_LENGTH} to ${MAX_LENGTH}` }
    return 6 + length
  }

  note(dir: Direction, msg: Uint8Array, index: number): MessageNote {
    if (msg.length < 8) return {}
    const key = u16(msg, 0) * 256 + msg[6]
    const fn = msg[7] & 0x7f
    const mei = fn === 43 && msg.length > 8 ? msg[8] : undefined
    const note: MessageNote = { command: commandOf(fn, mei) }
    if (dir === 'client') {
      this.waiting.delete(key)
      this.waiting.set(key, { index, facts: requestFacts(msg) })
      if (this.waiting.size > MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value as number)
      return note
    }
    const req = this.waiting.get(key)
    if (req) {
      this.waiting.delete(key)
      note.pair = req.index
      note.context = req.facts
    }
    return note
  }
}

const bytesField = (msg: Uint8Array): MessageField => field('bytes', shown(msg), 0, msg.length)

export const modbusCodec: MessageCodec = {
  name: 'modbus',
  refit: refitModbus,
  open: () => new ModbusConnection(),
  describe(dir, msg, note, length, complete): Described {
    if (msg.length < MBAP_LENGTH + 1) return { summary: `incomplete Modbus ADU (${msg.length} bytes)`, fields: [bytesField(msg)] }
    const tid = u16(msg, 0)
    const protocol = u16(msg, 2)
    const declared = u16(msg, 4)
    const unit = msg[6]
    const code = msg[7]
    const fn = code & 0x7f
    const fields: MessageField[] = [
      field('MBAP header', `transaction ${tid}, unit ${unit}`, 0, MBAP_LENGTH, [
        field('transaction identifier', String(tid), 0, 2),
        field('protocol identifier', `${protocol}${protocol === 0 ? ' (Modbus)' : ''}`, 2, 2),
        field('length', String(declared), 4, 2),
        field('unit identifier', String(unit), 6, 1)
      ])
    ]
    const budget = new FieldBudget(MESSAGE_MAX_FIELDS)
    const add = (f: MessageField): void => {
      if (budget.take()) fields.push(f)
    }
    const r = new PduReader(msg, 8, Math.min(msg.length, 6 + declared))
    const mei = fn === 43 && msg.length > 8 ? msg[8] : undefined
    const name = functionName(fn, mei)
    fields.push(field('function code', `${code} (${code & 0x80 ? `exception to ${name}` : name})`, 7, 1))
    let summary: string
    let error: string | undefined
    try {
      if (protocol !== 0) throw new ModbusFault(`the MBAP protocol identifier is ${protocol}, where Modbus's is 0`)
      if (fn === 0) throw new ModbusFault('function code 0 is not a Modbus function')
      if (code & 0x80) {
        // Function 43's exception keeps its MEI type before the code (the specification's 0xAB 0x0E code).
        if (fn === 43) fields.push(field('MEI type', String(r.u8('the MEI type')), 8, 1))
        const at = r.pos
        const ex = r.u8('the exception code')
        fields.push(field('exception code', `${ex} (${exceptionName(ex)})`, at, 1))
        summary = `Exception ${exceptionName(ex)} (${name}) unit ${unit}`
      } else {
        const c = { r, budget, add }
        const facts = note.context as ModbusRequestFacts | undefined
        const detail = dir === 'client' ? describeRequest(fn, c) : describeResponse(fn, c, facts)
        summary = `${name} unit ${unit}${detail ? ` ${detail}` : ''}`
      }
      if (r.left > 0) throw new ModbusFault(`${r.left} bytes follow the ${name}'s fields`)
    } catch (e) {
      error = e instanceof ModbusFault ? e.message : `the ${name} could not be read`
      summary = `${name} unit ${unit}: ${error}`
    }
    if (!complete) {
      summary = `${summary} (incomplete: ${length} of ${6 + declared} bytes)`
      error = undefined
    }
    return { summary: line(summary), fields, ...(budget.cut ? { fieldsCut: true } : {}), ...(error !== undefined ? { error } : {}) }
  }
}

/** PDU length each function's request has, given its first bytes (from the function code on); undefined for one not recognised. */
function requestPduLength(pdu: Uint8Array): number | undefined {
  const fn = pdu[0]
  const q = pdu.length >= 5 ? u16(pdu, 3) : -1
  switch (fn) {
    case 1:
    case 2:
      return q >= 1 && q <= 2000 ? 5 : undefined
    case 3:
    case 4:
      return q >= 1 && q <= 125 ? 5 : undefined
    case 5:
      return pdu.length >= 5 && (u16(pdu, 3) === 0xff00 || u16(pdu, 3) === 0) ? 5 : undefined
    case 6:
      return 5
    case 15:
      return q >= 1 && q <= 1968 && pdu[5] === Math.ceil(q / 8) ? 6 + pdu[5] : undefined
    case 16:
      return q >= 1 && q <= 123 && pdu[5] === q * 2 ? 6 + pdu[5] : undefined
    case 22:
      return 7
    case 23: {
      const wq = pdu.length >= 9 ? u16(pdu, 7) : -1
      return q >= 1 && q <= 125 && wq >= 1 && wq <= 121 && pdu[9] === wq * 2 ? 10 + pdu[9] : undefined
    }
    case 43:
      return pdu[1] === 14 && pdu[2] >= 1 && pdu[2] <= 4 ? 4 : undefined
    case 7:
    case 11:
    case 12:
    case 17:
      return 1
    case 8:
      return 5
    default:
      return undefined
  }
}

/**
 * A client's first message is Modbus TCP when its MBAP header agrees with itself exactly:
 * protocol 0, a known function whose request is just as long as the length says, with a
 * sensible quantity. Bytes alone are weak evidence, so anything less is false.
 */
export function recogniseModbus(client: Uint8Array, server: Uint8Array): boolean | undefined {
  if (server.length > 0 && client.length === 0) return false
  if (client.length === 0) return undefined
  if ((client.length > 2 && client[2] !== 0) || (client.length > 3 && client[3] !== 0)) return false
  if (client.length < 6) return undefined
  const length = u16(client, 4)
  if (length < MIN_LENGTH || length > 254) return false
  if (client.length < 6 + length) return undefined
  const pdu = client.subarray(7, 6 + length)
  return requestPduLength(pdu) === pdu.length
}

/** An edited ADU with its MBAP length set to what follows it (the unit id and the PDU); transaction and protocol ids kept. */
function refitModbus(_dir: Direction, edited: Uint8Array): Uint8Array | { error: string } {
  if (edited.length < 8) return { error: `the edit is ${edited.length} bytes, shorter than an MBAP header (7) and a function code` }
  const n = edited.length - 6
  if (n > 254) return { error: `${n} bytes after the MBAP length are over Modbus TCP's 254` }
  const out = new Uint8Array(edited)
  out[4] = n >> 8
  out[5] = n & 0xff
  return out
}
