// HPACK's Huffman code (RFC 7541 section 5.2 and Appendix B): decoding through a byte-at-a-time
// state machine, and encoding for the breakpoint edit.
//
// The code is canonical (within one length, codes rise with the symbol), so the bit lengths
// alone give every code; the table below is Appendix B's lengths for symbols 0-255 and EOS (256).
//
// Decoding walks the code tree eight bits at a time: a state is an inner node of the tree (256 of
// them, the root is 0), and TRANSITIONS[state << 8 | byte] says where that byte leads and the
// 0-2 symbols it completes (no code is under 5 bits, so a byte ends at most two). That is one
// lookup per input byte instead of eight branches; the 256 KiB table is built on first use, in a
// few milliseconds, so a worker that meets no HTTP/2 pays nothing.

// prettier-ignore
const LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30
]
const EOS = 256

/** Each symbol's code (right-aligned) and its length in bits, indexed by symbol (0-256). */
export const HUFFMAN_CODES: readonly number[] = canonicalCodes(LENGTHS)
export const HUFFMAN_LENGTHS: readonly number[] = LENGTHS

function canonicalCodes(lengths: number[]): number[] {
  const bySize = lengths.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym)
  const codes = new Array<number>(lengths.length)
  let code = 0
  let len = bySize[0].len
  for (const s of bySize) {
    code *= 2 ** (s.len - len)
    len = s.len
    codes[s.sym] = code
    code++
  }
  return codes
}

// A transition's fields, packed in one int: the next state, up to two symbols, how many, and
// whether the byte reached EOS (an error inside a string, RFC 7541 section 5.2).
const SYM1_SHIFT = 8
const SYM2_SHIFT = 16
const COUNT_SHIFT = 24
const FAIL = 1 << 26

let transitions: Uint32Array | undefined
/** States from which the bits read since the last symbol are valid padding: 0-7 ones. */
let accepting: Uint8Array | undefined

function buildTables(): Uint32Array {
  // The tree as arrays of children: >= 0 an inner node, < 0 the leaf of symbol -child - 1.
  const zero = new Int32Array(256)
  const one = new Int32Array(256)
  let nodes = 1
  for (let sym = 0; sym <= EOS; sym++) {
    let node = 0
    for (let bit = LENGTHS[sym] - 1; bit >= 0; bit--) {
      const side = Math.floor(HUFFMAN_CODES[sym] / 2 ** bit) & 1 ? one : zero
      if (bit === 0) side[node] = -sym - 1
      else {
        if (side[node] === 0) side[node] = nodes++
        node = side[node]
      }
    }
  }
  accepting = new Uint8Array(256)
  for (let node = 0, depth = 0; depth < 8 && node >= 0; depth++, node = one[node]) accepting[node] = 1

  const table = new Uint32Array(256 * 256)
  for (let state = 0; state < 256; state++) {
    for (let byte = 0; byte < 256; byte++) {
      let node = state
      let entry = 0
      let count = 0
      for (let bit = 7; bit >= 0; bit--) {
        node = (byte >> bit) & 1 ? one[node] : zero[node]
        if (node >= 0) continue
        const sym = -node - 1
        if (sym === EOS) {
          entry |= FAIL
          break
        }
        entry |= sym << (count === 0 ? SYM1_SHIFT : SYM2_SHIFT)
        count++
        node = 0
      }
      table[(state << 8) | byte] = (entry | (count << COUNT_SHIFT) | (node >= 0 ? node : 0)) >>> 0
    }
  }
  return table
}

/** The most bytes `n` Huffman-coded bytes can decode to: the shortest code is 5 bits. */
export function huffmanDecodedMax(n: number): number {
  return Math.floor((n * 8) / 5)
}

export const HUFFMAN_EOS_ERROR = -1
export const HUFFMAN_PADDING_ERROR = -2

/**
 * Decodes `src[from, to)` into `out` (at least huffmanDecodedMax(to - from) long) and returns the
 * number of bytes written, or HUFFMAN_EOS_ERROR / HUFFMAN_PADDING_ERROR (padding of more than 7
 * bits, or not all ones).
 */
export function huffmanDecode(src: Uint8Array, from: number, to: number, out: Uint8Array): number {
  const table = (transitions ??= buildTables())
  let state = 0
  let o = 0
  for (let i = from; i < to; i++) {
    const e = table[(state << 8) | src[i]]
    if (e & FAIL) return HUFFMAN_EOS_ERROR
    const count = (e >>> COUNT_SHIFT) & 3
    if (count !== 0) {
      out[o++] = (e >>> SYM1_SHIFT) & 0xff
      if (count === 2) out[o++] = (e >>> SYM2_SHIFT) & 0xff
    }
    state = e & 0xff
  }
  return accepting![state] ? o : HUFFMAN_PADDING_ERROR
}

/** Bytes the Huffman coding of `bytes` takes. */
export function huffmanEncodedLength(bytes: Uint8Array): number {
  let bits = 0
  for (let i = 0; i < bytes.length; i++) bits += LENGTHS[bytes[i]]
  return (bits + 7) >> 3
}

/** `bytes` Huffman-coded, padded with the high bits of EOS (all ones). */
export function huffmanEncode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(bytes))
  let o = 0
  // Bits not yet written, right-aligned in `acc`; kept under 8 + 30 bits, so a double holds them.
  let acc = 0
  let pending = 0
  for (let i = 0; i < bytes.length; i++) {
    const len = LENGTHS[bytes[i]]
    acc = acc * 2 ** len + HUFFMAN_CODES[bytes[i]]
    pending += len
    while (pending >= 8) {
      pending -= 8
      const top = Math.floor(acc / 2 ** pending)
      out[o++] = top & 0xff
      acc -= top * 2 ** pending
    }
  }
  if (pending > 0) out[o] = ((acc << (8 - pending)) | (0xff >> pending)) & 0xff
  return out
}
