// HPACK representations written one at a time (RFC 7541 section 6), for the breakpoint edit:
// it re-encodes a held header block, so there is no encoder-side table here; the caller says
// which representation it wants and what it refers to.

import { concatBytes } from '../../../../shared/concat-bytes'
import { huffmanEncode, huffmanEncodedLength } from './huffman'
import { staticNameIndex } from './static-table'

export type LiteralRep = 'incremental' | 'without' | 'never'

export interface LiteralField {
  /** The name's index in the static or dynamic table, or the name itself. */
  name: number | string
  value: string
  rep: LiteralRep
  /** Huffman-code the strings: true, false, or (default) whichever is shorter. */
  huffman?: boolean
}

// Each representation's first-byte pattern and its integer prefix (RFC 7541 sections 6.1-6.3).
const LITERAL_PATTERN: Record<LiteralRep, { bits: number; prefix: number }> = {
  incremental: { bits: 0x40, prefix: 6 },
  without: { bits: 0x00, prefix: 4 },
  never: { bits: 0x10, prefix: 4 }
}

/** An integer with an N-bit prefix (RFC 7541 section 5.1); `firstBits` fill the first byte's bits above the prefix. */
export function encodeInteger(value: number, prefixBits: number, firstBits = 0): Uint8Array {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`HPACK integers are whole numbers of 0 or more, not ${value}`)
  const max = (1 << prefixBits) - 1
  if (value < max) return Uint8Array.of(firstBits | value)
  const out = [firstBits | max]
  let rest = value - max
  while (rest >= 128) {
    out.push((rest % 128) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** An indexed header field (section 6.1): index 1-61 static, 62 on the dynamic table. */
export function encodeIndexed(index: number): Uint8Array {
  if (index < 1) throw new RangeError(`HPACK indices start at 1, not ${index}`)
  return encodeInteger(index, 7, 0x80)
}

/** A dynamic table size update (section 6.3). */
export function encodeSizeUpdate(size: number): Uint8Array {
  return encodeInteger(size, 5, 0x20)
}

/** A string literal (section 5.2): octets of `s` (below), Huffman-coded when asked or, by default, when shorter. */
export function encodeString(s: string, huffman?: boolean): Uint8Array {
  const raw = stringBytes(s)
  const useHuffman = huffman ?? huffmanEncodedLength(raw) < raw.length
  const body = useHuffman ? huffmanEncode(raw) : raw
  return concatBytes([encodeInteger(body.length, 7, useHuffman ? 0x80 : 0), body])
}

/** A literal header field (sections 6.2.1-6.2.3), its name indexed or literal. */
export function encodeLiteral(field: LiteralField): Uint8Array {
  const { bits, prefix } = LITERAL_PATTERN[field.rep]
  // Index 0 would say "a literal name follows": a name given as a number must be a real index.
  if (typeof field.name === 'number' && field.name < 1) throw new RangeError(`HPACK indices start at 1, not ${field.name}`)
  const parts = typeof field.name === 'number' ? [encodeInteger(field.name, prefix, bits)] : [Uint8Array.of(bits), encodeString(field.name, field.huffman)]
  parts.push(encodeString(field.value, field.huffman))
  return concatBytes(parts)
}

/** A literal that leaves the table alone, naming the static table's entry when it has the name. */
export function encodeLiteralWithoutIndexing(name: string, value: string, rep: 'without' | 'never' = 'without'): Uint8Array {
  return encodeLiteral({ name: staticNameIndex(name) || name, value, rep })
}

/**
 * The octets of a field's text. The decoder gives bytes as chars (Latin-1), so a string of
 * chars up to U+00FF goes back byte for byte; one with any char above (typed by a person) is
 * sent as UTF-8, which is what HTTP/2 peers read such text as.
 */
export function stringBytes(s: string): Uint8Array {
  let wide = false
  for (let i = 0; i < s.length && !wide; i++) wide = s.charCodeAt(i) > 0xff
  if (wide) return new TextEncoder().encode(s)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

export { concatBytes }
