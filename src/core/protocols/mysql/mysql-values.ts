// MySQL's length-encoded integers and strings (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_dt_integers.html),
// read within a packet's bytes: undefined where one runs past them, never a read beyond.

/** A length-encoded integer at `at`: its value (null for 0xfb, a row's NULL) and where it ends. */
export function readLenenc(p: Uint8Array, at: number): { value: number | null; end: number } | undefined {
  if (at >= p.length) return undefined
  const b = p[at]
  if (b < 0xfb) return { value: b, end: at + 1 }
  if (b === 0xfb) return { value: null, end: at + 1 }
  const size = b === 0xfc ? 2 : b === 0xfd ? 3 : b === 0xfe ? 8 : 0
  if (size === 0 || at + 1 + size > p.length) return undefined
  let v = 0
  for (let i = size - 1; i >= 0; i--) v = v * 256 + p[at + 1 + i]
  return { value: v, end: at + 1 + size }
}
