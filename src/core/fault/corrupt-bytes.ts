// The corrupt toxic's bit flips. Not TCP-faithful: on a real link a flipped bit fails the
// segment's checksum and the segment is sent again, so an application never sees this. It
// is here to test what a parser does with bytes that are wrong (a proxy's or a device's bug,
// a broken middlebox), not to imitate a noisy wire.

/** A copy of `bytes` with each byte's one random bit flipped with chance `probability`; the original is left as it was recorded. */
export function corruptBytes(bytes: Buffer, probability: number): { out: Buffer; flips: number } {
  if (!(probability > 0) || bytes.length === 0) return { out: bytes, flips: 0 }
  const out = Buffer.from(bytes)
  let flips = 0
  if (probability >= 1) {
    for (let i = 0; i < out.length; i++) out[i] ^= 1 << ((Math.random() * 8) | 0)
    return { out, flips: out.length }
  }
  // The gap to the next flipped byte is geometric: one random draw per flip, not per byte.
  const logKeep = Math.log(1 - probability)
  for (let i = Math.floor(Math.log(1 - Math.random()) / logKeep); i < out.length; i += 1 + Math.floor(Math.log(1 - Math.random()) / logKeep)) {
    out[i] ^= 1 << ((Math.random() * 8) | 0)
    flips++
  }
  return { out, flips }
}
