// Test helpers: PostgreSQL v3 messages built by hand, as the "Message Formats" page lays them out.

export const cstr = (s: string): Uint8Array => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])])
export const i16 = (n: number): Uint8Array => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
export const i32 = (n: number): Uint8Array => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
export const byte = (c: string): Uint8Array => Buffer.from(c, 'latin1')
const join = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

/** A typed message: its type byte, an int32 length counting itself, the body. */
export const typed = (type: string, ...body: Uint8Array[]): Uint8Array => {
  const b = join(body)
  return join([byte(type), i32(b.length + 4), b])
}
/** An untyped startup-phase message: an int32 length counting itself, the body. */
export const untyped = (...body: Uint8Array[]): Uint8Array => {
  const b = join(body)
  return join([i32(b.length + 4), b])
}

export const startup = (params: Record<string, string>): Uint8Array => untyped(i32(196608), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), byte('\0'))
export const query = (sql: string): Uint8Array => typed('Q', cstr(sql))
export const ready = (s = 'I'): Uint8Array => typed('Z', byte(s))
export const authOk = (): Uint8Array => typed('R', i32(0))
/** RowDescription: each column [name, type oid], text format. */
export const rowDescription = (cols: Array<[string, number]>): Uint8Array => typed('T', i16(cols.length), ...cols.flatMap(([name, oid], i) => [cstr(name), i32(0), i16(i + 1), i32(oid), i16(-1), i32(-1), i16(0)]))
/** DataRow: each value as text, null for NULL. */
export const dataRow = (values: Array<string | null>): Uint8Array => typed('D', i16(values.length), ...values.flatMap((v) => (v === null ? [i32(-1)] : [i32(Buffer.byteLength(v)), Buffer.from(v)])))
export const commandComplete = (tag: string): Uint8Array => typed('C', cstr(tag))
export const errorResponse = (fields: Record<string, string>): Uint8Array => typed('E', ...Object.entries(fields).flatMap(([k, v]) => [byte(k), cstr(v)]), byte('\0'))
