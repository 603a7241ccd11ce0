// Test helpers: DNS messages built by hand (RFC 1035 layout), names compressed as servers do,
// each framed with DNS over TCP's two-byte length.

export interface RecordSpec {
  name: string
  type: number
  cls?: number
  ttl?: number
  /** Writes the record data (its RDLENGTH is filled in after). */
  data?: (w: DnsWriter) => void
}

export class DnsWriter {
  readonly bytes: number[] = []
  private readonly names = new Map<string, number>()
  constructor(private readonly compress = true) {}
  u8(n: number): this {
    this.bytes.push(n & 0xff)
    return this
  }
  u16(n: number): this {
    return this.u8(n >> 8).u8(n)
  }
  u32(n: number): this {
    return this.u16(Math.floor(n / 65536)).u16(n & 0xffff)
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i])
    return this
  }
  name(n: string): this {
    const labels = n === '.' || n === '' ? [] : n.split('.')
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase()
      const at = this.names.get(suffix)
      if (this.compress && at !== undefined) return this.u16(0xc000 | at)
      if (this.bytes.length < 0x4000) this.names.set(suffix, this.bytes.length)
      const b = Buffer.from(labels[i])
      this.u8(b.length).raw(b)
    }
    return this.u8(0)
  }
  text(...strings: string[]): this {
    for (const s of strings) {
      const b = Buffer.from(s)
      this.u8(b.length).raw(b)
    }
    return this
  }
  ipv4(a: string): this {
    return this.raw(a.split('.').map(Number))
  }
  ipv6(a: string): this {
    const [head, tail] = a.split('::')
    const h = head ? head.split(':') : []
    const t = tail !== undefined ? (tail ? tail.split(':') : []) : []
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    for (const g of groups) this.u16(parseInt(g, 16))
    return this
  }
}

export interface MessageSpec {
  id: number
  /** The whole flags word (QR, opcode, AA, TC, RD, RA, rcode). */
  flags: number
  questions: Array<{ name: string; type: number; cls?: number }>
  answers?: RecordSpec[]
  authority?: RecordSpec[]
  additional?: RecordSpec[]
  compress?: boolean
}

/** A DNS message with its TCP length prefix. */
export function dnsMessage(m: MessageSpec): Uint8Array {
  const w = new DnsWriter(m.compress !== false)
  const sections = [m.answers ?? [], m.authority ?? [], m.additional ?? []]
  w.u16(m.id).u16(m.flags).u16(m.questions.length)
  for (const s of sections) w.u16(s.length)
  for (const q of m.questions) w.name(q.name).u16(q.type).u16(q.cls ?? 1)
  for (const s of sections) {
    for (const r of s) {
      w.name(r.name)
        .u16(r.type)
        .u16(r.cls ?? 1)
        .u32(r.ttl ?? 300)
      const lengthAt = w.bytes.length
      w.u16(0)
      r.data?.(w)
      const n = w.bytes.length - lengthAt - 2
      w.bytes[lengthAt] = n >> 8
      w.bytes[lengthAt + 1] = n & 0xff
    }
  }
  return Uint8Array.from([w.bytes.length >> 8, w.bytes.length & 0xff, ...w.bytes])
}

export const A = 1
export const NS = 2
export const CNAME = 5
export const SOA = 6
export const PTR = 12
export const MX = 15
export const TXT = 16
export const AAAA = 28
export const SRV = 33
export const OPT = 41

/** Flags: a recursive query; a recursive answer (QR, RD, RA) with an rcode. */
export const QUERY_RD = 0x0100
export const answerFlags = (rcode = 0): number => 0x8180 | rcode

/** The first question of a query (no compression, as clients send it): name and type. */
export function parseQuestion(dns: Uint8Array): { id: number; name: string; type: number } {
  const labels: string[] = []
  let at = 12
  while (dns[at] !== 0) {
    labels.push(Buffer.from(dns.subarray(at + 1, at + 1 + dns[at])).toString())
    at += 1 + dns[at]
  }
  return { id: (dns[0] << 8) | dns[1], name: labels.join('.'), type: (dns[at + 1] << 8) | dns[at + 2] }
}
