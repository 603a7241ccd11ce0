// Bytes off the wire as text a person can read, for views that show chunks (the
// conversation): the byte views' own characters (text-chars.ts), so every view shows
// a stream the same way: control characters by their names (CR, LF, NUL, ESC), bytes that
// are no character in the encoding as ⟨xx⟩, dimmed, never dropped or acted on. The result
// is plain strings in runs, for templates to render as text, never HTML.

import type { TextEncodingName } from '../encodings'
import { decodeChars } from './text-chars'

export interface TextRun {
  text: string
  /** A control character's name or a byte that is no character: shown dimmed. */
  control: boolean
}

export interface VisibleText {
  runs: TextRun[]
  /** Lines in the runs kept. */
  lines: number
  /** True when lines were left out to stay within `maxLines`. */
  cut: boolean
}

/** `bytes` as runs, up to `maxLines` lines (a line feed is shown and still breaks the line). */
export function visibleText(bytes: Uint8Array, encoding: TextEncodingName, maxLines = Infinity): VisibleText {
  const runs: TextRun[] = []
  let lines = 1
  const plain = (s: string): void => {
    const last = runs[runs.length - 1]
    if (last && !last.control) last.text += s
    else runs.push({ text: s, control: false })
  }
  const chars = decodeChars(encoding, bytes, 0, 0, bytes.length)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    if (c.kind === 'text') {
      plain(c.text)
      continue
    }
    runs.push({ text: c.text, control: true })
    // A final line feed ends the last line rather than starting an empty one.
    if (c.kind === 'eol' && c.text === 'LF' && i < chars.length - 1) {
      if (lines >= maxLines) return { runs, lines, cut: true }
      plain('\n')
      lines++
    }
  }
  return { runs, lines, cut: false }
}
