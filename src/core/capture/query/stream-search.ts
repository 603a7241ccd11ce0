// Finding a pattern in one direction of a connection, forward or backward from an offset,
// reading the stream in large windows so a 1 GiB connection is scanned in seconds without
// holding it in memory. Bytes (text in an encoding, or hex) are found with Buffer's own
// search; a regular expression (RE2, see user-regex.ts) runs over the bytes as Latin-1 (one
// character per byte, so positions map back exactly) or as UTF-8 (RE2 reads the bytes
// themselves, so its positions are byte offsets).

import iconv from 'iconv-lite'
import type { SearchPattern } from '../../../shared/contract'
import type { SearchResult } from '../../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { parseEscapes } from '../../../shared/payload/escapes'
import { parseHex } from '../../../shared/payload/parse-hex'
import { encodeText } from '../../payload/build-payload'
import { compileUserRegex, type UserRegex } from '../../regex/user-regex'
import type { ChunkIndex } from '../format/chunk-index'

/** Bytes read per step. */
const WINDOW = 4 * 1024 * 1024
/**
 * Bytes a regex looks at per step. Smaller than WINDOW because finding where a match is runs
 * RE2's NFA (about 60 ns per byte per live state, see user-regex.ts): over 320 KiB the worst
 * allowed pattern holds the thread for about a second, and the engine serves other commands
 * between steps, while the read of the next step is awaited.
 */
const REGEX_WINDOW = 256 * 1024
/** Read past each regex step, so a match that starts in it is usually found whole at once. */
const REGEX_OVERLAP = 64 * 1024
/**
 * Most bytes one regex run looks at when a match runs on past what was read: a match longer
 * than this is found from a later start (bounded runs over a bounded memory).
 */
const REGEX_REACH = 1024 * 1024

type Compiled = { bytes: Buffer } | { regex: UserRegex; utf8: boolean }

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
    return { regex: compileUserRegex(source, { caseInsensitive: p.caseInsensitive }), utf8: encoding === 'utf8' }
  } catch (err) {
    throw err instanceof UserError ? new UserError(`search: ${err.message}`, err.code) : err
  }
}

function checkCancel(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new UserError('search cancelled', ERROR_CODES.ECANCELED)
}

/** The regex's subject for a window: its bytes (UTF-8) or one character per byte (Latin-1). */
const subjectOf = (c: { utf8: boolean }, window: Buffer): string | Uint8Array => (c.utf8 ? window : window.toString('latin1'))

type Read = (offset: number, length: number) => Promise<Buffer>
type RegexPattern = { regex: UserRegex; utf8: boolean }
interface Hit {
  offset: number
  length: number
}

/**
 * The first match that starts in [start, start + step), undefined when none does. The byte
 * before `start` is read as context, so `^` and `\b` do not match falsely at a window's edge.
 * A match that runs to the end of what was read may go on (or end on a false `$`): it is
 * looked at again over twice as much, up to REGEX_REACH.
 */
async function firstRegexMatch(read: Read, total: number, c: RegexPattern, start: number, step: number): Promise<Hit | undefined> {
  const ctx = start > 0 ? 1 : 0
  for (let reach = step + REGEX_OVERLAP; ; reach = Math.min(reach * 2, REGEX_REACH)) {
    const end = Math.min(start + reach, total)
    const window = await read(start - ctx, end - start + ctx)
    const hit = c.regex.first(subjectOf(c, window), ctx)
    if (!hit || (hit.start - ctx >= step && end < total)) return undefined
    if (hit.end === window.length && end < total) {
      if (reach < REGEX_REACH) continue
      // Cut at REGEX_REACH it might be no match at all (`a+$`): never report one that may be false.
      return undefined
    }
    return { offset: start - ctx + hit.start, length: hit.end - hit.start }
  }
}

/** The last match that ends at or before `end`. */
async function lastRegexMatch(read: Read, total: number, c: RegexPattern, end: number, signal: AbortSignal | undefined): Promise<Hit | undefined> {
  for (let stop = end; stop > 0; stop -= REGEX_WINDOW) {
    checkCancel(signal)
    const start = Math.max(0, stop - REGEX_WINDOW - REGEX_OVERLAP)
    const ctx = start > 0 ? 1 : 0
    const window = await read(start - ctx, stop - start + ctx)
    const hits = c.regex.all(subjectOf(c, window), ctx)
    for (let i = hits.length - 1; i >= 0; i--) {
      const offset = start - ctx + hits[i].start
      if (hits[i].end === window.length && stop < total) {
        // Cut by the window: it counts only if, over the whole stream, it ends by `stop`.
        const whole = await firstRegexMatch(read, total, c, offset, 1)
        if (whole?.offset !== offset || offset + whole.length > stop) continue
      }
      return { offset, length: hits[i].end - hits[i].start }
    }
  }
  return undefined
}

export async function searchStream(read: Read, total: number, pattern: Compiled, opts: { from?: number; backward?: boolean; signal?: AbortSignal }): Promise<SearchResult> {
  const found = (hit: Hit | undefined): SearchResult => (hit ? { found: true, ...hit } : { found: false })
  if ('regex' in pattern) {
    if (opts.backward) return found(await lastRegexMatch(read, total, pattern, Math.min(opts.from ?? total, total), opts.signal))
    for (let start = Math.min(opts.from ?? 0, total); start < total; start += REGEX_WINDOW) {
      checkCancel(opts.signal)
      const hit = await firstRegexMatch(read, total, pattern, start, REGEX_WINDOW)
      if (hit) return found(hit)
    }
    return found(undefined)
  }
  const overlap = pattern.bytes.length - 1
  if (!opts.backward) {
    for (let start = Math.min(opts.from ?? 0, total); start < total; start += WINDOW) {
      checkCancel(opts.signal)
      const window = await read(start, Math.min(WINDOW + overlap, total - start))
      const at = window.indexOf(pattern.bytes)
      if (at >= 0) return { found: true, offset: start + at, length: pattern.bytes.length }
    }
    return { found: false }
  }
  // Backward: the last match that ends at or before `from`.
  const end = Math.min(opts.from ?? total, total)
  for (let stop = end; stop > 0; stop -= WINDOW) {
    checkCancel(opts.signal)
    const start = Math.max(0, stop - WINDOW - overlap)
    const window = await read(start, stop - start)
    const at = window.lastIndexOf(pattern.bytes)
    if (at >= 0) return { found: true, offset: start + at, length: pattern.bytes.length }
  }
  return { found: false }
}

/**
 * Where a direction's kept bytes lie, as [start, end) runs between its gaps (bytes forwarded
 * but not kept): one run from 0 to `total` for a stream without gaps.
 */
export function keptRuns(chunks: ChunkIndex, total: number): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  let start = 0
  for (let i = 0; i < chunks.length; i++) {
    if (!chunks.isGap(i)) continue
    if (chunks.stream(i) > start) runs.push([start, chunks.stream(i)])
    start = i + 1 < chunks.length ? chunks.stream(i + 1) : total
  }
  if (total > start) runs.push([start, total])
  return runs
}

/**
 * searchStream over the kept runs of a stream with gaps, each on its own: a match never
 * spans a gap (its bytes are not there to match), and nothing is read from one.
 */
export async function searchKept(read: Read, runs: Array<[number, number]>, pattern: Compiled, opts: { from?: number; backward?: boolean; signal?: AbortSignal }): Promise<SearchResult> {
  const ordered = opts.backward ? [...runs].reverse() : runs
  for (const [s, e] of ordered) {
    const from = opts.from === undefined ? undefined : Math.min(Math.max(opts.from - s, 0), e - s)
    if (opts.from !== undefined && (opts.backward ? opts.from <= s : opts.from >= e)) continue
    const r = await searchStream((offset, length) => read(offset + s, length), e - s, pattern, { ...opts, ...(from === undefined ? {} : { from }) })
    if (r.found) return { ...r, offset: r.offset + s }
  }
  return { found: false }
}
