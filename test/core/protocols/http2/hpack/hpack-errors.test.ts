// Compression errors, bounds and table-size rules: each bad block is an error at the right
// offset with one sentence, what decoded before it is kept, and the context stays refused.
import { describe, expect, it } from 'vitest'
import { HPACK_BLOCK_LIMIT, HpackDecoder } from '../../../../../src/core/protocols/http2/hpack/hpack-decoder'
import { concatBytes, encodeIndexed, encodeLiteral, encodeSizeUpdate, encodeString } from '../../../../../src/core/protocols/http2/hpack/hpack-encoder'
import { huffmanDecode, huffmanEncode } from '../../../../../src/core/protocols/http2/hpack/huffman'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

function errorOf(block: string | Uint8Array, decoder = new HpackDecoder()): { offset: number; message: string } {
  const r = decoder.decode(typeof block === 'string' ? hex(block) : block)
  expect(r.error).toBeDefined()
  expect(r.error!.message).not.toMatch(/\n/)
  return r.error!
}

describe('HPACK compression errors', () => {
  it('an index of 0, or past the static and dynamic tables, keeping the fields before it', () => {
    expect(errorOf('80').message).toMatch(/index 0/)
    const d = new HpackDecoder()
    const r = d.decode(hex('82 be'))
    expect(r.fields.map((f) => f.value)).toEqual(['GET'])
    expect(r.error).toEqual({ offset: 1, message: 'a header field refers to index 62, past the 61 entries of the static and dynamic tables' })
    // A literal's name index too.
    expect(errorOf('7e 00').message).toMatch(/index 62/)
    // One entry in the table makes 62 valid and 63 not.
    const e = new HpackDecoder()
    expect(e.decode(hex('4001 61 0162')).error).toBeUndefined()
    expect(e.decode(hex('be')).fields[0]).toMatchObject({ name: 'a', value: 'b', rep: 'indexed' })
    expect(errorOf('bf', e).message).toMatch(/index 63/)
  })

  it('a size update over the allowed maximum, or after a field; several at the start are fine', () => {
    expect(errorOf(encodeSizeUpdate(4097)).message).toBe('a dynamic table size update to 4097 octets is over the 4096 the receiver allowed')
    expect(errorOf('82 20')).toEqual({ offset: 1, message: 'a dynamic table size update comes after a header field; it is only allowed at the start of a block' })
    const d = new HpackDecoder()
    const r = d.decode(concatBytes([encodeSizeUpdate(0), encodeSizeUpdate(100), encodeIndexed(2)]))
    expect(r.error).toBeUndefined()
    expect(r.fields).toEqual([{ name: ':method', value: 'GET', offset: 3, length: 1, rep: 'indexed' }])
    expect(d.tableSize()).toEqual({ size: 0, max: 100 })
  })

  it('SETTINGS raise the bound for size updates, never past 1 MiB', () => {
    const d = new HpackDecoder()
    d.setMaxTableSize(65536)
    expect(d.decode(encodeSizeUpdate(65536)).error).toBeUndefined()
    d.setMaxTableSize(2 ** 31)
    expect(errorOf(encodeSizeUpdate(2 * 1024 * 1024), d).message).toMatch(/over the 1048576/)
  })

  it('a size update under the entries evicts the oldest; 0 empties the table', () => {
    const d = new HpackDecoder()
    d.decode(concatBytes([encodeLiteral({ name: 'a', value: 'x'.repeat(10), rep: 'incremental' }), encodeLiteral({ name: 'b', value: 'y'.repeat(10), rep: 'incremental' })]))
    expect(d.tableSize().size).toBe(86)
    d.decode(concatBytes([encodeSizeUpdate(50), encodeIndexed(62)]))
    expect(d.tableEntries()).toEqual([{ name: 'b', value: 'y'.repeat(10) }])
    d.decode(concatBytes([encodeSizeUpdate(0), encodeSizeUpdate(4096)]))
    expect(d.tableEntries()).toEqual([])
  })

  it('an entry larger than the table empties it and is not added, but the field is still decoded', () => {
    const d = new HpackDecoder()
    d.decode(encodeLiteral({ name: 'a', value: 'b', rep: 'incremental' }))
    const r = d.decode(encodeLiteral({ name: 'big', value: 'v'.repeat(5000), rep: 'incremental' }))
    expect(r.fields[0].value).toHaveLength(5000)
    expect(d.tableSize().size).toBe(0)
  })

  it('integers: truncated, over 2^31 - 1, or with more than 5 continuation bytes', () => {
    expect(errorOf('ff').message).toBe('the block ends inside an integer')
    expect(errorOf('ff 80').message).toBe('the block ends inside an integer')
    expect(errorOf('ff ff ff ff ff 0f').message).toMatch(/over 2147483647/)
    expect(errorOf('ff 80 80 80 80 80 00').message).toMatch(/5 continuation bytes/)
    // 2^31 - 1 itself is an integer, and then an index past the table.
    expect(errorOf('ff 80 ff ff ff 07').message).toMatch(/index 2147483647/)
  })

  it('strings: truncated, or claiming more than the block holds (nothing allocated for the claim)', () => {
    expect(errorOf('00 05 6162').message).toBe("a string literal of 5 bytes runs past the block's end (2 bytes left)")
    expect(errorOf('00').message).toBe('the block ends before a string literal')
    expect(errorOf('00 7f 80 ff ff ff 07').message).toMatch(/of 2147483647 bytes runs past/)
    expect(errorOf('0001 61').message).toBe('the block ends before a string literal')
  })

  it('Huffman: EOS in the string, padding of 8 bits or more, padding that is not all ones', () => {
    expect(errorOf('00 84 ffffffff').message).toBe('a Huffman-coded string holds the EOS symbol')
    // 'a' is 00011: 0x1f is 'a' and three one bits of padding, which is right.
    expect(new HpackDecoder().decode(hex('00 81 1f 00')).fields[0].name).toBe('a')
    expect(errorOf('00 82 1fff 00').message).toBe('a Huffman-coded string ends in padding that is not 0-7 one bits')
    expect(errorOf('00 81 18 00').message).toMatch(/padding/)
    expect(errorOf('00 81 ff 00').message).toMatch(/padding/)
  })

  it('after an error the context is lost: later blocks are refused, not decoded wrong', () => {
    const d = new HpackDecoder()
    errorOf('80', d)
    const r = d.decode(hex('82'))
    expect(r.fields).toEqual([])
    expect(r.error?.message).toMatch(/lost earlier \(a header field refers to index 0/)
  })
})

describe('HPACK bounds', () => {
  it('an HPACK bomb (one big entry referred to thousands of times) is cut at the block limit', () => {
    const d = new HpackDecoder()
    d.decode(encodeLiteral({ name: 'x', value: 'v'.repeat(4000), rep: 'incremental', huffman: false }))
    const refs = 20_000
    const r = d.decode(new Uint8Array(refs).fill(0xbe))
    expect(r.error).toBeUndefined()
    const kept = Math.floor(HPACK_BLOCK_LIMIT / 4033)
    expect(r.fields).toHaveLength(kept)
    expect(r.cut).toEqual({ limit: HPACK_BLOCK_LIMIT, decodedSize: refs * 4033 })
  })

  it('fields past the cut still update the table, so the next block decodes right', () => {
    const d = new HpackDecoder({ blockLimit: 100 })
    const block = concatBytes([
      encodeLiteral({ name: 'a', value: 'x'.repeat(60), rep: 'without' }),
      encodeLiteral({ name: 'b', value: 'y'.repeat(60), rep: 'never' }),
      encodeLiteral({ name: 'c', value: 'z'.repeat(10), rep: 'incremental' })
    ])
    const r = d.decode(block)
    expect(r.fields.map((f) => f.name)).toEqual(['a'])
    expect(r.cut).toEqual({ limit: 100, decodedSize: 93 + 93 + 43 })
    expect(d.decode(encodeIndexed(62)).fields[0]).toMatchObject({ name: 'c', value: 'z'.repeat(10) })
  })

  it('a literal too big to keep or to table is cut and empties the table, and a Huffman name survives the value growing the scratch', () => {
    const d = new HpackDecoder()
    d.decode(encodeLiteral({ name: 'a', value: 'b', rep: 'incremental' }))
    const big = concatBytes([encodeLiteral({ name: 'x-big', value: 'q'.repeat(300 * 1024), rep: 'incremental', huffman: true }), encodeIndexed(2)])
    const r = d.decode(big)
    expect(r.fields).toEqual([])
    expect(r.cut).toEqual({ limit: HPACK_BLOCK_LIMIT, decodedSize: 5 + 300 * 1024 + 32 + 42 })
    expect(d.tableEntries()).toEqual([])
    const name = 'x-' + 'n'.repeat(150)
    const value = 'v'.repeat(9000)
    const f = new HpackDecoder().decode(encodeLiteral({ name, value, rep: 'without', huffman: true })).fields[0]
    expect([f.name, f.value]).toEqual([name, value])
  })

  it('Huffman output is at most 8/5 of its input, reached by the 5-bit codes', () => {
    const digits = '0'.repeat(800)
    const coded = huffmanEncode(Buffer.from(digits, 'latin1'))
    expect(coded.length).toBe(500)
    const out = new Uint8Array(800)
    expect(huffmanDecode(coded, 0, coded.length, out)).toBe(800)
    expect(new HpackDecoder().decode(concatBytes([Uint8Array.of(0), encodeString('n'), encodeString(digits, true)])).fields[0].value).toBe(digits)
  })

  it('every byte value round-trips through Huffman and Latin-1, including 0x80-0x9F', () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))
    for (const huffman of [true, false]) {
      const r = new HpackDecoder().decode(encodeLiteral({ name: 'x-all', value: all, rep: 'without', huffman }))
      expect(r.fields[0].value).toBe(all)
    }
  })
})
