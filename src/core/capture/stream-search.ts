// Finding a pattern in one direction of a connection, forward or backward from an offset,
// reading the stream in large windows so a 1 GiB connection is scanned in seconds without
// holding it in memory. Bytes (text in an encoding, or hex) are found with Buffer's own
// search; a regular expression runs over the bytes as Latin-1 (one character per byte,
// so positions map back exactly) or as UTF-8 text.

import iconv from 'iconv-lite'
import type { SearchPattern } from '../../shared/contract'
import type { SearchResult } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { parseEscapes } from '../../shared/payload/escapes'
import { parseHex } from '../../shared/payload/parse-hex'
import { encodeText } from '../payload/build-payload'

/** Bytes read per step. */
const WINDOW = 4 * 1024 * 1024
/** A regex match must fit in this many bytes to be found across a window boundary. */
const REGEX_OVERLAP = 64 * 1024

type Compiled = { bytes: Buffer } | { regex: RegExp; utf8: boolean }

export function compilePattern(p: SearchPattern): Compiled {
  const encoding = p.encoding ?? 'utf8'
  if (p.kind === 'hex') return { bytes: Buffer.from(parseHex(p.value)) }
  if (p.kind === 'text' && !p.caseInsensitive) {
    // Shift_JIS is for finding text the views show in it; payloads are not sent in it.
    const encode = (text: string): Buffer => (encoding === 'shift_jis' ? iconv.encode(text, 'shift_jis') : encodeText(text, encoding))
    const bytes = Buffer.concat(parseEscapes(p.value).map((piece) => ('byte' in piece ? Buffer.of(piece.byte) : encode(piece.text))))
    if (bytes.length === 0) throw new UserError('search: the pattern makes no bytes')
    return { bytes }
  }
  if (p.kind === 'text' && encoding !== 'utf8' && encoding !== 'latin1' && encoding !== 'ascii') {
    throw new UserError('search: ignoring case works on UTF-8 or Latin-1 text; search the exact text instead')
  }
  if (p.kind === 'regex' && encoding !== 'utf8' && encoding !== 'latin1' && encoding !== 'ascii') {
    throw new UserError('search: a regular expression runs over UTF-8 or Latin-1 text; pick one of them')
  }
  const source = p.kind === 'text' ? p.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p.value
  try {
    return { regex: new RegExp(source, `g${p.caseInsensitive ? 'i' : ''}${encoding === 'utf8' ? 'u' : ''}`), utf8: encoding === 'utf8' }
  } catch (err) {
    throw new UserError(`search: bad regular expression /${p.value}/: ${(err as Error).message}`)
  }
}

function checkCancel(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new UserError('search cancelled', ERROR_CODES.ECANCELED)
}

/** Where the regex matches in `window` (whose first byte is stream offset `base`). */
function regexMatches(c: { regex: RegExp; utf8: boolean }, window: Buffer): Array<{ at: number; length: number }> {
  const text = window.toString(c.utf8 ? 'utf8' : 'latin1')
  const out: Array<{ at: number; length: number }> = []
  c.regex.lastIndex = 0
  for (let m = c.regex.exec(text); m !== null; m = c.regex.exec(text)) {
    if (m[0].length === 0) {
      c.regex.lastIndex++
      continue
    }
    // UTF-8: positions in characters become positions in bytes.
    const at = c.utf8 ? Buffer.byteLength(text.slice(0, m.index)) : m.index
    out.push({ at, length: c.utf8 ? Buffer.byteLength(m[0]) : m[0].length })
  }
  return out
}

export async function searchStream(
  read: (offset: number, length: number) => Promise<Buffer>,
  total: number,
  pattern: Compiled,
  opts: { from?: number; backward?: boolean; signal?: AbortSignal }
): Promise<SearchResult> {
  const overlap = 'bytes' in pattern ? pattern.bytes.length - 1 : REGEX_OVERLAP
  if (!opts.backward) {
    for (let start = Math.min(opts.from ?? 0, total); start < total; start += WINDOW) {
      checkCancel(opts.signal)
      const window = await read(start, Math.min(WINDOW + overlap, total - start))
      if ('bytes' in pattern) {
        const at = window.indexOf(pattern.bytes)
        if (at >= 0) return { found: true, offset: start + at, length: pattern.bytes.length }
      } else {
        const hit = regexMatches(pattern, window).find((m) => m.at < WINDOW || start + WINDOW >= total)
        if (hit) return { found: true, offset: start + hit.at, length: hit.length }
      }
    }
    return { found: false }
  }
  // Backward: the last match that ends at or before `from`.
  const end = Math.min(opts.from ?? total, total)
  for (let stop = end; stop > 0; stop -= WINDOW) {
    checkCancel(opts.signal)
    const start = Math.max(0, stop - WINDOW - overlap)
    const window = await read(start, stop - start)
    if ('bytes' in pattern) {
      const at = window.lastIndexOf(pattern.bytes)
      if (at >= 0) return { found: true, offset: start + at, length: pattern.bytes.length }
    } else {
      const hits = regexMatches(pattern, window).filter((m) => m.at + m.length <= window.length)
      const hit = hits[hits.length - 1]
      if (hit) return { found: true, offset: start + hit.at, length: hit.length }
    }
  }
  return { found: false }
}
