// An edited message's lengths made to fit by its codec: a length prefix of every size, byte
// order, offset and adjust; a fixed size kept; RESP's bulk lengths and counts written again
// from a lenient reading of what a person left in an editor.
import { describe, expect, it } from 'vitest'
import { codecFor } from '../../../../src/core/protocols/messages/message-decoders'
import { parseFrameSpec } from '../../../../src/shared/message-types'
import { refitResp } from '../../../../src/core/protocols/resp/resp-refit'

const refit = (frame: string, bytes: Uint8Array): Uint8Array | { error: string } => codecFor(parseFrameSpec(frame))!.refit!('client', bytes)
const hex = (b: Uint8Array | { error: string }): string => (b instanceof Uint8Array ? Buffer.from(b).toString('hex') : b.error)
const text = (b: Uint8Array | { error: string }): string => (b instanceof Uint8Array ? Buffer.from(b).toString('latin1') : `error: ${b.error}`)

describe('refitting a length prefix', () => {
  it('writes what follows the field, in its size and byte order, after its offset, less adjust', () => {
    expect(hex(refit('length:size=2', Buffer.from([0, 1, ...Buffer.from('abc')])))).toBe('0003616263')
    expect(hex(refit('length:size=4,endian=little', Buffer.from([9, 9, 9, 9, 1, 2, 3, 4, 5])))).toBe('050000000102030405')
    // A two-byte header before the field, and a length that counts the whole message (header, field and all).
    const msg = Buffer.from([0xaa, 0xbb, 0, 0, 1, 2, 3])
    expect(hex(refit('length:size=2,offset=2,adjust=-4', msg))).toBe('aabb0007010203')
    expect(hex(refit('length:size=1', Buffer.from([0, ...Buffer.alloc(300)])))).toMatch(/does not fit a 1-byte length field/)
    expect(hex(refit('length:size=2,offset=2', Buffer.from([1, 2, 3])))).toMatch(/shorter than the 4-byte header/)
    expect(hex(refit('length:size=8', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 7])))).toBe('000000000000000107')
  })

  it('keeps a fixed size, and refuses an edit of another size', () => {
    expect(hex(refit('fixed:size=3', Buffer.from([1, 2, 3])))).toBe('010203')
    expect(hex(refit('fixed:size=3', Buffer.from([1, 2])))).toMatch(/is 3 bytes; the edit is 2/)
  })

  it('has nothing to refit for lines and delimiters', () => {
    expect(codecFor(parseFrameSpec('line'))!.refit).toBeUndefined()
    expect(codecFor(parseFrameSpec('delimiter:hex=00'))!.refit).toBeUndefined()
  })
})

describe('refitting RESP', () => {
  it("sets a longer value's bulk length", () => {
    expect(text(refitResp('client', Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello world\r\n')))).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\nhello world\r\n')
  })

  it('counts the arguments again, and writes LF line ends back as CRLF', () => {
    expect(text(refitResp('client', Buffer.from('*2\n$3\nSET\n$1\nk\n$1\nv\n$2\nEX\n$2\n10\n')))).toBe('*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nEX\r\n$2\r\n10\r\n')
  })

  it('keeps a binary value byte for byte while its declared length still ends at a line end', () => {
    const value = Buffer.from('a\r\nb')
    const msg = Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$4\r\n'), value, Buffer.from('\r\n')])
    expect(text(refitResp('client', msg))).toBe(msg.toString('latin1'))
  })

  it('refits replies: nested arrays by their counts, maps by pairs, nils as they are', () => {
    expect(text(refitResp('server', Buffer.from('$2\r\nlonger\r\n')))).toBe('$6\r\nlonger\r\n')
    expect(text(refitResp('server', Buffer.from('*2\r\n*1\r\n$1\r\nabc\r\n$-1\r\n:5\r\n')))).toBe('*3\r\n*1\r\n$3\r\nabc\r\n$-1\r\n:5\r\n')
    expect(text(refitResp('server', Buffer.from('%1\r\n+a\r\n:1\r\n+b\r\n:2\r\n')))).toBe('%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n')
    expect(text(refitResp('server', Buffer.from('%1\r\n+a\r\n:1\r\n+b\r\n')))).toMatch(/not key-value pairs/)
  })

  it('sends an inline command as it is, and refuses what is not one value', () => {
    expect(text(refitResp('client', Buffer.from('PING extra\r\n')))).toBe('PING extra\r\n')
    expect(text(refitResp('client', Buffer.from('*1\r\n?x\r\n')))).toMatch(/"\?" at byte 4 is no RESP type/)
    expect(text(refitResp('server', Buffer.from('+OK\r\n+OK\r\n')))).toMatch(/more than one value/)
    expect(text(refitResp('client', Buffer.from('')))).toMatch(/empty/)
  })
})

describe("refitting the other protocols' lengths", () => {
  const codec = (p: string) => codecFor(parseFrameSpec(p))!
  it("PostgreSQL's Int32 length, after the type byte or, for a startup message, from the first", () => {
    const query = Buffer.concat([Buffer.from([0x51, 0, 0, 0, 9]), Buffer.from('SELECT 1;\0')])
    expect(hex(codec('postgres').refit!('client', query))).toBe(Buffer.concat([Buffer.from([0x51, 0, 0, 0, 14]), Buffer.from('SELECT 1;\0')]).toString('hex'))
    expect(hex(codec('postgres').refit!('client', Buffer.from([0, 0, 0, 1, 4, 0xd2, 0x16, 0x2f])))).toBe('0000000804d2162f')
  })

  it("MySQL's three-byte length, MQTT's Remaining Length (growing a byte past 127), Modbus's MBAP length, DNS's prefix", () => {
    expect(hex(codec('mysql').refit!('client', Buffer.from([9, 0, 0, 0, 3, 0x53, 0x45])))).toBe('0300000003 5345'.replace(' ', ''))
    const publish = Buffer.concat([Buffer.from([0x30, 5, 0, 1, 0x74]), Buffer.alloc(200, 0x61)])
    const out = codec('mqtt').refit!('client', publish) as Uint8Array
    expect(Buffer.from(out.subarray(0, 3)).toString('hex')).toBe('30cb01')
    expect(out.length).toBe(3 + 203)
    expect(hex(codec('modbus').refit!('client', Buffer.from([0, 1, 0, 0, 0, 0, 17, 3, 0, 100, 0, 3])))).toBe('000100000006110300640003')
    expect(hex(codec('modbus').refit!('client', Buffer.from([0, 1, 0, 0, 0, 6, 17])))).toMatch(/shorter than an MBAP header/)
    expect(hex(codec('dns').refit!('client', Buffer.from([0, 0, 1, 2, 3])))).toBe('0003010203')
  })
})
