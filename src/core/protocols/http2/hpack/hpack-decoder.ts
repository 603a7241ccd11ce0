// One direction's HPACK decoding context (RFC 7541): header blocks in, header fields out, each
// field with the byte range of its representation so a view can show where it came from.
//
// Hostile blocks are bounded: a block keeps at most `blockLimit` decoded octets of fields (an
// HPACK bomb referring to one big entry thousands of times is cut there, and costs O(1) per
// reference after the cut), strings are checked against the bytes left before anything is
// allocated for them, and Huffman output is at most 8/5 of its input. A compression error
// ends the context: RFC 9113 section 4.3 makes it a connection error, and the table's state
// is unknown after it, so later blocks are refused rather than decoded wrong.

import { latin1 } from '../../http1/bytes'
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table'
import { HUFFMAN_EOS_ERROR, huffmanDecode, huffmanDecodedMax } from './huffman'
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table'

export interface HpackField {
  name: string // as decoded (Latin-1 / bytes as chars; HTTP/2 names are lowercase ASCII)
  value: string
  /** The field representation's first byte and length within the block given to decode(). */
  offset: number
  length: number
  /** How it was represented: 'indexed' (from the table), 'incremental' (literal, added to the dynamic table), 'without' (literal without indexing), 'never' (never indexed). */
  rep: 'indexed' | 'incremental' | 'without' | 'never'
}

export interface HpackResult {
  fields: HpackField[]
  /** Decoded size (RFC: name + value + 32 per field) passed the limit: fields after the limit are not kept (but the dynamic table is still updated for every one, so later blocks decode right). `decodedSize` is the whole block's. */
  cut?: { limit: number; decodedSize: number }
  /** A compression error (RFC 9113: the connection is unusable for HPACK from here): bad index, bad integer, bad Huffman, a size update over the allowed maximum, truncated block. What decoded before it is in `fields`. One plain sentence. */
  error?: { offset: number; message: string }
}

export interface HpackDecoderOptions {
  /** Decoded bytes of one block kept at most (default 256 KiB, HPACK_BLOCK_LIMIT exported). */
  blockLimit?: number
  /** The most a size update may set the table to, i.e. SETTINGS_HEADER_TABLE_SIZE the decoding side announced (default 4096); capped at HPACK_MAX_TABLE (1 MiB) whatever SETTINGS say. */
  maxTableSize?: number
}

export const HPACK_BLOCK_LIMIT = 256 * 1024
export const HPACK_MAX_TABLE = 1024 * 1024
/** RFC 9113 section 6.5.2: SETTINGS_HEADER_TABLE_SIZE's initial value, and so the table's size until an update. */
export const HPACK_DEFAULT_TABLE = 4096
/** The largest integer accepted: more is no sane index, length or size, and would need over 5 continuation bytes. */
export const HPACK_MAX_INTEGER = 2 ** 31 - 1

const INTEGER_TRUNCATED = -1
const INTEGER_TOO_BIG = -2

type Rep = HpackField['rep']

/** Strings up to this long are built char by char: for a header's typical 3-30 bytes that is faster than a TextDecoder call. */
const SHORT_STRING = 32
/** What the cursor points at between blocks (one for all: a block is decoded per message). */
const EMPTY = new Uint8Array(0)

export class HpackDecoder {
  private readonly table: DynamicTable
  private readonly blockLimit: number
  private maxTable: number
  private failed: string | undefined
  /** Where Huffman strings are decoded to; grown as needed, dropped when large (bounded by 8/5 of one string's wire bytes). */
  private scratch = new Uint8Array(256)

  // The block being decoded, and the cursor in it.
  private block: Uint8Array = EMPTY
  private pos = 0
  // The last string read: where its octets are (the block, or scratch once Huffman-decoded).
  private strBytes: Uint8Array = EMPTY
  private strFrom = 0
  private strTo = 0

  constructor(opts: HpackDecoderOptions = {}) {
    this.blockLimit = opts.blockLimit ?? HPACK_BLOCK_LIMIT
    this.maxTable = capTable(opts.maxTableSize ?? HPACK_DEFAULT_TABLE)
    this.table = new DynamicTable(HPACK_DEFAULT_TABLE)
  }

  /** The side that receives these blocks announced SETTINGS_HEADER_TABLE_SIZE = n (takes effect as an upper bound for later size updates). */
  setMaxTableSize(n: number): void {
    this.maxTable = capTable(n)
  }

  /** The dynamic table, newest entry first. */
  tableEntries(): Array<{ name: string; value: string }> {
    return this.table.entries()
  }

  /** The dynamic table's size (RFC 7541 octets) and its current maximum. */
  tableSize(): { size: number; max: number } {
    return { size: this.table.size, max: this.table.maxSize }
  }

  /** Decodes one whole header block (HEADERS/PUSH_PROMISE fragment + CONTINUATIONs, concatenated). Never throws. */
  decode(block: Uint8Array): HpackResult {
    const fields: HpackField[] = []
    if (this.failed !== undefined) return { fields, error: { offset: 0, message: `this direction's header compression was lost earlier (${this.failed})` } }
    this.block = block
    this.pos = 0
    let decodedSize = 0
    let keeping = true
    let atStart = true
    let error: HpackResult['error']
    try {
      while (this.pos < block.length) {
        const start = this.pos
        const first = block[start]
        let name: string
        let value: string
        let size: number
        let rep: Rep
        if (first & 0x80) {
          const index = this.integer(7)
          if (index < 0) {
            error = this.integerError(start, index)
            break
          }
          if (index === 0 || index > STATIC_TABLE_LENGTH + this.table.length) {
            error = { offset: start, message: this.badIndex(index) }
            break
          }
          if (index <= STATIC_TABLE_LENGTH) {
            name = STATIC_NAMES[index]
            value = STATIC_VALUES[index]
          } else {
            name = this.table.name(index - STATIC_TABLE_LENGTH)
            value = this.table.value(index - STATIC_TABLE_LENGTH)
          }
          size = name.length + value.length + ENTRY_OVERHEAD
          rep = 'indexed'
        } else if ((first & 0xe0) === 0x20) {
          const max = this.integer(5)
          if (max < 0) {
            error = this.integerError(start, max)
            break
          }
          if (!atStart) {
            error = { offset: start, message: 'a dynamic table size update comes after a header field; it is only allowed at the start of a block' }
            break
          }
          if (max > this.maxTable) {
            error = { offset: start, message: `a dynamic table size update to ${max} octets is over the ${this.maxTable} the receiver allowed` }
            break
          }
          this.table.setMaxSize(max)
          continue
        } else {
          rep = first & 0x40 ? 'incremental' : first & 0x10 ? 'never' : 'without'
          const index = this.integer(rep === 'incremental' ? 6 : 4)
          if (index < 0) {
            error = this.integerError(start, index)
            break
          }
          if (index > STATIC_TABLE_LENGTH + this.table.length) {
            error = { offset: start, message: this.badIndex(index) }
            break
          }
          // Text is built only for what is kept or goes in the table: a field past the cut, or
          // too large for the table (it only empties it), costs its length and no string.
          let nameBytes: Uint8Array | undefined
          let nameFrom = 0
          let nameLength: number
          if (index === 0) {
            name = ''
            const e = this.string(start, 0)
            if (e) {
              error = e
              break
            }
            nameBytes = this.strBytes
            nameFrom = this.strFrom
            nameLength = this.strTo - this.strFrom
          } else {
            name = index <= STATIC_TABLE_LENGTH ? STATIC_NAMES[index] : this.table.name(index - STATIC_TABLE_LENGTH)
            nameLength = name.length
          }
          // A Huffman name sits at the start of scratch: the value is decoded after it.
          const e = this.string(start, nameBytes === this.scratch ? nameLength : 0)
          if (e) {
            error = e
            break
          }
          size = nameLength + (this.strTo - this.strFrom) + ENTRY_OVERHEAD
          const wanted = keeping ? decodedSize + size <= this.blockLimit : false
          if (wanted || (rep === 'incremental' && size <= this.table.maxSize)) {
            if (nameBytes) name = text(nameBytes, nameFrom, nameFrom + nameLength)
            value = text(this.strBytes, this.strFrom, this.strTo)
          } else {
            name = value = ''
          }
          if (rep === 'incremental') {
            if (size > this.table.maxSize) this.table.clear()
            else this.table.add(name, value, size)
          }
        }
        atStart = false
        decodedSize += size
        if (keeping && decodedSize > this.blockLimit) keeping = false
        if (keeping) fields.push({ name, value, offset: start, length: this.pos - start, rep })
      }
    } catch (e) {
      // Nothing above should throw; if it does, this context is as lost as after a bad block.
      error = { offset: this.pos, message: `HPACK decoding failed: ${e instanceof Error ? e.message : String(e)}` }
    }
    this.block = this.strBytes = EMPTY
    if (this.scratch.length > 64 * 1024) this.scratch = new Uint8Array(256)
    const result: HpackResult = { fields }
    if (!keeping) result.cut = { limit: this.blockLimit, decodedSize }
    if (error) {
      this.failed = error.message
      result.error = error
    }
    return result
  }

  /** An HPACK integer (RFC 7541 section 5.1) with an N-bit prefix at pos; INTEGER_TRUNCATED or INTEGER_TOO_BIG if not one. */
  private integer(prefixBits: number): number {
    const block = this.block
    const max = (1 << prefixBits) - 1
    let value = block[this.pos++] & max
    if (value < max) return value
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= block.length) return INTEGER_TRUNCATED
      // Five continuation bytes carry 35 bits; anything over 2^31 - 1 was already too big.
      if (shift > 28) return INTEGER_TOO_BIG
      const b = block[this.pos++]
      value += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return value > HPACK_MAX_INTEGER ? INTEGER_TOO_BIG : value
    }
  }

  private integerError(offset: number, code: number): NonNullable<HpackResult['error']> {
    return {
      offset,
      message: code === INTEGER_TRUNCATED ? 'the block ends inside an integer' : `an integer is over ${HPACK_MAX_INTEGER} or runs past 5 continuation bytes`
    }
  }

  private badIndex(index: number): string {
    const entries = STATIC_TABLE_LENGTH + this.table.length
    return index === 0 ? 'a header field refers to index 0, which no table has' : `a header field refers to index ${index}, past the ${entries} entries of the static and dynamic tables`
  }

  /**
   * A string literal (RFC 7541 section 5.2) at pos: its octets are left at strBytes[strFrom,
   * strTo), Huffman ones decoded into scratch from `scratchAt`; an error for the field starting
   * at `fieldStart` if it is not one.
   */
  private string(fieldStart: number, scratchAt: number): HpackResult['error'] {
    const block = this.block
    if (this.pos >= block.length) return { offset: fieldStart, message: 'the block ends before a string literal' }
    const huffman = (block[this.pos] & 0x80) !== 0
    const length = this.integer(7)
    if (length < 0) return this.integerError(fieldStart, length)
    const from = this.pos
    // Checked before anything is allocated: the length is from the wire.
    if (length > block.length - from) return { offset: fieldStart, message: `a string literal of ${length} bytes runs past the block's end (${block.length - from} bytes left)` }
    this.pos = from + length
    if (!huffman) {
      this.strBytes = block
      this.strFrom = from
      this.strTo = from + length
      return undefined
    }
    // At most 8/5 of bytes already in the block: bounded by the input, never by a claim.
    const need = scratchAt + huffmanDecodedMax(length)
    // A name decoded before stays readable in the buffer it was decoded to.
    if (this.scratch.length < need) this.scratch = new Uint8Array(Math.max(need, this.scratch.length * 2))
    const n = huffmanDecode(block, from, from + length, this.scratch.subarray(scratchAt))
    if (n < 0) {
      return {
        offset: fieldStart,
        message: n === HUFFMAN_EOS_ERROR ? 'a Huffman-coded string holds the EOS symbol' : 'a Huffman-coded string ends in padding that is not 0-7 one bits'
      }
    }
    this.strBytes = this.scratch
    this.strFrom = scratchAt
    this.strTo = scratchAt + n
    return undefined
  }
}

function capTable(n: number): number {
  return Math.max(0, Math.min(Number.isFinite(n) ? Math.floor(n) : HPACK_MAX_TABLE, HPACK_MAX_TABLE))
}

/** Latin-1 text of bytes[from, to): every octet one char. */
function text(bytes: Uint8Array, from: number, to: number): string {
  if (to - from > SHORT_STRING) return latin1(bytes, from, to)
  let s = ''
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i])
  return s
}
