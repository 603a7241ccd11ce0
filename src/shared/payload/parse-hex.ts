// Hex as people paste it: "48 65 6c", "0x48,0x65", "48656C". Whitespace, commas and 0x
// prefixes are tolerated; anything else is an error that names its position.

import { ERROR_CODES, UserError } from '../errors'

/** A payload that makes no bytes (a bad hex digit, escape, encoding, a missing file). */
export class PayloadError extends UserError {
  constructor(message: string) {
    super(message, ERROR_CODES.EPAYLOAD)
  }
}

const DIGIT: Record<string, number> = {}
for (let i = 0; i < 16; i++) {
  DIGIT[i.toString(16)] = i
  DIGIT[i.toString(16).toUpperCase()] = i
}

export function parseHex(input: string): Uint8Array {
  const digits: number[] = []
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ',') continue
    if (ch === '0' && (input[i + 1] === 'x' || input[i + 1] === 'X') && digits.length % 2 === 0) {
      i++
      continue
    }
    const d = DIGIT[ch]
    if (d === undefined) {
      throw new PayloadError(`bad hex digit "${ch}" at position ${i + 1}: use 0-9 and a-f (spaces and 0x are allowed)`)
    }
    digits.push(d)
  }
  if (digits.length % 2 !== 0) {
    throw new PayloadError(`odd number of hex digits (${digits.length}): every byte needs two digits, e.g. 0a not a`)
  }
  const out = new Uint8Array(digits.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = (digits[2 * i] << 4) | digits[2 * i + 1]
  return out
}
