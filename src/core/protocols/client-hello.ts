// Reads a TLS ClientHello from a client's first bytes: the name it asks for (SNI) and the
// protocols it offers (ALPN). Pure and safe on hostile input: the bytes may arrive in any
// number of TCP reads and the hello may span several TLS records, so it is called again
// with everything so far until it answers something other than `need-more` (HelloBytes
// gathers them). Every length is checked against what is there, and the whole hello is
// bounded (MAX_CLIENT_HELLO_BYTES): a client cannot make tcpscope buffer more than that
// before it decides.
//
// Used by the TLS-terminating proxy (tls-accept.ts), the forward proxy's tunnels, the
// pass-through sniff (hello-sniff.ts) and the decoders (tls-hello-reader.ts).

import type { TlsHello } from '../../shared/tls-types'
import { concatBytes, firstBytes } from '../../shared/concat-bytes'

/** The largest ClientHello message read (its body); real ones are 200 B to 2 KiB (post-quantum key shares included). */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024

/**
 * The most bytes a caller buffers waiting: `need-more` is never the answer for this many.
 * Room for the largest hello in records of any size, and one more record's worth.
 */
export const MAX_CLIENT_HELLO_WIRE_BYTES = 40 * 1024

const RECORD_HEADER = 5
const HANDSHAKE_HEADER = 4
const CONTENT_HANDSHAKE = 0x16
const HANDSHAKE_CLIENT_HELLO = 1
/** TLSPlaintext.length's limit (RFC 8446 5.1). */
const MAX_RECORD_PAYLOAD = 16 * 1024
const EXT_SERVER_NAME = 0
const EXT_ALPN = 16
const SNI_HOST_NAME = 0

export type ClientHelloRead =
  /** Not enough bytes yet to decide. */
  | { state: 'need-more' }
  /** The bytes do not start with a TLS handshake record: some other protocol. */
  | { state: 'not-tls' }
  /** They start like TLS but are not a well-formed ClientHello; `reason` is one line. */
  | { state: 'bad'; reason: string }
  /** A whole ClientHello; `length`: the bytes of `buf` up to the end of the record that completed it. */
  | { state: 'hello'; sni?: string; alpn?: string[]; length: number }

/** What a read hello asked for, without the fields it left out. */
export function helloOf(read: { sni?: string; alpn?: string[] }): TlsHello {
  const hello: TlsHello = {}
  if (read.sni !== undefined) hello.sni = read.sni
  if (read.alpn !== undefined) hello.alpn = read.alpn
  return hello
}

/**
 * A client's first bytes, gathered chunk by chunk until they say whether they are a
 * ClientHello: the one loop every reader of hellos runs. `join` makes one array of the
 * chunks (Buffer.concat for sockets' Buffers). Bounded without a check of its own:
 * readClientHello answers `bad` once MAX_CLIENT_HELLO_WIRE_BYTES came without a whole
 * hello, so no caller keeps more than that and one chunk.
 */
export class HelloBytes<B extends Uint8Array = Uint8Array> {
  private chunks: B[] = []
  /** How many bytes it holds. */
  length = 0

  constructor(private readonly join: (chunks: B[], length: number) => B) {}

  /** Adds the next chunk and reads everything so far. */
  push(chunk: B): ClientHelloRead {
    this.chunks.push(chunk)
    this.length += chunk.length
    return readClientHello(this.bytes)
  }

  /** Every byte so far, in one array. */
  get bytes(): B {
    if (this.chunks.length !== 1) this.chunks = [this.join(this.chunks, this.length)]
    return this.chunks[0]
  }

  /** Every byte so far; it holds none after. */
  take(): B {
    const bytes = this.bytes
    this.chunks = []
    this.length = 0
    return bytes
  }
}

/** HelloBytes' `join` for plain Uint8Arrays. */
export const joinBytes = (chunks: Uint8Array[]): Uint8Array => concatBytes(chunks)

class Bad extends Error {}

/** What `buf` (a client's first bytes, all of them so far) holds. Never throws. */
export function readClientHello(buf: Uint8Array): ClientHelloRead {
  if (buf.length === 0) return { state: 'need-more' }
  if (buf[0] !== CONTENT_HANDSHAKE) return { state: 'not-tls' }
  if (buf.length < 2) return { state: 'need-more' }
  // Record versions 3.0 to 3.4 (TLS 1.3 records say 3.1 or 3.3; anything 3.x passes).
  if (buf[1] !== 0x03) return { state: 'not-tls' }
  try {
    return readRecords(buf)
  } catch (err) {
    if (err instanceof Bad) return { state: 'bad', reason: err.message }
    return { state: 'bad', reason: `unreadable ClientHello (${err instanceof Error ? err.message : String(err)})` }
  }
}

/** Joins the handshake records' payloads until the ClientHello message is whole. */
function readRecords(buf: Uint8Array): ClientHelloRead {
  const pieces: Uint8Array[] = []
  let have = 0
  let at = 0
  /** The handshake message's total size (header included), once its header is in. */
  let need = -1
  for (;;) {
    if (buf.length - at < RECORD_HEADER) return needMore(buf)
    if (buf[at] !== CONTENT_HANDSHAKE) throw new Bad(`TLS record type ${buf[at]} inside the ClientHello (handshake records only)`)
    if (buf[at + 1] !== 0x03) throw new Bad(`TLS record version ${buf[at + 1]}.${buf[at + 2]} is not 3.x`)
    const len = (buf[at + 3] << 8) | buf[at + 4]
    if (len === 0) throw new Bad('empty TLS handshake record')
    if (len > MAX_RECORD_PAYLOAD) throw new Bad(`TLS record of ${len} bytes is over the 16384-byte limit`)
    const partial = buf.length - at - RECORD_HEADER < len
    pieces.push(buf.subarray(at + RECORD_HEADER, Math.min(buf.length, at + RECORD_HEADER + len)))
    // The message's header is checked as soon as it is in, whole record or not: a hello that
    // says it is too large is refused before anyone waits for it.
    if (need < 0 && have + pieces[pieces.length - 1].length >= HANDSHAKE_HEADER) need = messageSize(firstBytes(pieces, HANDSHAKE_HEADER))
    if (partial) return needMore(buf)
    have += len
    at += RECORD_HEADER + len
    if (need >= 0 && have >= need) {
      const message = firstBytes(pieces, need)
      return { state: 'hello', ...parseHello(message.subarray(HANDSHAKE_HEADER)), length: at }
    }
  }
}

/** Waiting is bounded too: a hello cut into tiny records cannot make a caller buffer without end. */
function needMore(buf: Uint8Array): ClientHelloRead {
  if (buf.length >= MAX_CLIENT_HELLO_WIRE_BYTES) throw new Bad(`no whole ClientHello in the first ${MAX_CLIENT_HELLO_WIRE_BYTES} bytes`)
  return { state: 'need-more' }
}

/** The handshake message's size, header included, from its header. */
function messageSize(head: Uint8Array): number {
  if (head[0] !== HANDSHAKE_CLIENT_HELLO) throw new Bad(`the first TLS handshake message is type ${head[0]}, not a ClientHello`)
  const body = (head[1] << 16) | (head[2] << 8) | head[3]
  if (body > MAX_CLIENT_HELLO_BYTES) throw new Bad(`ClientHello of ${body + HANDSHAKE_HEADER} bytes is over the ${MAX_CLIENT_HELLO_BYTES}-byte limit`)
  return HANDSHAKE_HEADER + body
}

/** A bounds-checked cursor over one vector of the hello. */
class Reader {
  constructor(
    private readonly b: Uint8Array,
    private at = 0,
    private readonly end = b.length
  ) {}

  get left(): number {
    return this.end - this.at
  }

  private need(n: number, what: string): void {
    if (this.end - this.at < n) throw new Bad(`ClientHello cut short in its ${what}`)
  }

  u8(what: string): number {
    this.need(1, what)
    return this.b[this.at++]
  }

  u16(what: string): number {
    this.need(2, what)
    const v = (this.b[this.at] << 8) | this.b[this.at + 1]
    this.at += 2
    return v
  }

  skip(n: number, what: string): void {
    this.need(n, what)
    this.at += n
  }

  /** The next `n` bytes as a Reader of their own. */
  sub(n: number, what: string): Reader {
    this.need(n, what)
    const r = new Reader(this.b, this.at, this.at + n)
    this.at += n
    return r
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what)
    const v = this.b.subarray(this.at, this.at + n)
    this.at += n
    return v
  }
}

function parseHello(body: Uint8Array): { sni?: string; alpn?: string[] } {
  const r = new Reader(body)
  r.skip(2, 'version')
  r.skip(32, 'random')
  const sessionId = r.u8('session id')
  if (sessionId > 32) throw new Bad(`ClientHello session id of ${sessionId} bytes (at most 32)`)
  r.skip(sessionId, 'session id')
  const suites = r.u16('cipher suites')
  if (suites < 2 || suites % 2 !== 0) throw new Bad(`ClientHello cipher suite list of ${suites} bytes`)
  r.skip(suites, 'cipher suites')
  const compression = r.u8('compression methods')
  if (compression < 1) throw new Bad('ClientHello offers no compression method')
  r.skip(compression, 'compression methods')
  // Extensions are optional (SSL 3.0-style hellos end here).
  if (r.left === 0) return {}
  const ext = r.sub(r.u16('extensions'), 'extensions')
  if (r.left !== 0) throw new Bad(`${r.left} stray bytes after the ClientHello's extensions`)
  const seen = new Set<number>()
  const out: { sni?: string; alpn?: string[] } = {}
  while (ext.left > 0) {
    const type = ext.u16('extension type')
    const data = ext.sub(ext.u16('extension length'), 'extension data')
    if (seen.has(type)) throw new Bad(`ClientHello repeats extension ${type}`)
    seen.add(type)
    if (type === EXT_SERVER_NAME) {
      const sni = readServerName(data)
      if (sni !== undefined) out.sni = sni
    } else if (type === EXT_ALPN) out.alpn = readAlpn(data)
  }
  return out
}

/** RFC 6066 3: the host_name entry (other name types are skipped; no server asks for them). */
function readServerName(data: Reader): string | undefined {
  // A server's ServerHello echoes an empty server_name; a client's is never empty, but tolerate it.
  if (data.left === 0) return undefined
  const list = data.sub(data.u16('server name list'), 'server name list')
  let name: string | undefined
  while (list.left > 0) {
    const type = list.u8('server name type')
    const len = list.u16('server name')
    const bytes = list.bytes(len, 'server name')
    if (type !== SNI_HOST_NAME) continue
    if (name !== undefined) throw new Bad('ClientHello names two host names (SNI)')
    if (len === 0 || len > 255) throw new Bad(`ClientHello SNI of ${len} bytes (1 to 255)`)
    for (const c of bytes) {
      // A DNS name in ASCII (IDNs travel as punycode): letters, digits, '-', '.', '_'.
      const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f
      if (!ok) throw new Bad(`ClientHello SNI holds byte 0x${c.toString(16).padStart(2, '0')}, not a host name character`)
    }
    name = String.fromCharCode(...bytes)
  }
  if (data.left !== 0) throw new Bad('stray bytes after the ClientHello SNI list')
  return name
}

/** RFC 7301 3.1: the protocol ids offered, in order. */
function readAlpn(data: Reader): string[] {
  const list = data.sub(data.u16('ALPN list'), 'ALPN list')
  if (data.left !== 0) throw new Bad('stray bytes after the ClientHello ALPN list')
  const out: string[] = []
  while (list.left > 0) {
    const len = list.u8('ALPN protocol')
    if (len === 0) throw new Bad('ClientHello offers an empty ALPN protocol id')
    out.push(String.fromCharCode(...list.bytes(len, 'ALPN protocol')))
  }
  if (out.length === 0) throw new Bad('ClientHello has an empty ALPN list')
  return out
}
