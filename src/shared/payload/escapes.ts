// Escape sequences in typed text: \r \n \t \0 \xHH \\. The result keeps \xHH as a raw byte
// (not a character), so it survives any text encoding unchanged.

import { PayloadError } from './parse-hex'

export type TextPiece = { text: string } | { byte: number }

const SIMPLE: Record<string, string> = { r: '\r', n: '\n', t: '\t', '0': '\0', '\\': '\\' }

export function parseEscapes(input: string): TextPiece[] {
  const pieces: TextPiece[] = []
  let text = ''
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch !== '\\') {
      text += ch
      continue
    }
    const next = input[i + 1]
    if (next !== undefined && next in SIMPLE) {
      text += SIMPLE[next]
      i++
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(input.slice(i + 2, i + 4))) {
      if (text) pieces.push({ text })
      text = ''
      pieces.push({ byte: parseInt(input.slice(i + 2, i + 4), 16) })
      i += 3
    } else {
      const shown = next === undefined ? '\\ at the end' : `"\\${next}"`
      throw new PayloadError(`bad escape ${shown} at position ${i + 1}: use \\r \\n \\t \\0 \\xHH or \\\\ for a backslash`)
    }
  }
  if (text) pieces.push({ text })
  return pieces
}
