// How the CLI prints a body for a person, as `curl --compressed` would: text in its charset
// with the control characters a terminal would obey made harmless, binary as a short hex
// dump with its size, and the one-line notes on what was left out. `replay` prints a
// replayed response's body with it, `show` every body and WebSocket payload it shows.

import { hexDump } from '../shared/hexdump'
import { formatBytes } from '../shared/human-readable'
import { terminalSafe } from './chunk-view'

/** A binary body's first bytes shown as a dump. */
export const SHORT_HEX = 256

/** A decoder for a charset label the engine named (utf-8 for one this runtime does not know). */
export function textDecoder(charset: string | undefined, fatal = false): TextDecoder {
  try {
    return new TextDecoder(charset ?? 'utf-8', { fatal })
  } catch {
    return new TextDecoder('utf-8', { fatal })
  }
}

/** Text made of pieces: each piece's characters, terminal-safe, a character or a CRLF split between two pieces kept whole. */
export class SafeText {
  private readonly decoder: TextDecoder
  /** A CR at a piece's end: whether it is a line end is up to the next piece. */
  private cr = false
  /** Whether what was given so far ends with a line end. */
  endsLine = true

  constructor(charset: string | undefined) {
    this.decoder = textDecoder(charset)
  }

  write(bytes: Uint8Array): string {
    return this.safe(this.decoder.decode(bytes, { stream: true }), false)
  }

  /** The rest, at the content's end. */
  end(): string {
    return this.safe(this.decoder.decode(), true)
  }

  private safe(text: string, last: boolean): string {
    let t = (this.cr ? '\r' : '') + text
    this.cr = !last && t.endsWith('\r')
    if (this.cr) t = t.slice(0, -1)
    if (t !== '') this.endsLine = t.endsWith('\n')
    return terminalSafe(t)
  }
}

/** All of `bytes` as text, ending with a newline. */
export function wholeText(bytes: Uint8Array, charset: string | undefined): string {
  const t = new SafeText(charset)
  const text = t.write(bytes) + t.end()
  return text.endsWith('\n') ? text : text + '\n'
}

/** The first SHORT_HEX bytes as an xxd dump, then `(binary, SIZE…)`; `more` goes inside the parentheses. */
export function binaryDump(bytes: Uint8Array, size: string, more = ''): string {
  const dump = hexDump(bytes.subarray(0, SHORT_HEX), 0)
  return (dump.length > 0 ? dump.join('\n') + '\n' : '') + `(binary, ${size}${more})\n`
}

/** `(first 1.00 MiB of 3.00 MiB shown)`, with what shows more. */
export const firstOfNote = (shown: number, total: number, more?: string): string =>
  `(first ${formatBytes(shown)} of ${formatBytes(total)} shown${more === undefined ? '' : `; ${more}`})\n`

/** `(first 1.00 MiB of the decoded body shown; WHY)`, for a body whose whole decoded size is not known. */
export const firstOfDecodedNote = (shown: number, why: string | undefined): string =>
  `(first ${formatBytes(shown)} of the decoded body shown${why === undefined ? '' : `; ${why}`})\n`
