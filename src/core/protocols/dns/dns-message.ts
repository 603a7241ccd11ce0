// One DNS message read from bytes (RFC 1035 section 4): the header, the questions, and the
// answer, authority and additional records with their data decoded for the common types.
// Names follow compression pointers only backwards (a pointer forward or to itself could
// loop) and at most MAX_POINTERS of them, so a hostile message is an error, never a hang.
// Every field keeps its byte range in the message; a read past the end throws DnsFault.

import type { MessageField } from '../../../shared/message-types'
import { field, hexOf, textOf, type FieldBudget } from '../messages/field-values'
import { className, EDNS_OPTIONS, opcodeName, rcodeName, typeName } from './dns-names'

export class DnsFault extends Error {}

/** Compression pointers one name may follow (a 255-byte name has at most 127 labels). */
const MAX_POINTERS = 64
const MAX_NAME = 255

export interface DnsHeader {
  id: number
  qr: boolean
  opcode: number
  aa: boolean
  tc: boolean
  rd: boolean
  ra: boolean
  rcode: number
  counts: [number, number, number, number]
}

export interface DnsRecord {
  name: string
  type: number
  cls: number
  /** Its data as one line (`93.184.216.34`, `10 mail.example.com`). */
  data?: string
}

export interface ReadMessage {
  header: DnsHeader
  questions: DnsRecord[]
  answers: DnsRecord[]
  fields: MessageField[]
  /** Where reading stopped, and why if it stopped early. */
  end: number
  error?: string
}

export class DnsReader {
  /** `buf` is the DNS message (compression offsets count from its first byte); `base` is where it sits in the framed message, for field ranges. */
  constructor(
    readonly buf: Uint8Array,
    readonly base: number,
    public pos = 0
  ) {}
  get left(): number {
    return this.buf.length - this.pos
  }
  take(n: number, what: string): number {
    if (this.pos + n > this.buf.length) throw new DnsFault(`${what} runs past the message's end (${n} bytes wanted, ${Math.max(0, this.left)} left)`)
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
  /** A name at the cursor, compression followed; the cursor moves past its bytes here. */
  name(what = 'a name'): string {
    const labels: string[] = []
    let at = this.pos
    let jumped = false
    let pointers = 0
    let length = 0
    for (;;) {
      if (at >= this.buf.length) throw new DnsFault(`${what} runs past the message's end`)
      const len = this.buf[at]
      if ((len & 0xc0) === 0xc0) {
        if (at + 1 >= this.buf.length) throw new DnsFault(`${what}'s compression pointer runs past the message's end`)
        const target = ((len & 0x3f) << 8) | this.buf[at + 1]
        if (target >= at) throw new DnsFault(`a compression pointer at byte ${at} points to byte ${target}, not before itself: names could loop`)
        if (++pointers > MAX_POINTERS) throw new DnsFault(`${what} follows more than ${MAX_POINTERS} compression pointers`)
        if (!jumped) this.pos = at + 2
        jumped = true
        at = target
        continue
      }
      if (len & 0xc0) throw new DnsFault(`${what} has a label type 0x${(len & 0xc0).toString(16)} that DNS no longer uses`)
      if (len === 0) {
        if (!jumped) this.pos = at + 1
        return labels.length ? labels.join('.') : '.'
      }
      if (at + 1 + len > this.buf.length) throw new DnsFault(`a label of ${what} runs past the message's end`)
      length += len + 1
      if (length > MAX_NAME) throw new DnsFault(`${what} is longer than DNS's ${MAX_NAME} bytes`)
      labels.push(textOf(this.buf.subarray(at + 1, at + 1 + len), 63).replace(/\./g, '\\.'))
      at += 1 + len
    }
  }
}

function ipv6(b: Uint8Array): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1])
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
}

/** A record's data as one line, read within its RDLENGTH; children for the parts of the structured ones. */
function readData(r: DnsReader, type: number, length: number, children: MessageField[]): string {
  const end = r.pos + length
  const sub = new DnsReader(r.buf.subarray(0, end), r.base, r.pos)
  const part = (name: string, value: string, at: number): void => void children.push(field(name, value, r.base + at, sub.pos - at))
  let data: string
  switch (type) {
    case 1: {
      const at = sub.take(4, 'an A address')
      data = Array.from(r.buf.subarray(at, at + 4)).join('.')
      break
    }
    case 28: {
      const at = sub.take(16, 'an AAAA address')
      data = ipv6(r.buf.subarray(at, at + 16))
      break
    }
    case 2:
    case 5:
    case 12:
    case 39:
      data = sub.name('the record data')
      break
    case 15: {
      let at = sub.pos
      const pref = sub.u16('the MX preference')
      part('preference', String(pref), at)
      at = sub.pos
      const host = sub.name('the MX exchange')
      part('exchange', host, at)
      data = `${pref} ${host}`
      break
    }
    case 16: {
      const strings: string[] = []
      while (sub.left > 0) {
        const at = sub.pos
        const n = sub.u8('a TXT string length')
        const s = sub.take(n, 'a TXT string')
        const text = JSON.stringify(textOf(r.buf.subarray(s, s + n), 255))
        part(`string ${strings.length}`, text, at)
        strings.push(text)
      }
      data = strings.join(' ')
      break
    }
    case 6: {
      const names = ['primary server', 'responsible mailbox']
      const values: string[] = []
      for (const n of names) {
        const at = sub.pos
        values.push(sub.name(`the SOA ${n}`))
        part(n, values[values.length - 1], at)
      }
      for (const n of ['serial', 'refresh', 'retry', 'expire', 'minimum']) {
        const at = sub.pos
        values.push(String(sub.u32(`the SOA ${n}`)))
        part(n, values[values.length - 1], at)
      }
      data = values.join(' ')
      break
    }
    case 33: {
      const values: string[] = []
      for (const n of ['priority', 'weight', 'port']) {
        const at = sub.pos
        values.push(String(sub.u16(`the SRV ${n}`)))
        part(n, values[values.length - 1], at)
      }
      const at = sub.pos
      values.push(sub.name('the SRV target'))
      part('target', values[3], at)
      data = values.join(' ')
      break
    }
    case 41: {
      const options: string[] = []
      while (sub.left > 0) {
        const at = sub.pos
        const code = sub.u16('an EDNS option code')
        const n = sub.u16('an EDNS option length')
        const d = sub.take(n, 'an EDNS option')
        const name = EDNS_OPTIONS[code] ?? `option ${code}`
        part(name, n ? hexOf(r.buf.subarray(d, d + n), 64) : '', at)
        options.push(name)
      }
      data = options.join(', ')
      break
    }
    default: {
      const at = sub.take(length, 'the record data')
      data = length ? `0x ${hexOf(r.buf.subarray(at, at + length), 64)}` : ''
    }
  }
  if (sub.pos !== end) throw new DnsFault(`a ${typeName(type)} record's data ends at byte ${sub.pos}, where its RDLENGTH says ${end}`)
  r.pos = end
  return data
}

const SECTIONS = ['question', 'answer', 'authority', 'additional'] as const

/** Reads the message's header and sections into fields; `budget` bounds the records listed. */
export function readMessage(buf: Uint8Array, base: number, budget: FieldBudget): ReadMessage {
  const r = new DnsReader(buf, base)
  const fields: MessageField[] = []
  const questions: DnsRecord[] = []
  const answers: DnsRecord[] = []
  const header: DnsHeader = { id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, rcode: 0, counts: [0, 0, 0, 0] }
  try {
    header.id = r.u16('the header')
    const flags = r.u16('the header')
    const counts = [r.u16('the header'), r.u16('the header'), r.u16('the header'), r.u16('the header')] as DnsHeader['counts']
    Object.assign(header, { qr: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 15, aa: (flags & 0x400) !== 0, tc: (flags & 0x200) !== 0, rd: (flags & 0x100) !== 0, ra: (flags & 0x80) !== 0, rcode: flags & 15, counts })
    const bit = (name: string, on: boolean): MessageField => field(name, on ? '1' : '0', base + 2, 2)
    fields.push(
      field('header', `id 0x${header.id.toString(16).padStart(4, '0')}`, base, 12, [
        field('id', `0x${header.id.toString(16).padStart(4, '0')}`, base, 2),
        field('flags', `0x${flags.toString(16).padStart(4, '0')}`, base + 2, 2, [
          field('QR', header.qr ? '1 (response)' : '0 (query)', base + 2, 2),
          field('opcode', `${header.opcode} (${opcodeName(header.opcode)})`, base + 2, 2),
          bit('AA', header.aa),
          bit('TC', header.tc),
          bit('RD', header.rd),
          bit('RA', header.ra),
          bit('AD', (flags & 0x20) !== 0),
          bit('CD', (flags & 0x10) !== 0),
          field('rcode', `${header.rcode} (${rcodeName(header.rcode)})`, base + 2, 2)
        ]),
        ...SECTIONS.map((s, i) => field(`${s} count`, String(counts[i]), base + 4 + i * 2, 2))
      ])
    )
    for (let s = 0; s < 4; s++) {
      const start = r.pos
      const children: MessageField[] = []
      for (let i = 0; i < header.counts[s]; i++) {
        const at = r.pos
        const name = r.name()
        const type = r.u16('a record type')
        const cls = r.u16('a record class')
        const rec: DnsRecord = { name, type, cls }
        const parts: MessageField[] = []
        let value = `${name} ${typeName(type)}`
        if (s === 0) {
          value += ` ${className(cls)}`
          questions.push(rec)
        } else {
          const ttl = r.u32('a record TTL')
          const length = r.u16('a record RDLENGTH')
          if (length > r.left) throw new DnsFault(`a ${typeName(type)} record's RDLENGTH ${length} runs past the message's end (${r.left} left)`)
          rec.data = readData(r, type, length, parts)
          value =
            type === 41
              ? `OPT udp payload ${cls}, extended rcode ${Math.floor(ttl / 0x1000000)}, version ${(ttl >> 16) & 0xff}${ttl & 0x8000 ? ', DO' : ''}${rec.data ? `, ${rec.data}` : ''}`
              : `${value} ${className(cls)} ttl ${ttl} ${rec.data}`
          if (s === 1) answers.push(rec)
        }
        if (budget.take()) children.push(field(`${SECTIONS[s]} ${i}`, value, base + at, r.pos - at, parts))
      }
      if (header.counts[s]) fields.push(field(`${SECTIONS[s]}s`, String(header.counts[s]), base + start, r.pos - start, children))
    }
    if (r.left > 0) throw new DnsFault(`${r.left} bytes follow the message's last record`)
    return { header, questions, answers, fields, end: r.pos }
  } catch (e) {
    return { header, questions, answers, fields, end: r.pos, error: e instanceof DnsFault ? e.message : 'the message could not be read' }
  }
}
