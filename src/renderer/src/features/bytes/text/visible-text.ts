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
  /**
   * Cuts (byte offsets from the first byte, as asked for) that fall in this run's first
   * character: the run starts there (a message starts here, say).
   */
  starts?: number[]
}

export interface VisibleText {
  runs: TextRun[]
  /** Lines in the runs kept. */
  lines: number
  /** True when lines were left out to stay within `maxLines`. */
  cut: boolean
}

/**
 * `bytes` as runs, up to `maxLines` lines (a line feed is shown and still breaks the line).
 * A run starts at each of `cuts` (byte offsets, ascending), at the character that holds it,
 * and says so in its `starts`.
 */
export function visibleText(bytes: Uint8Array, encoding: TextEncodingName, maxLines = Infinity, cuts: readonly number[] = []): VisibleText {
  const runs: TextRun[] = []
  let lines = 1
  let cut = 0
  const plain = (s: string): void => {
    const last = runs[runs.length - 1]
    if (last && !last.control) last.text += s
    else runs.push({ text: s, control: false })
  }
  const chars = decodeChars(encoding, bytes, 0, 0, bytes.length)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    const starts: number[] = []
    while (cut < cuts.length && cuts[cut] < c.offset + c.length) {
      if (cuts[cut] >= 0) starts.push(cuts[cut])
      cut++
    }
    if (starts.length) runs.push({ text: c.text, control: c.kind !== 'text', starts })
    else if (c.kind === 'text') plain(c.text)
    else runs.push({ text: c.text, control: true })
    if (c.kind === 'text') continue
    // A final line feed ends the last line rather than starting an empty one.
    if (c.kind === 'eol' && c.text === 'LF' && i < chars.length - 1) {
      if (lines >= maxLines) return { runs, lines, cut: true }
      plain('\n')
      lines++
    }
  }
  return { runs, lines, cut: false }
}
