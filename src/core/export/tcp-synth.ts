// Packets as a sniffer would have seen them, made up from what the proxy recorded: an
// Ethernet frame holding an IPv4 or IPv6 header and a TCP segment, with correct checksums,
// each wrapped in a pcapng Enhanced Packet Block. One TcpFlow keeps both ends' sequence
// numbers, so a capture's bytes, FINs and resets come out as a consistent TCP conversation.

import { isIPv4, isIPv6 } from 'node:net'

export const TCP_FIN = 0x01
export const TCP_SYN = 0x02
export const TCP_RST = 0x04
export const TCP_PSH = 0x08
export const TCP_ACK = 0x10

const ETH_HEADER = 14
const IPV4_HEADER = 20
const IPV6_HEADER = 40
const TCP_HEADER = 20
/** MSS (4 bytes), NOP, window scale (3): what a SYN carries so a 64 KiB segment fits the window. */
const SYN_OPTIONS = Buffer.from([2, 4, 0xff, 0xd7, 1, 3, 3, 7])
const WINDOW = 0xffff
const EPB_HEADER = 28

/** One end of a flow: its address (4 or 16 bytes), port and made-up MAC. */
export interface FlowEnd {
  ip: Buffer
  port: number
  mac: Buffer
}

/** The bytes of an IPv4 or IPv6 address text; undefined when it is neither. */
export function ipBytes(text: string): Buffer | undefined {
  const address = text.startsWith('::ffff:') && isIPv4(text.slice(7)) ? text.slice(7) : text
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number))
  if (!isIPv6(address)) return undefined
  const zone = address.indexOf('%')
  const plain = zone < 0 ? address : address.slice(0, zone)
  const [head, tail] = plain.includes('::') ? plain.split('::') : [plain, undefined]
  const words = (s: string): string[] => (s === '' ? [] : s.split(':'))
  const expand = (parts: string[]): number[] =>
    parts.flatMap((p) => {
      if (p.includes('.')) {
        const v4 = p.split('.').map(Number)
        return [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]]
      }
      return [parseInt(p, 16)]
    })
  const front = expand(words(head))
  const back = tail === undefined ? [] : expand(words(tail))
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
  const b = Buffer.alloc(16)
  all.forEach((w, i) => b.writeUInt16BE(w & 0xffff, i * 2))
  return b
}

/** A 4-byte address as IPv4-mapped IPv6, for a flow whose other end is IPv6. */
export const mappedV6 = (ip: Buffer): Buffer => (ip.length === 16 ? ip : Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), ip]))

/** The ones'-complement sum of `b` as 16-bit big-endian words, added to `sum` (not folded). */
function onesSum(b: Uint8Array, start: number, end: number, sum: number): number {
  let i = start
  for (; i + 1 < end; i += 2) sum += (b[i] << 8) | b[i + 1]
  if (i < end) sum += b[i] << 8
  // Fold now and then so the sum stays an exact integer however long the buffer.
  return (sum & 0xffff) + Math.floor(sum / 0x10000)
}

const fold = (sum: number): number => {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/** Time in microseconds since the epoch. */
export type Micros = number

/**
 * One TCP connection between two ends (a = the one that opened it), packets written as
 * pcapng blocks. Sequence numbers start at made-up ISNs; `sent` counts each side's bytes.
 */
export class TcpFlow {
  private readonly next: [number, number]
  private readonly ipId: [number, number] = [1, 1]
  private readonly v6: boolean

  constructor(
    private readonly a: FlowEnd,
    private readonly b: FlowEnd,
    isnA: number,
    isnB: number,
    private readonly emit: (block: Buffer) => void
  ) {
    this.v6 = a.ip.length === 16 || b.ip.length === 16
    if (this.v6) {
      this.a = { ...a, ip: mappedV6(a.ip) }
      this.b = { ...b, ip: mappedV6(b.ip) }
    }
    this.next = [isnA >>> 0, isnB >>> 0]
  }

  /** The largest payload one segment carries: IPv4's total length (and IPv6's payload length) is 16 bits. */
  get maxPayload(): number {
    return 0xffff - (this.v6 ? 0 : IPV4_HEADER) - TCP_HEADER
  }

  handshake(at: Micros): void {
    this.segment(0, at, TCP_SYN, new Uint8Array(0), SYN_OPTIONS, false)
    this.segment(1, at, TCP_SYN | TCP_ACK, new Uint8Array(0), SYN_OPTIONS)
    this.segment(0, at, TCP_ACK, new Uint8Array(0))
  }

  /** Bytes `side` (0: a, 1: b) sent, in segments of at most maxPayload (the caller cuts them). */
  data(side: 0 | 1, at: Micros, bytes: Uint8Array): void {
    this.segment(side, at, TCP_PSH | TCP_ACK, bytes)
  }

  /**
   * `n` bytes `side` sent that the capture did not keep (a gap): no packet, but the sequence
   * numbers go on past them, so a reader sees what Wireshark calls a previous segment not captured.
   */
  notCaptured(side: 0 | 1, n: number): void {
    this.next[side] = (this.next[side] + n) >>> 0
  }

  fin(side: 0 | 1, at: Micros): void {
    this.segment(side, at, TCP_FIN | TCP_ACK, new Uint8Array(0))
  }

  /** The other side acknowledges everything so far (after a FIN: what a stack answers). */
  ack(side: 0 | 1, at: Micros): void {
    this.segment(side, at, TCP_ACK, new Uint8Array(0))
  }

  reset(side: 0 | 1, at: Micros): void {
    this.segment(side, at, TCP_RST | TCP_ACK, new Uint8Array(0))
  }

  private segment(side: 0 | 1, at: Micros, flags: number, payload: Uint8Array, options: Buffer = Buffer.alloc(0), withAck = true): void {
    const from = side === 0 ? this.a : this.b
    const to = side === 0 ? this.b : this.a
    const ipHeader = this.v6 ? IPV6_HEADER : IPV4_HEADER
    const tcpLength = TCP_HEADER + options.length + payload.length
    const frameLength = ETH_HEADER + ipHeader + tcpLength
    const padded = (frameLength + 3) & ~3
    const block = Buffer.alloc(EPB_HEADER + padded + 4)

    block.writeUInt32LE(6, 0)
    block.writeUInt32LE(block.length, 4)
    block.writeUInt32LE(0, 8)
    block.writeUInt32LE(Math.floor(at / 0x100000000), 12)
    block.writeUInt32LE(at % 0x100000000 >>> 0, 16)
    block.writeUInt32LE(frameLength, 20)
    block.writeUInt32LE(frameLength, 24)
    block.writeUInt32LE(block.length, block.length - 4)

    let p = EPB_HEADER
    to.mac.copy(block, p)
    from.mac.copy(block, p + 6)
    block.writeUInt16BE(this.v6 ? 0x86dd : 0x0800, p + 12)
    p += ETH_HEADER

    if (this.v6) {
      block.writeUInt32BE(0x60000000, p)
      block.writeUInt16BE(tcpLength, p + 4)
      block[p + 6] = 6
      block[p + 7] = 64
      from.ip.copy(block, p + 8)
      to.ip.copy(block, p + 24)
    } else {
      block[p] = 0x45
      block.writeUInt16BE(ipHeader + tcpLength, p + 2)
      block.writeUInt16BE(this.ipId[side]++ & 0xffff, p + 4)
      block.writeUInt16BE(0x4000, p + 6)
      block[p + 8] = 64
      block[p + 9] = 6
      from.ip.copy(block, p + 12)
      to.ip.copy(block, p + 16)
      block.writeUInt16BE(fold(onesSum(block, p, p + IPV4_HEADER, 0)), p + 10)
    }
    p += ipHeader

    const tcp = p
    block.writeUInt16BE(from.port, p)
    block.writeUInt16BE(to.port, p + 2)
    block.writeUInt32BE(this.next[side], p + 4)
    block.writeUInt32BE(withAck ? this.next[1 - side] : 0, p + 8)
    block[p + 12] = ((TCP_HEADER + options.length) / 4) << 4
    block[p + 13] = flags
    block.writeUInt16BE(WINDOW, p + 14)
    options.copy(block, p + TCP_HEADER)
    block.set(payload, p + TCP_HEADER + options.length)

    // The pseudo-header: addresses, protocol and TCP length.
    let sum = onesSum(from.ip, 0, from.ip.length, 0)
    sum = onesSum(to.ip, 0, to.ip.length, sum)
    sum += 6 + tcpLength
    sum = onesSum(block, tcp, tcp + tcpLength, sum)
    block.writeUInt16BE(fold(sum), tcp + 16)

    this.next[side] = (this.next[side] + payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0
    this.emit(block)
  }
}
