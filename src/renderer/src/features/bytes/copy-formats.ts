// A selection of bytes as text to copy: hex, decoded text, a C array, base64, or a string
// with the escapes tcpscope's composer and find read back (\r \n \t \\ \xHH). Each format
// takes the bytes in pieces, so a big selection is read and formatted a piece at a time.

import { HEX } from '../../../../shared/hexdump'
import { streamDecoder, type TextEncodingName } from './encodings'

export const COPY_FORMATS = ['hex', 'text', 'c', 'base64', 'escaped'] as const
export type CopyFormat = (typeof COPY_FORMATS)[number]

export interface CopyFormatter {
  push(bytes: Uint8Array): void
  finish(): string
}

const C_PER_LINE = 12

const ESCAPES: string[] = HEX.map((h, b) => {
  if (b === 0x0d) return '\\r'
  if (b === 0x0a) return '\\n'
  if (b === 0x09) return '\\t'
  if (b === 0x5c) return '\\\\'
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${h}`
})

/** Bytes to base64, three at a time; what does not make three waits for the next piece. */
function base64Formatter(): CopyFormatter {
  const parts: string[] = []
  let carry = new Uint8Array(0)
  const encode = (bytes: Uint8Array): string => {
    let bin = ''
    for (let i = 0; i < bytes.length; i += 3 * 4096) bin += String.fromCharCode(...bytes.subarray(i, i + 3 * 4096))
    return btoa(bin)
  }
  return {
    push(bytes) {
      let all = bytes
      if (carry.length) {
        all = new Uint8Array(carry.length + bytes.length)
        all.set(carry)
        all.set(bytes, carry.length)
      }
      const whole = all.length - (all.length % 3)
      parts.push(encode(all.subarray(0, whole)))
      carry = all.slice(whole)
    },
    finish: () => parts.join('') + (carry.length ? encode(carry) : '')
  }
}

function cArrayFormatter(): CopyFormatter {
  const lines: string[] = []
  let line = ''
  let inLine = 0
  let n = 0
  return {
    push(bytes) {
      for (let i = 0; i < bytes.length; i++) {
        line += `${inLine ? ' ' : '  '}0x${HEX[bytes[i]]},`
        n++
        if (++inLine === C_PER_LINE) {
          lines.push(line)
          line = ''
          inLine = 0
        }
      }
    },
    finish() {
      if (inLine) lines.push(line)
      const body = lines.join('\n').replace(/,$/, '')
      return `unsigned char bytes[${n}] = {\n${body}${n ? '\n' : ''}};`
    }
  }
}

function tableFormatter(table: string[], separator: string): CopyFormatter {
  const parts: string[] = []
  return {
    push(bytes) {
      const out = new Array<string>(bytes.length)
      for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]]
      if (bytes.length) parts.push(out.join(separator))
    },
    finish: () => parts.join(separator)
  }
}

function textFormatter(encoding: TextEncodingName): CopyFormatter {
  const decoder = streamDecoder(encoding)
  const parts: string[] = []
  return {
    push: (bytes) => void parts.push(decoder.decode(bytes, false)),
    finish: () => parts.join('') + decoder.decode(new Uint8Array(0), true)
  }
}

export function copyFormatter(format: CopyFormat, encoding: TextEncodingName): CopyFormatter {
  switch (format) {
    case 'hex':
      return tableFormatter(HEX, ' ')
    case 'escaped':
      return tableFormatter(ESCAPES, '')
    case 'base64':
      return base64Formatter()
    case 'c':
      return cArrayFormatter()
    case 'text':
      return textFormatter(encoding)
  }
}

/** The whole of `bytes` in one format (for selections that fit in one piece). */
export function formatCopy(bytes: Uint8Array, format: CopyFormat, encoding: TextEncodingName = 'utf-8'): string {
  const f = copyFormatter(format, encoding)
  f.push(bytes)
  return f.finish()
}
