// Test helpers: MySQL/MariaDB packets built by hand, as the protocol's documentation lays them out.

const b = (...parts: Array<Uint8Array | number[] | string>): Uint8Array =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p as Uint8Array)))))
export const le = (n: number, size: number): number[] => Array.from({ length: size }, (_, i) => Math.floor(n / 256 ** i) % 256)
export const cstr = (s: string): Uint8Array => b(s, [0])
export const lenenc = (n: number): number[] => (n < 0xfb ? [n] : n < 0x10000 ? [0xfc, ...le(n, 2)] : n < 0x1000000 ? [0xfd, ...le(n, 3)] : [0xfe, ...le(n, 8)])
export const lstr = (s: string | Uint8Array): Uint8Array => {
  const v = typeof s === 'string' ? Buffer.from(s) : s
  return b(lenenc(v.length), v)
}
export const packet = (seq: number, ...payload: Array<Uint8Array | number[] | string>): Uint8Array => {
  const p = b(...payload)
  return b(le(p.length, 3), [seq], p)
}

export const CAPS = {
  LONG_PASSWORD: 1,
  CONNECT_WITH_DB: 8,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_RESULTS: 0x20000,
  PLUGIN_AUTH: 0x80000,
  PLUGIN_AUTH_LENENC: 0x200000,
  DEPRECATE_EOF: 0x1000000
}
export const BASE_CAPS = CAPS.LONG_PASSWORD | CAPS.CONNECT_WITH_DB | CAPS.PROTOCOL_41 | CAPS.TRANSACTIONS | CAPS.SECURE_CONNECTION | CAPS.MULTI_RESULTS | CAPS.PLUGIN_AUTH

/** Initial Handshake v10. */
export const greeting = (caps: number, version = '8.0.36', plugin = 'caching_sha2_password', id = 11): Uint8Array =>
  packet(0, [10], cstr(version), le(id, 4), 'abcdefgh', [0], le(caps & 0xffff, 2), [0xff], le(2, 2), le(caps >>> 16, 2), [21], new Array(10).fill(0), 'ijklmnopqrst', [0], cstr(plugin))

/** HandshakeResponse41 (auth data in one length byte). */
export const handshakeResponse = (caps: number, user: string, auth: Uint8Array, db?: string, plugin = 'caching_sha2_password'): Uint8Array =>
  packet(1, le(db === undefined ? caps & ~CAPS.CONNECT_WITH_DB : caps, 4), le(16777216, 4), [0xff], new Array(23).fill(0), cstr(user), [auth.length], auth, db !== undefined ? cstr(db) : [], cstr(plugin))

export const sslRequest = (caps: number): Uint8Array => packet(1, le(caps | CAPS.SSL, 4), le(16777216, 4), [0xff], new Array(23).fill(0))

export const ok = (seq: number, affected = 0, lastId = 0, status = 2, info = ''): Uint8Array => packet(seq, [0], lenenc(affected), lenenc(lastId), le(status, 2), le(0, 2), info)
export const eof = (seq: number, status = 2): Uint8Array => packet(seq, [0xfe], le(0, 2), le(status, 2))
export const err = (seq: number, code: number, state: string, message: string): Uint8Array => packet(seq, [0xff], le(code, 2), '#', state, message)
export const command = (code: number, ...args: Array<Uint8Array | number[] | string>): Uint8Array => packet(0, [code], ...args)
export const columnDef = (seq: number, name: string, type: number, flags = 0): Uint8Array =>
  packet(seq, lstr('def'), lstr('shop'), lstr('t'), lstr('t'), lstr(name), lstr(name), [0x0c], le(33, 2), le(255, 4), [type], le(flags, 2), [0], [0, 0])
/** A text row: each value a length-encoded string, NULL as 0xfb. */
export const textRow = (seq: number, values: Array<string | null>): Uint8Array => packet(seq, ...values.map((v) => (v === null ? [0xfb] : lstr(v))))
