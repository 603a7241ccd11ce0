// HTTP/2 frames made by hand for decoder tests: hostile ones (floods, bombs, absurd lengths)
// that no real peer would send, and the client preface.
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

export function frame(type: number, flags: number, stream: number, payload: Uint8Array | string, declared?: number): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload)
  const h = Buffer.alloc(9)
  h.writeUIntBE(declared ?? p.length, 0, 3)
  h[3] = type
  h[4] = flags
  h.writeUInt32BE(stream, 5)
  return Buffer.concat([h, p])
}

export const settings = (): Buffer => frame(4, 0, 0, Buffer.alloc(0))

/** An HPACK string literal, not Huffman-coded (lengths under 127 in one byte, longer with the 7-bit prefix integer). */
export function hpackString(s: string): Buffer {
  const b = Buffer.from(s, 'latin1')
  return Buffer.concat([hpackInt(b.length, 7, 0x00), b])
}

export function hpackInt(value: number, prefix: number, first: number): Buffer {
  const max = (1 << prefix) - 1
  if (value < max) return Buffer.from([first | value])
  const out = [first | max]
  let v = value - max
  while (v >= 128) {
    out.push((v & 0x7f) | 0x80)
    v >>= 7
  }
  out.push(v)
  return Buffer.from(out)
}

/** A literal header field with incremental indexing and a new name (added to the dynamic table). */
export const literalIndexed = (name: string, value: string): Buffer => Buffer.concat([Buffer.from([0x40]), hpackString(name), hpackString(value)])
/** A literal header field without indexing and a new name. */
export const literal = (name: string, value: string): Buffer => Buffer.concat([Buffer.from([0x00]), hpackString(name), hpackString(value)])

/** `:method: GET` (static 2), `:scheme: http` (static 6), `:path: /` (static 4), then `:authority`. */
export const getRoot = (): Buffer => Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), literal(':authority', 'example.test')])
