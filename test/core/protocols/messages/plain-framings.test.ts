// The framings a user chooses: every spec of the --frame grammar parsed (and refused in
// one line), and each framing cutting the same messages whether TCP delivered them whole,
// in random pieces, a byte at a time, or many coalesced into one read.
import { describe, expect, it } from 'vitest'
import { codecFor } from '../../../../src/core/protocols/messages/message-decoders'
import { DEFAULT_MAX_MESSAGE, FRAME_GRAMMAR, formatFrameSpec, parseFrameSpec, type FrameSpec } from '../../../../src/shared/message-types'
import { cut, texts, type Turn } from './cut'

const codec = (text: string) => codecFor(parseFrameSpec(text))!
const SPLITS = [
  { split: 'whole' as const },
  { split: 'random' as const, seed: 7 },
  { split: 'random' as const, seed: 8, coalesce: true },
  { split: 'bytes' as const, coalesce: true }
]

function cutsTheSame(spec: string, turns: Turn[], want: string[]): void {
  for (const opts of SPLITS) expect(texts(turns, cut(codec(spec), turns, opts)), `${spec} ${JSON.stringify(opts)}`).toEqual(want)
}

describe('--frame grammar', () => {
  it('parses every framing with its defaults, and writes it back as it is typed', () => {
    const cases: Array<[string, Partial<FrameSpec>, string]> = [
      ['line', { kind: 'line', eol: 'any', max: DEFAULT_MAX_MESSAGE }, 'line'],
      ['line:eol=crlf', { kind: 'line', eol: 'crlf' }, 'line:eol=crlf'],
      ['delimiter:hex=0D0A', { kind: 'delimiter' }, 'delimiter:hex=0d0a'],
      ['length:size=2', { kind: 'length', size: 2, endian: 'big', offset: 0, adjust: 0 }, 'length:size=2'],
      ['length:size=4,endian=little,offset=2,adjust=-4,max=64KiB', { kind: 'length', size: 4, endian: 'little', offset: 2, adjust: -4, max: 65536 }, 'length:size=4,endian=little,offset=2,adjust=-4,max=65536'],
      ['fixed:size=8', { kind: 'fixed', size: 8 }, 'fixed:size=8'],
      ['RESP', { kind: 'protocol', protocol: 'resp' }, 'resp'],
      ['none', { kind: 'none' }, 'none']
    ]
    for (const [text, spec, back] of cases) {
      const parsed = parseFrameSpec(text)
      expect(parsed).toMatchObject(spec)
      expect(formatFrameSpec(parsed)).toBe(back)
      expect(formatFrameSpec(parseFrameSpec(back))).toBe(back)
    }
  })

  it('refuses what it cannot read in one line naming what is wrong and the grammar', () => {
    for (const [text, why] of [
      ['', 'it is empty'],
      ['lenght:size=2', 'unknown framing "lenght" (did you mean length:size=2?)'],
      ['frob', 'unknown framing "frob"'],
      ['length', 'length needs size='],
      ['length:size=3', 'size=3 is not 1, 2, 4 or 8'],
      ['length:size=2,endian=middle', 'endian=middle is not big or little'],
      ['length:size=2,size=4', 'size is given twice'],
      ['line:eol=cr', 'eol=cr is not lf, crlf or any'],
      ['delimiter:hex=0g', 'hex=0g is not whole bytes in hex'],
      ['delimiter', 'delimiter needs hex='],
      ['fixed:size=0', 'size=0 is out of range'],
      ['line:max=1TB', 'max=1TB is not a size'],
      ['resp:eol=lf', 'resp takes no options'],
      ['length:size=2,foo', '"foo" is not NAME=VALUE']
    ]) {
      expect(() => parseFrameSpec(text), text).toThrow(why)
      try {
        parseFrameSpec(text)
      } catch (err) {
        expect((err as Error).message.split('\n')).toHaveLength(1)
        expect((err as Error).message).toContain('; use line[:eol=lf|crlf|any]')
      }
    }
  })
})

describe('a framing kind mistaken', () => {
  it('is said before its options, with the text as meant; a file given bare is told its prefix, in one line', () => {
    const said = (text: string): string => {
      try {
        parseFrameSpec(text)
      } catch (err) {
        return (err as Error).message
      }
      throw new Error(`${text} parsed`)
    }
    expect(said('kys:blob.ksy')).toBe(`--frame kys:blob.ksy: unknown framing "kys" (did you mean ksy:blob.ksy?); use ${FRAME_GRAMMAR}`)
    expect(said('blob.ksy')).toBe('--frame blob.ksy: "blob.ksy" is no framing: for a Kaitai Struct file write ksy:blob.ksy')
    expect(said('C:\\protocols\\blob.ksy')).toBe('--frame C:\\protocols\\blob.ksy: "C:\\protocols\\blob.ksy" is no framing: for a Kaitai Struct file write ksy:C:\\protocols\\blob.ksy')
    expect(said('frames.js')).toBe('--frame frames.js: "frames.js" is no framing: for a framing script write script:frames.js')
    expect(said('scrpit:frames.js')).toBe(`--frame scrpit:frames.js: unknown framing "scrpit" (did you mean script:frames.js?); use ${FRAME_GRAMMAR}`)
    // Inside a ksy's within=, the same words.
    expect(said('ksy:a.ksy,within=lenght:size=2')).toBe(`--frame ksy:a.ksy,within=lenght:size=2: within=lenght:size=2: unknown framing "lenght" (did you mean length:size=2?); use ${FRAME_GRAMMAR}`)
  })
})

describe('plain framings cut exactly whatever TCP did', () => {
  it('line: LF, CRLF and any, a lone CR included', () => {
    const turns: Turn[] = [{ dir: 'client', bytes: 'one\r\ntwo\nthree\rfour\r\n' }]
    cutsTheSame('line:eol=lf', turns, ['one\r\n', 'two\n', 'three\rfour\r\n'])
    cutsTheSame('line:eol=crlf', turns, ['one\r\n', 'two\nthree\rfour\r\n'])
    cutsTheSame('line', turns, ['one\r\n', 'two\n', 'three\r', 'four\r\n'])
  })

  it('delimiter: a multi-byte one that a read splits', () => {
    cutsTheSame('delimiter:hex=7e7e', [{ dir: 'server', bytes: 'a~b~~cc~~~~d' }], ['a~b~~', 'cc~~', '~~', 'd'])
  })

  it('length: every size, both byte orders, a header before the field, and an adjust', () => {
    const msgs = ['alpha', '', 'a longer message of thirty-four b']
    const enc = (size: number, little: boolean, header: string, adjust: number) =>
      msgs.map((m) => {
        const n = Buffer.byteLength(m) - adjust
        const f = Buffer.alloc(size)
        if (size === 8 && little) f.writeBigUInt64LE(BigInt(n))
        else if (size === 8) f.writeBigUInt64BE(BigInt(n))
        else if (little) f.writeUIntLE(n, 0, size)
        else f.writeUIntBE(n, 0, size)
        return header + f.toString('latin1') + m
      })
    for (const size of [1, 2, 4, 8]) {
      for (const little of [false, true]) {
        const want = enc(size, little, 'HD', -(size + 2))
        cutsTheSame(`length:size=${size},endian=${little ? 'little' : 'big'},offset=2,adjust=${-(size + 2)}`, [{ dir: 'client', bytes: want.join('') }], want)
      }
    }
    const plain = enc(2, false, '', 0)
    const turns: Turn[] = plain.map((m) => ({ dir: 'client', bytes: m }))
    const described = codec('length:size=2').describe('client', Buffer.from(plain[0], 'latin1'), {}, 7, true)
    expect(described.summary).toBe('[5] alpha')
    expect(described.fields).toEqual([
      { name: 'length', value: '5', offset: 0, length: 2 },
      { name: 'payload', value: 'alpha', offset: 2, length: 5 }
    ])
    cutsTheSame('length:size=2', turns, plain)
  })

  it('fixed: the last one the stream ended inside is incomplete', () => {
    const m = cut(codec('fixed:size=3'), [{ dir: 'client', bytes: 'abcdefgh' }], { split: 'bytes' })
    expect(m.map((x) => [x.length, x.incomplete ?? false])).toEqual([
      [3, false],
      [3, false],
      [2, true]
    ])
  })

  it('never waits for more than max: an absurd length stops the direction, a line without its end is cut at max', () => {
    const huge = cut(codec('length:size=4,max=1KiB'), [{ dir: 'client', bytes: Buffer.from('\x00\x00\x00\x03abc\x7f\xff\xff\xffrest of the stream', 'latin1') }])
    expect(huge).toHaveLength(2)
    expect(huge[1]).toMatchObject({ offset: 7, length: 22, incomplete: true })
    expect(huge[1].error).toMatch(/the length field declares 2,147,483,647 bytes, over the 1.00 KiB limit \(max=\): cutting stops here/)
    const long = cut(codec('line:max=4'), [{ dir: 'client', bytes: 'abcdefghij\n' }])
    expect(long.map((x) => [x.length, x.error !== undefined])).toEqual([
      [4, true],
      [4, true],
      [3, false]
    ])
  })

  it('keeps directions apart, in the order their messages were whole', () => {
    const turns: Turn[] = [
      { dir: 'client', bytes: 'PING 1\nPI' },
      { dir: 'server', bytes: 'PONG 1\n' },
      { dir: 'client', bytes: 'NG 2\n' },
      { dir: 'server', bytes: 'PONG 2\n' }
    ]
    const m = cut(codec('line'), turns, { split: 'random', seed: 3 })
    expect(m.map((x) => x.dir)).toEqual(['client', 'server', 'client', 'server'])
    expect(texts(turns, m)).toEqual(['PING 1\n', 'PONG 1\n', 'PING 2\n', 'PONG 2\n'])
  })
})
