// Test helpers: MQTT control packets built by hand, as the specifications lay them out.

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

export function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)))
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0))
  let at = 0
  for (const a of arrays) {
    out.set(a, at)
    at += a.length
  }
  return out
}

export function varint(n: number): number[] {
  const out: number[] = []
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return out
}

export const u16 = (n: number): number[] => [n >> 8, n & 0xff]
export const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
/** A two-byte-length string or binary. */
export const str = (s: string | Uint8Array): Uint8Array => {
  const b = typeof s === 'string' ? enc(s) : s
  return concat(u16(b.length), b)
}

/** A fixed header (type and flags) and its body, with the Remaining Length computed. */
export const packet = (type: number, flags: number, ...body: Array<Uint8Array | number[]>): Uint8Array => {
  const b = concat(...body)
  return concat([(type << 4) | flags], varint(b.length), b)
}

/** MQTT 5 properties: each `[id, ...value bytes]`, prefixed with their length. */
export const props = (...each: Array<Uint8Array | number[]>): Uint8Array => {
  const b = concat(...each)
  return concat(varint(b.length), b)
}

export const userProperty = (k: string, v: string): Uint8Array => concat([0x26], str(k), str(v))

export function connect(opts: { level?: number; clientId?: string; keepAlive?: number; clean?: boolean; will?: { topic: string; payload: string; qos: number; retain?: boolean }; user?: string; password?: string; properties?: Uint8Array }): Uint8Array {
  const level = opts.level ?? 4
  let flags = opts.clean === false ? 0 : 2
  if (opts.will) flags |= 4 | (opts.will.qos << 3) | (opts.will.retain ? 0x20 : 0)
  if (opts.user !== undefined) flags |= 0x80
  if (opts.password !== undefined) flags |= 0x40
  const v5 = level >= 5
  return packet(
    1,
    0,
    str('MQTT'),
    [level, flags],
    u16(opts.keepAlive ?? 60),
    v5 ? (opts.properties ?? props()) : [],
    str(opts.clientId ?? 'client-id'),
    opts.will ? concat(v5 ? props() : [], str(opts.will.topic), str(opts.will.payload)) : [],
    opts.user !== undefined ? str(opts.user) : [],
    opts.password !== undefined ? str(opts.password) : []
  )
}
