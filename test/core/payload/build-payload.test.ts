import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { buildPayload } from '../../../src/core/payload/build-payload'
import { checksumBytes, crc16Modbus, crc32, sum8, xor8 } from '../../../src/shared/payload/checksums'
import { parseHex } from '../../../src/shared/payload/parse-hex'
import { tempDir } from '../../helpers/net'

const bytes = async (spec: Parameters<typeof buildPayload>[0]): Promise<string> => (await buildPayload(spec)).toString('hex')

describe('payload builder', () => {
  it('encodes text in each encoding, GBK and GB18030 included', async () => {
    expect(await bytes({ kind: 'text', data: 'héllo' })).toBe('68c3a96c6c6f')
    expect(await bytes({ kind: 'text', data: 'héllo', encoding: 'latin1' })).toBe('68e96c6c6f')
    expect(await bytes({ kind: 'text', data: 'hi', encoding: 'ascii' })).toBe('6869')
    expect(await bytes({ kind: 'text', data: 'hi', encoding: 'utf16le' })).toBe('68006900')
    expect(await bytes({ kind: 'text', data: 'aGVsbG8=', encoding: 'base64' })).toBe('68656c6c6f')
    expect(await bytes({ kind: 'text', data: '你好', encoding: 'gbk' })).toBe('c4e3bac3')
    expect(await bytes({ kind: 'text', data: '你好€', encoding: 'gb18030' })).toBe('c4e3bac3a2e3')
    expect(await bytes({ kind: 'text', data: '你好', encoding: 'utf8' })).toBe('e4bda0e5a5bd')
  })

  it('refuses text its encoding cannot hold, in one line', async () => {
    await expect(buildPayload({ kind: 'text', data: 'ok 你', encoding: 'ascii' })).rejects.toThrow(/"你" at position 4 is not ASCII/)
    await expect(buildPayload({ kind: 'text', data: '你', encoding: 'latin1' })).rejects.toThrow(/no Latin-1 byte/)
    await expect(buildPayload({ kind: 'text', data: 'a$b', encoding: 'base64' })).rejects.toThrow(/bad base64/)
  })

  it('interprets escapes \\r \\n \\t \\0 \\xHH \\\\, keeping \\xHH a raw byte in any encoding', async () => {
    expect(await bytes({ kind: 'text', data: 'a\\r\\n\\t\\0\\\\b' })).toBe('610d0a09005c62')
    expect(await bytes({ kind: 'text', data: '\\xff\\x00' })).toBe('ff00')
    expect(await bytes({ kind: 'text', data: 'A\\xffB', encoding: 'utf16le' })).toBe('4100ff4200')
    expect(await bytes({ kind: 'text', data: 'a\\nb', escapes: false })).toBe('615c6e62')
    await expect(buildPayload({ kind: 'text', data: 'ab\\q' })).rejects.toThrow(/bad escape "\\q" at position 3/)
    await expect(buildPayload({ kind: 'text', data: 'ab\\' })).rejects.toThrow(/bad escape \\ at the end at position 3/)
    await expect(buildPayload({ kind: 'text', data: '\\xZZ' })).rejects.toThrow(/bad escape "\\x" at position 1/)
  })

  it('parses hex with whitespace, commas and 0x, and names the position of a bad digit', async () => {
    expect(await bytes({ kind: 'hex', data: '48 65\n6c,6C 0x6f 0X21' })).toBe('48656c6c6f21')
    expect(await bytes({ kind: 'hex', data: '' })).toBe('')
    expect(() => parseHex('48 65 6G')).toThrow('bad hex digit "G" at position 8')
    expect(() => parseHex('abc')).toThrow(/odd number of hex digits \(3\)/)
    await expect(buildPayload({ kind: 'hex', data: 'zz' })).rejects.toThrow(/position 1/)
  })

  it('sends a file exactly, with a clear error for a missing one', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const path = join(dir, 'blob.bin')
      const blob = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff))
      writeFileSync(path, blob)
      expect(await buildPayload({ kind: 'file', data: path })).toEqual(blob)
      await expect(buildPayload({ kind: 'file', data: join(dir, 'nope') })).rejects.toThrow(/no such file/)
      await expect(buildPayload({ kind: 'file', data: dir })).rejects.toThrow(/is a folder/)
      // Neither a FIFO (no writer: the read would wait forever) nor an endless device is read.
      const fifo = join(dir, 'pipe')
      execFileSync('mkfifo', [fifo])
      for (const special of [fifo, '/dev/zero']) {
        await expect(buildPayload({ kind: 'file', data: special })).rejects.toThrow(`${special} is not a regular file (a FIFO, device or socket): pick a file to send`)
      }
    } finally {
      cleanup()
    }
  })

  it('appends the checksum after the data and the line ending after that', async () => {
    expect(await bytes({ kind: 'text', data: 'AT', eol: 'crlf' })).toBe('41540d0a')
    expect(await bytes({ kind: 'text', data: 'AT', eol: 'lf' })).toBe('41540a')
    // Modbus RTU "read 10 holding registers from 0": its CRC goes on the wire as C5 CD.
    expect(await bytes({ kind: 'hex', data: '01 03 00 00 00 0a', checksum: 'crc16-modbus' })).toBe('01030000000ac5cd')
    expect(await bytes({ kind: 'text', data: 'AB', checksum: 'sum8', eol: 'crlf' })).toBe('4142830d0a')
  })

  it('computes the published check values for "123456789"', () => {
    const check = new TextEncoder().encode('123456789')
    expect(crc16Modbus(check)).toBe(0x4b37)
    expect(crc32(check)).toBe(0xcbf43926)
    expect(sum8(check)).toBe(0xdd) // 0x1dd mod 256
    expect(xor8(check)).toBe(0x31)
    expect(Buffer.from(checksumBytes('crc16-modbus', check)).toString('hex')).toBe('374b')
    expect(Buffer.from(checksumBytes('crc32', check)).toString('hex')).toBe('cbf43926')
  })

  it('CRC-32 of a range equals zlib\'s over the same bytes (capture record headers use it)', () => {
    const data = randomBytes(4096)
    for (const [start, end] of [[0, 0], [0, 4096], [4, 40], [1000, 1036], [4095, 4096], [17, 3001]]) {
      expect(crc32(data, start, end)).toBe(zlibCrc32(data.subarray(start, end)))
    }
  })
})
