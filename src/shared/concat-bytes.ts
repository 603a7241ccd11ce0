// Byte arrays joined into one: for code that runs where Buffer.concat does not (the page,
// the decoders).

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * The first `max` bytes of `parts` (all of them when fewer) in one array: a view of the
 * first part when it holds them, as a request that came whole does, else a copy.
 */
export function firstBytes(parts: readonly Uint8Array[], max: number): Uint8Array {
  if (parts.length === 0) return new Uint8Array(0)
  const first = parts[0]
  if (first.length >= max) return first.subarray(0, max)
  if (parts.length === 1) return first
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(Math.min(max, total))
  let at = 0
  for (const p of parts) {
    if (at >= out.length) break
    const take = Math.min(p.length, out.length - at)
    out.set(p.subarray(0, take), at)
    at += take
  }
  return out
}
