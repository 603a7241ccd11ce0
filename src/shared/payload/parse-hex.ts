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

/** Malformed hex, with where (a 0-based offset into the input) for an editor to point at. */
export class HexSyntaxError extends PayloadError {
  constructor(
    message: string,
    readonly problem: 'digit' | 'odd',
    readonly at: number
  ) {
    super(message)
  }
}

export function parseHex(input: string): Uint8Array {
  const digits: number[] = []
  let lastDigit = 0
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ',') continue
    if (ch === '0' && (input[i + 1] === 'x' || input[i + 1] === 'X') && digits.length % 2 === 0) {
      i++
      continue
    }
    const d = DIGIT[ch]
    if (d === undefined) {
      throw new HexSyntaxError(`bad hex digit "${ch}" at position ${i + 1}: use 0-9 and a-f (spaces and 0x are allowed)`, 'digit', i)
    }
    digits.push(d)
    lastDigit = i
  }
  if (digits.length % 2 !== 0) {
    throw new HexSyntaxError(`odd number of hex digits (${digits.length}): every byte needs two digits, e.g. 0a not a`, 'odd', lastDigit)
  }
  const out = new Uint8Array(digits.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = (digits[2 * i] << 4) | digits[2 * i + 1]
  return out
}
