// DNS over TCP as messages (RFC 1035 4.2.2, RFC 7766): each message after its two-byte
// length, queries and responses described with their questions and records, each response
// paired with its query by id (TCP lets a client pipeline queries and a server answer them
// out of order).
//
// `command` is the first question's type (`A`, `MX`), or the opcode for any but QUERY
// (`NOTIFY`, `UPDATE`), so `cmd:MX` finds MX lookups and their answers.

import type { Direction } from '../../../shared/capture-types'
import { MESSAGE_MAX_FIELDS } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec, MessageNote } from '../messages/message-codec'
import { field, FieldBudget, line, shown } from '../messages/field-values'
import { opcodeName, rcodeName, typeName } from './dns-names'
import { DnsReader, readMessage } from './dns-message'

const HEADER = 12
/** Queries waited on at most: ids are 16 bits, and a client that never hears back keeps no more. */
const MAX_WAITING = 4096

const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1]

/** The first question's type (or the opcode's name), read cheaply for the note. */
function commandOf(msg: Uint8Array): string | undefined {
  if (msg.length < 2 + HEADER) return undefined
  const opcode = (msg[4] >> 3) & 15
  if (opcode !== 0) return opcodeName(opcode)
  if (u16(msg, 6) === 0) return undefined
  try {
    const r = new DnsReader(msg.subarray(2), 2, HEADER)
    r.name()
    return typeName(r.u16('the question type'))
  } catch {
    return undefined
  }
}

class DnsConnection implements ConnectionCodec {
  private readonly waiting = new Map<number, number>()

  measure(_dir: Direction, buf: Uint8Array): Measure {
    if (buf.length < 2) return { need: 2 }
    const length = u16(buf, 0)
    if (length < HEADER) return { error: `a DNS message of ${length} bytes is shorter than its ${HEADER}-byte header`, length: 2 + length }
    return 2 + length
  }

  note(_dir: Direction, msg: Uint8Array, index: number): MessageNote {
    if (msg.length < 2 + HEADER) return {}
    const id = u16(msg, 2)
    const command = commandOf(msg)
    const note: MessageNote = command ? { command } : {}
    const response = (msg[4] & 0x80) !== 0
    if (!response) {
      this.waiting.delete(id)
      this.waiting.set(id, index)
      if (this.waiting.size > MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value as number)
    } else {
      const q = this.waiting.get(id)
      if (q !== undefined) {
        note.pair = q
        this.waiting.delete(id)
      }
    }
    return note
  }
}

export const dnsCodec: MessageCodec = {
  name: 'dns',
  refit: refitDns,
  open: () => new DnsConnection(),
  describe(_dir, msg, _note, length, complete): Described {
    if (msg.length < 2) return { summary: `incomplete DNS message (${msg.length} bytes)`, fields: [field('bytes', shown(msg), 0, msg.length)] }
    const declared = u16(msg, 0)
    const lengthField = field('length', String(declared), 0, 2)
    const budget = new FieldBudget(MESSAGE_MAX_FIELDS)
    const m = readMessage(msg.subarray(2, 2 + declared), 2, budget)
    const h = m.header
    const id = `0x${h.id.toString(16).padStart(4, '0')}`
    const q = m.questions[0]
    const question = q ? ` ${typeName(q.type)} ${q.name}` : ''
    const kind = h.opcode === 0 ? (h.qr ? 'Response' : 'Query') : `${opcodeName(h.opcode)}${h.qr ? ' response' : ''}`
    let summary = `${kind} ${id}`
    if (h.qr) {
      const n = h.counts[1]
      const first = m.answers[0]
      summary += ` ${rcodeName(h.rcode)}${question}${first?.data !== undefined ? ` → ${first.data.length > 80 ? `${first.data.slice(0, 79)}…` : first.data}` : ''} (${n} answer${n === 1 ? '' : 's'})${h.tc ? ' truncated' : ''}`
    } else summary += question + (h.counts[0] > 1 ? ` (+${h.counts[0] - 1} questions)` : '')
    let error = m.error
    if (error) summary = `${summary}: ${error}`
    if (!complete) {
      summary = `${summary} (incomplete: ${length} of ${2 + declared} bytes)`
      error = undefined
    }
    return { summary: line(summary), fields: [lengthField, ...m.fields], ...(budget.cut ? { fieldsCut: true } : {}), ...(error ? { error } : {}) }
  }
}

/**
 * A client's first bytes are a DNS query when they agree with themselves exactly: the length
 * holds one whole query (QR 0, opcode QUERY, one question, no answers or authority, at most
 * two additional records) that reads to its last byte. Anything less is false.
 */
export function recogniseDns(client: Uint8Array, server: Uint8Array): boolean | undefined {
  if (client.length === 0) return server.length > 0 ? false : undefined
  if (client.length < 2 + HEADER) return undefined
  const length = u16(client, 0)
  if (length < HEADER + 5) return false
  if ((client[4] & 0xf8) !== 0 || (client[5] & 0x0f) !== 0) return false
  if (u16(client, 6) !== 1 || u16(client, 8) !== 0 || u16(client, 10) !== 0 || u16(client, 12) > 2) return false
  if (client.length < 2 + length) return undefined
  const m = readMessage(client.subarray(2, 2 + length), 2, new FieldBudget(16))
  return m.error === undefined && m.questions.length === 1
}

/** An edited message with its two-byte TCP length prefix set to what follows it. */
function refitDns(_dir: Direction, edited: Uint8Array): Uint8Array | { error: string } {
  if (edited.length < 2) return { error: `the edit is ${edited.length} bytes, shorter than the two-byte length` }
  const n = edited.length - 2
  if (n > 0xffff) return { error: `${n} bytes do not fit DNS over TCP's two-byte length` }
  const out = new Uint8Array(edited)
  out[0] = n >> 8
  out[1] = n & 0xff
  return out
}
