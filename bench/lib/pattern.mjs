// The payload every bench client sends: a stream that repeats a pseudo-random unit whose
// length is a prime (65,521 bytes), so a dropped, duplicated or reordered chunk shows up
// as a content mismatch, not only as a wrong byte count. The receiver checks each chunk
// against REF at (stream position mod PERIOD) with one memcmp.

import { writeFileSync } from 'node:fs'

export const PERIOD = 65521
const REF_LEN = PERIOD * 40 // ~2.5 MiB: any chunk up to ~2.4 MiB fits without wrapping

function makeRef() {
  const ref = Buffer.allocUnsafe(REF_LEN)
  let x = 0x2545f491
  for (let i = 0; i < PERIOD; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    ref[i] = x & 0xff
  }
  for (let off = PERIOD; off < REF_LEN; off += PERIOD) ref.copy(ref, off, 0, PERIOD)
  return ref
}

export const REF = makeRef()

/** What bulk clients write, over and over: 16 whole periods (1,048,336 bytes, ~1 MiB). */
export const BULK_CHUNK = REF.subarray(0, PERIOD * 16)

/** `len` bytes of the stream starting at stream position `pos` (len <= ~2.4 MiB). */
export function slice(pos, len) {
  const off = pos % PERIOD
  return REF.subarray(off, off + len)
}

/** Tracks one received stream and checks it chunk by chunk. */
export class StreamChecker {
  pos = 0
  bad = 0 // number of chunks that did not match
  firstBadAt = -1
  check(chunk) {
    let i = 0
    while (i < chunk.length) {
      const off = (this.pos + i) % PERIOD
      const n = Math.min(chunk.length - i, REF_LEN - off)
      if (!chunk.subarray(i, i + n).equals(REF.subarray(off, off + n))) {
        if (this.bad++ === 0) this.firstBadAt = this.pos + i
      }
      i += n
    }
    this.pos += chunk.length
  }
}

/** A file of the stream's first `size` bytes (what a server serves for a client to check with StreamChecker). */
export function writePatternFile(path, size) {
  const piece = 32 * PERIOD // about 2 MiB; each piece starts where the last ended
  const parts = []
  for (let at = 0; at < size; at += piece) parts.push(slice(at, Math.min(piece, size - at)))
  writeFileSync(path, Buffer.concat(parts))
}
