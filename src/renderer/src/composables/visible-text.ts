// Bytes off the wire as text a person can read: decoded in an encoding, with every control
// character shown as an escape (\r \n \t \0, \x1b, \x85 for C1 controls) rather than dropped
// or acted on, and invalid bytes left as the decoder's visible U+FFFD. Escapes, not the
// Unicode control pictures (␍ ␊): common monospace fonts lack those and show boxes. The result is plain strings
// in runs (text, or a control shown dimmed), for templates to render as text, never HTML.

export interface TextRun {
  text: string
  /** A control character's escape, to show dimmed. */
  control: boolean
}

export interface VisibleText {
  runs: TextRun[]
  /** Lines in the runs kept. */
  lines: number
  /** True when lines were left out to stay within `maxLines`. */
  cut: boolean
}

const decoders = new Map<string, TextDecoder>()

/** Decodes with a decoder kept per encoding; an encoding the browser lacks falls back to UTF-8. */
export function decodeBytes(bytes: Uint8Array, encoding: string): string {
  let d = decoders.get(encoding)
  if (!d) {
    try {
      d = new TextDecoder(encoding)
    } catch {
      d = new TextDecoder('utf-8')
    }
    decoders.set(encoding, d)
  }
  return d.decode(bytes)
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

const NAMED: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t', '\0': '\\0' }

function escapeOf(c: string): string {
  return NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
}

/** `text` as runs with its controls made visible, up to `maxLines` lines (a line feed still breaks the line). */
export function visibleRuns(text: string, maxLines = Infinity): VisibleText {
  const runs: TextRun[] = []
  let lines = 1
  let at = 0
  const plain = (s: string): void => {
    if (s === '') return
    const last = runs[runs.length - 1]
    if (last && !last.control) last.text += s
    else runs.push({ text: s, control: false })
  }
  CONTROL.lastIndex = 0
  for (let m = CONTROL.exec(text); m !== null; m = CONTROL.exec(text)) {
    plain(text.slice(at, m.index))
    runs.push({ text: escapeOf(m[0]), control: true })
    at = m.index + 1
    if (m[0] === '\n') {
      if (lines >= maxLines && at < text.length) return { runs, lines, cut: true }
      plain('\n')
      lines++
    }
  }
  plain(text.slice(at))
  // A final line feed ends the last line rather than starting an empty one.
  if (text.endsWith('\n')) {
    lines--
    const last = runs[runs.length - 1]
    if (last && !last.control && last.text === '\n') runs.pop()
    else if (last && !last.control) last.text = last.text.slice(0, -1)
  }
  return { runs, lines, cut: false }
}
