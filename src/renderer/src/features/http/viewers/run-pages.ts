// A body as text (in its encoding) or as hex rows, cut into pages that are each made in a
// few milliseconds: a MiB of text is a million characters made one at a time (about 200 ms
// at once), so the viewers make it a page per step (ui/sliced-work.ts) and draw each page
// as its own block. A text page ends after a line feed near its end where there is one,
// else on a character's first byte, so no character is split between two pages.

import { offsetDigits, visibleHex } from '../../bytes/hex/visible-hex'
import { visibleText, type TextRun, type VisibleText } from '../../bytes/text/visible-text'
import type { TextEncodingName } from '../../bytes/encodings'

/**
 * Bytes a text page holds at most: a few hundred lines, made in a few milliseconds. Pages are
 * small so that the browser lays out only the ones in view (PagedRuns.vue).
 */
export const PAGE_BYTES = 16 * 1024
/** Bytes a hex page holds: 256 rows (a multiple of 16, so pages are whole rows). */
export const HEX_PAGE_BYTES = 4 * 1024

export type RunsLook = 'text' | 'hex'

export interface RunPage {
  /** The page's bytes in the body: [from, to). */
  from: number
  to: number
  view: VisibleText
}

const LF = 0x0a

/** Where the text page that starts at `from` ends. */
export function textPageEnd(bytes: Uint8Array, from: number, encoding: TextEncodingName, size = PAGE_BYTES): number {
  const end = from + size
  if (end >= bytes.length) return bytes.length
  const unit = encoding === 'utf-16le' ? 2 : 1
  // A line feed in the page's last eighth: in every encoding read here it is one byte (two
  // in UTF-16LE) that is never part of another character.
  for (let i = end - unit; i >= end - size / 8; i--) {
    if (bytes[i] !== LF) continue
    if (unit === 1) return i + 1
    if ((i - from) % 2 === 0 && bytes[i + 1] === 0) return i + 2
  }
  if (unit === 2) return end - ((end - from) % 2)
  if (encoding !== 'utf-8') return end
  let at = end
  while (at > end - 3 && (bytes[at] & 0xc0) === 0x80) at--
  return at
}

/** Runs with the same look side by side made one: a MiB of NUL bytes is one element, not a million. */
function joinedRuns(runs: TextRun[]): TextRun[] {
  const out: TextRun[] = []
  for (const run of runs) {
    const last = out[out.length - 1]
    if (last && last.control === run.control) last.text += run.text
    else out.push({ ...run })
  }
  return out
}

/** The pages of `bytes` from `from` on (where an earlier page ended), one a step. */
export function* runPageSteps(bytes: Uint8Array, from: number, look: RunsLook, encoding: TextEncodingName, onPage: (page: RunPage) => void): Generator<void, void> {
  const digits = offsetDigits(bytes.length)
  for (let at = from; at < bytes.length; ) {
    const to = look === 'hex' ? Math.min(bytes.length, at + HEX_PAGE_BYTES) : textPageEnd(bytes, at, encoding)
    const slice = bytes.subarray(at, to)
    const view = look === 'hex' ? visibleHex(slice, Infinity, { base: at, digits }) : visibleText(slice, encoding)
    onPage({ from: at, to, view: { ...view, runs: joinedRuns(view.runs) } })
    at = to
    yield
  }
}

/** `a` and `b` hold the same bytes in [0, n). */
export function samePrefix(a: Uint8Array, b: Uint8Array, n: number): boolean {
  if (a.length < n || b.length < n) return false
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false
  return true
}
