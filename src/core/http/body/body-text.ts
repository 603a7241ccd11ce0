// A body's decoded content as characters, in its charset: iconv-lite reads far more
// charsets than the views' seven (GBK, Shift_JIS, windows-1251, ...), streamed so a
// character split across two pieces comes out whole.

import iconv from 'iconv-lite'
import { looksLikeText } from '../../../shared/body-type'

export interface TextStream {
  /** The characters `bytes` completes (a character cut at its end waits for the next piece). */
  write(bytes: Uint8Array): string
  /** What is left once the content ends. */
  end(): string
}

const UTF8_NAMES = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', 'unicode-1-1-utf-8'])

/** Whether `charset` is UTF-8 (or ASCII, a subset) as far as reading the bytes goes. */
export const isUtf8 = (charset: string): boolean => UTF8_NAMES.has(charset.toLowerCase())

/** Whether the content can be read in `charset` here. */
export const readableCharset = (charset: string): boolean => isUtf8(charset) || iconv.encodingExists(charset)

/** A streaming reader of `charset` (UTF-8 when it is one this runtime does not know). */
export function textStream(charset: string): TextStream {
  const d = iconv.getDecoder(readableCharset(charset) && !isUtf8(charset) ? charset : 'utf8', { stripBOM: false })
  return {
    write: (bytes) => d.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    end: () => d.end() ?? ''
  }
}

/** All of `bytes` as text in `charset`. */
export function textOf(bytes: Uint8Array, charset: string): string {
  const t = textStream(charset)
  return t.write(bytes) + t.end()
}

/**
 * Checks, a piece at a time, that content is UTF-8 (and, when `noNul`, free of NULs, which
 * only binary content has): what tells text from binary in a body whose type does not say.
 */
export class Utf8Check {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  ok = true

  constructor(private readonly noNul: boolean) {}

  /** Feeds a piece; false once the content is known not to be UTF-8 text. */
  write(bytes: Uint8Array): boolean {
    if (!this.ok) return false
    try {
      if (this.noNul && bytes.includes(0)) this.ok = false
      else this.decoder.decode(bytes, { stream: true })
    } catch {
      this.ok = false
    }
    return this.ok
  }

  /** At the content's end (a character cut there is not UTF-8); at a cut, `complete` false keeps it open. */
  end(complete = true): boolean {
    if (!this.ok || !complete) return this.ok
    try {
      this.decoder.decode()
    } catch {
      this.ok = false
    }
    return this.ok
  }
}

/** Charsets whose text is mostly NUL bytes in ASCII's range: the views read them as text, so no byte rule applies. */
const WIDE = /^(?:utf-?(?:16|32)|ucs-?[24]|(?:cs)?unicode(?:fffe|feff)?$|iso-10646-ucs-2$)/

/**
 * Whether a body's first bytes read as text, as the HTTP view tells them (looksLikeText: no
 * NUL, few control bytes). A Content-Type naming text does not make binary bytes text: they
 * are shown as binary, so they never reach a screen as characters. Bytes that are merely not
 * valid in the labelled charset stay text: a GBK or Latin-1 page served as `text/html` with
 * no charset (its charset in a <meta>) is still a page a person reads, in the text view's
 * encoding of their choice.
 */
export function readsAsText(first: Uint8Array, charset: string): boolean {
  return WIDE.test(charset.toLowerCase()) || looksLikeText(first)
}
