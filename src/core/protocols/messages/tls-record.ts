// TLS records where a protocol switched to TLS midway (PostgreSQL's SSLRequest, MySQL's SSL
// request): cut by their 5-byte header and shown as opaque, but for the header and, on a
// handshake's first record, which hello it is.

import type { Described, Measure } from './message-codec'
import { uint } from './field-values'

/** TLS's largest record: 2^14 bytes of plaintext plus what protection adds (RFC 8446 §5.2). */
const MAX_TLS_RECORD = 16384 + 2048

const TLS_CONTENT: Record<number, string> = { 20: 'change_cipher_spec', 21: 'alert', 22: 'handshake', 23: 'application_data', 24: 'heartbeat' }
const TLS_HANDSHAKE: Record<number, string> = { 1: 'ClientHello', 2: 'ServerHello' }

/** A TLS record header's first two bytes: a content type and version major 3. */
export const isTlsStart = (buf: Uint8Array): boolean => buf[0] >= 20 && buf[0] <= 24 && buf[1] === 3

export function measureTls(buf: Uint8Array): Measure {
  if (buf.length < 5) return { need: 5 }
  if (!isTlsStart(buf)) return { error: `0x${buf[0].toString(16).padStart(2, '0')} begins no TLS record: cutting stops where TLS went astray` }
  const n = uint(buf, 3, 2)
  if (n > MAX_TLS_RECORD) return { error: `a TLS record declares ${n} bytes, over TLS's ${MAX_TLS_RECORD}` }
  return 5 + n
}

export function describeTlsRecord(msg: Uint8Array, length: number): Described {
  const kind = TLS_CONTENT[msg[0]] ?? String(msg[0])
  const hello = msg[0] === 22 && msg.length > 5 ? TLS_HANDSHAKE[msg[5]] : undefined
  return {
    summary: `TLS record: ${hello ?? kind} (${length} bytes, encrypted from here on)`,
    fields: [
      { name: 'content type', value: `${kind} (${msg[0]})`, offset: 0, length: 1 },
      { name: 'version', value: `${msg[1]}.${msg[2]}`, offset: 1, length: 2 },
      { name: 'length', value: msg.length >= 5 ? String(uint(msg, 3, 2)) : '?', offset: 3, length: 2 },
      { name: 'payload', value: `(${Math.max(0, length - 5)} bytes)`, offset: 5, length: Math.max(0, length - 5) }
    ]
  }
}
