// SOCKS5 (RFC 1928) and its username/password method (RFC 1929), as bytes: the client's
// greeting, credentials and request read from whatever has come so far, and the server's
// answers built. Pure and safe on hostile input: every length is checked against what is
// there, nothing is buffered here, and a request that cannot be served says which reply
// code refuses it.

import { isIP } from 'node:net'
import type { PeerAddress } from '../../../shared/capture-types'

export const SOCKS5 = 0x05
const AUTH_VERSION = 0x01

/** Authentication methods (RFC 1928 3). */
export const METHOD_NONE = 0x00
export const METHOD_USER_PASS = 0x02
export const METHOD_NONE_ACCEPTABLE = 0xff

/** Reply codes (RFC 1928 6). */
export const REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08
} as const

const CMD_CONNECT = 0x01
const ATYP_IPV4 = 0x01
const ATYP_DOMAIN = 0x03
const ATYP_IPV6 = 0x04

/** What a read of the bytes so far found: not enough yet, a refusal, or the message and its length. */
export type Socks5Read<T> = { state: 'need-more' } | { state: 'bad'; reason: string; reply: number } | ({ state: 'ok'; length: number } & T)

const NEED_MORE = { state: 'need-more' } as const

/** The greeting: VER, NMETHODS, METHODS. */
export function readGreeting(b: Uint8Array): Socks5Read<{ methods: Uint8Array }> {
  if (b.length < 2) return NEED_MORE
  if (b[0] !== SOCKS5) return { state: 'bad', reason: `SOCKS version ${b[0]}, not 5`, reply: METHOD_NONE_ACCEPTABLE }
  const n = b[1]
  if (n === 0) return { state: 'bad', reason: 'the SOCKS5 greeting offers no authentication method', reply: METHOD_NONE_ACCEPTABLE }
  if (b.length < 2 + n) return NEED_MORE
  return { state: 'ok', methods: b.subarray(2, 2 + n), length: 2 + n }
}

/**
 * The method to answer with: username/password when credentials are required (or when the
 * client offers nothing else: any credentials then pass), else none; 0xFF when the client
 * offers neither.
 */
export function chooseMethod(methods: Uint8Array, authRequired: boolean): number {
  if (!authRequired && methods.includes(METHOD_NONE)) return METHOD_NONE
  if (methods.includes(METHOD_USER_PASS)) return METHOD_USER_PASS
  return METHOD_NONE_ACCEPTABLE
}

/** RFC 1929: VER=1, ULEN, UNAME, PLEN, PASSWD. */
export function readUserPass(b: Uint8Array): Socks5Read<{ user: Uint8Array; pass: Uint8Array }> {
  if (b.length < 2) return NEED_MORE
  if (b[0] !== AUTH_VERSION) return { state: 'bad', reason: `SOCKS5 username/password version ${b[0]}, not 1`, reply: 0x01 }
  const ulen = b[1]
  if (b.length < 2 + ulen + 1) return NEED_MORE
  const plen = b[2 + ulen]
  const end = 3 + ulen + plen
  if (b.length < end) return NEED_MORE
  return { state: 'ok', user: b.subarray(2, 2 + ulen), pass: b.subarray(3 + ulen, end), length: end }
}

/** The username/password status: 0 lets the client in, anything else turns it away (RFC 1929 2). */
export const authReply = (ok: boolean): Buffer => Buffer.from([AUTH_VERSION, ok ? 0x00 : 0x01])

export const methodReply = (method: number): Buffer => Buffer.from([SOCKS5, method])

/** A DNS name as a SOCKS5 client may send it: ASCII letters, digits, '-', '.', '_' (IDNs travel as punycode). */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,253}[A-Za-z0-9_.])?$/

/** The request: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT. Only CONNECT is served. */
export function readRequest(b: Uint8Array): Socks5Read<{ host: string; port: number }> {
  if (b.length < 5) return NEED_MORE
  if (b[0] !== SOCKS5) return { state: 'bad', reason: `SOCKS version ${b[0]} in the request, not 5`, reply: REPLY.generalFailure }
  const atyp = b[3]
  let host: string
  let at: number
  if (atyp === ATYP_IPV4) {
    if (b.length < 4 + 4 + 2) return NEED_MORE
    host = `${b[4]}.${b[5]}.${b[6]}.${b[7]}`
    at = 8
  } else if (atyp === ATYP_IPV6) {
    if (b.length < 4 + 16 + 2) return NEED_MORE
    host = ipv6Text(b.subarray(4, 20))
    at = 20
  } else if (atyp === ATYP_DOMAIN) {
    const len = b[4]
    if (b.length < 5 + len + 2) return NEED_MORE
    const name = String.fromCharCode(...b.subarray(5, 5 + len))
    if (!HOST_NAME.test(name)) return { state: 'bad', reason: `bad host name ${JSON.stringify(name.slice(0, 80))} in the SOCKS5 request`, reply: REPLY.hostUnreachable }
    host = name
    at = 5 + len
  } else {
    return { state: 'bad', reason: `SOCKS5 address type ${atyp} (1: IPv4, 3: name, 4: IPv6)`, reply: REPLY.addressTypeNotSupported }
  }
  const port = (b[at] << 8) | b[at + 1]
  const length = at + 2
  // The whole request is in before it is judged, so the reply never races bytes still coming.
  if (b[1] !== CMD_CONNECT) return { state: 'bad', reason: `SOCKS5 command ${b[1]} (only CONNECT, 1, is served)`, reply: REPLY.commandNotSupported }
  if (port === 0) return { state: 'bad', reason: 'SOCKS5 request for port 0', reply: REPLY.notAllowed }
  return { state: 'ok', host, port, length }
}

/** Sixteen bytes as an IPv6 address in its shortest text form (via the URL parser, which compresses it). */
function ipv6Text(b: Uint8Array): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16))
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}

/** The reply (RFC 1928 6): the code, then the address the proxy connected from (BND), or 0.0.0.0:0 when there is none. */
export function socksReply(code: number, bound?: PeerAddress): Buffer {
  const ip = bound !== undefined && 'address' in bound ? bound : undefined
  const address = ip?.address
  const port = ip?.port ?? 0
  const v = address === undefined ? 0 : isIP(address)
  let addr: Buffer
  if (v === 6) {
    addr = Buffer.alloc(17)
    addr[0] = ATYP_IPV6
    ipv6Bytes(address!).copy(addr, 1)
  } else {
    addr = Buffer.from([ATYP_IPV4, 0, 0, 0, 0])
    if (v === 4) address!.split('.').forEach((part: string, i: number) => (addr[1 + i] = Number(part)))
  }
  const out = Buffer.alloc(3 + addr.length + 2)
  out[0] = SOCKS5
  out[1] = code
  addr.copy(out, 3)
  out.writeUInt16BE(v === 0 ? 0 : port, 3 + addr.length)
  return out
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail = ''] = address.split('::')
  const parts = (s: string): string[] => (s === '' ? [] : s.split(':'))
  const h = parts(head)
  const t = parts(tail)
  // An IPv4-mapped tail (::ffff:1.2.3.4) is two groups.
  const last = t.length > 0 ? t : h
  const v4 = last.length > 0 && last[last.length - 1].includes('.') ? last.pop()!.split('.').map(Number) : undefined
  if (v4) last.push(((v4[0] << 8) | v4[1]).toString(16), ((v4[2] << 8) | v4[3]).toString(16))
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2))
  return out
}

/** The reply code for a connect that failed with `code` (net-errors.ts codes). */
export function replyFor(code: string): number {
  switch (code) {
    case 'ECONNREFUSED':
      return REPLY.connectionRefused
    case 'ENETUNREACH':
      return REPLY.networkUnreachable
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return REPLY.hostUnreachable
    default:
      return REPLY.generalFailure
  }
}
