// RFC 7541 Appendix C, every example: the fields each block decodes to AND the dynamic table
// after it (newest first, with its size), with and without Huffman coding. Also the encoder
// against the same bytes, where the RFC's choice of representation is known.
import { describe, expect, it } from 'vitest'
import { HpackDecoder } from '../../../../../src/core/protocols/http2/hpack/hpack-decoder'
import { encodeIndexed, encodeInteger, encodeLiteral, concatBytes } from '../../../../../src/core/protocols/http2/hpack/hpack-encoder'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
type Pairs = Array<[string, string]>

interface Step {
  block: string
  fields: Pairs
  table: Pairs
  size: number
}

function run(decoder: HpackDecoder, steps: Step[]): void {
  for (const step of steps) {
    const result = decoder.decode(hex(step.block))
    expect(result.error).toBeUndefined()
    expect(result.cut).toBeUndefined()
    expect(result.fields.map((f) => [f.name, f.value])).toEqual(step.fields)
    expect(decoder.tableEntries().map((e) => [e.name, e.value])).toEqual(step.table)
    expect(decoder.tableSize().size).toBe(step.size)
    // Ranges tile the block after any size update: each field's bytes are its own.
    const ends = result.fields.map((f) => f.offset + f.length)
    expect(ends[ends.length - 1]).toBe(hex(step.block).length)
  }
}

describe('RFC 7541 C.1: integers', () => {
  it('encodes 10 and 1337 with a 5-bit prefix and 42 at an octet boundary', () => {
    expect(toHex(encodeInteger(10, 5))).toBe('0a')
    expect(toHex(encodeInteger(1337, 5))).toBe('1f9a0a')
    expect(toHex(encodeInteger(42, 8))).toBe('2a')
  })
  it('decodes 1337 with a 5-bit prefix (as a size update) and rejects it over the allowed maximum', () => {
    const d = new HpackDecoder({ maxTableSize: 2000 })
    expect(d.decode(hex('3f9a0a')).error).toBeUndefined()
    expect(d.tableSize().max).toBe(1337)
  })
})

describe('RFC 7541 C.2: header field representations', () => {
  it('C.2.1 literal with indexing', () => {
    run(new HpackDecoder(), [
      {
        block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
        fields: [['custom-key', 'custom-header']],
        table: [['custom-key', 'custom-header']],
        size: 55
      }
    ])
    expect(toHex(encodeLiteral({ name: 'custom-key', value: 'custom-header', rep: 'incremental', huffman: false }))).toBe(
      '400a637573746f6d2d6b65790d637573746f6d2d686561646572'
    )
  })
  it('C.2.2 literal without indexing', () => {
    const d = new HpackDecoder()
    run(d, [{ block: '040c 2f73 616d 706c 652f 7061 7468', fields: [[':path', '/sample/path']], table: [], size: 0 }])
    expect(toHex(encodeLiteral({ name: 4, value: '/sample/path', rep: 'without', huffman: false }))).toBe('040c2f73616d706c652f70617468')
  })
  it('C.2.3 literal never indexed', () => {
    const d = new HpackDecoder()
    const r = d.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))
    expect(r.fields).toEqual([{ name: 'password', value: 'secret', offset: 0, length: 17, rep: 'never' }])
    expect(d.tableEntries()).toEqual([])
    expect(toHex(encodeLiteral({ name: 'password', value: 'secret', rep: 'never', huffman: false }))).toBe('100870617373776f726406736563726574')
  })
  it('C.2.4 indexed', () => {
    const d = new HpackDecoder()
    expect(d.decode(hex('82')).fields).toEqual([{ name: ':method', value: 'GET', offset: 0, length: 1, rep: 'indexed' }])
    expect(d.tableEntries()).toEqual([])
    expect(toHex(encodeIndexed(2))).toBe('82')
  })
})

const request1: Pairs = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com']
]
const request2: Pairs = [...request1, ['cache-control', 'no-cache']]
const request3: Pairs = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value']
]
const requestTables: Array<{ table: Pairs; size: number }> = [
  { table: [[':authority', 'www.example.com']], size: 57 },
  { table: [['cache-control', 'no-cache'], [':authority', 'www.example.com']], size: 110 },
  { table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']], size: 164 }
]

describe('RFC 7541 C.3 and C.4: requests on one connection', () => {
  it('C.3 without Huffman', () => {
    run(new HpackDecoder(), [
      { block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', fields: request1, ...requestTables[0] },
      { block: '8286 84be 5808 6e6f 2d63 6163 6865', fields: request2, ...requestTables[1] },
      { block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', fields: request3, ...requestTables[2] }
    ])
  })
  it('C.4 with Huffman, and the encoder writes the same bytes', () => {
    run(new HpackDecoder(), [
      { block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', fields: request1, ...requestTables[0] },
      { block: '8286 84be 5886 a8eb 1064 9cbf', fields: request2, ...requestTables[1] },
      { block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', fields: request3, ...requestTables[2] }
    ])
    const c41 = concatBytes([encodeIndexed(2), encodeIndexed(6), encodeIndexed(4), encodeLiteral({ name: 1, value: 'www.example.com', rep: 'incremental' })])
    expect(toHex(c41)).toBe('828684418cf1e3c2e5f23a6ba0ab90f4ff')
    const c43 = encodeLiteral({ name: 'custom-key', value: 'custom-value', rep: 'incremental' })
    expect(toHex(c43)).toBe('408825a849e95ba97d7f8925a849e95bb8e8b4bf')
  })
})

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT'
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT'
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'
const response1: Pairs = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', date1],
  ['location', 'https://www.example.com']
]
const response2: Pairs = [[':status', '307'], ...response1.slice(1)]
const response3: Pairs = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', date2],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', cookie]
]
const responseTables: Array<{ table: Pairs; size: number }> = [
  { table: [['location', 'https://www.example.com'], ['date', date1], ['cache-control', 'private'], [':status', '302']], size: 222 },
  { table: [[':status', '307'], ['location', 'https://www.example.com'], ['date', date1], ['cache-control', 'private']], size: 222 },
  { table: [['set-cookie', cookie], ['content-encoding', 'gzip'], ['date', date2]], size: 215 }
]

describe('RFC 7541 C.5 and C.6: responses with a 256-octet table, evicting', () => {
  // The examples' encoder works with a 256-octet table: the decoder is told so by a size update.
  function decoder256(): HpackDecoder {
    const d = new HpackDecoder({ maxTableSize: 256 })
    expect(d.decode(hex('3fe101')).error).toBeUndefined()
    expect(d.tableSize()).toEqual({ size: 0, max: 256 })
    return d
  }
  it('C.5 without Huffman', () => {
    run(decoder256(), [
      {
        block: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768
                7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
        fields: response1,
        ...responseTables[0]
      },
      { block: '4803 3330 37c1 c0bf', fields: response2, ...responseTables[1] },
      {
        block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153
                444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
        fields: response3,
        ...responseTables[2]
      }
    ])
  })
  it('C.6 with Huffman', () => {
    run(decoder256(), [
      {
        block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8
                e9ae 82ae 43d3`,
        fields: response1,
        ...responseTables[0]
      },
      { block: '4883 640e ffc1 c0bf', fields: response2, ...responseTables[1] },
      {
        block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b
                3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
        fields: response3,
        ...responseTables[2]
      }
    ])
  })
})
