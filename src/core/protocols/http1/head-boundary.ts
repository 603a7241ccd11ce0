// Where an HTTP/1 head begins and ends in raw bytes, before it is parsed: whether the bytes
// at hand can begin a start line, and whether a first line that has come whole is one (so
// garbage is refused at once, not after MAX_HEAD_BYTES of buffering), and where the empty
// line that ends a header section is.

import { CR, LF, latin1 } from './bytes'
import { parseStartLine, type MessageKind } from './head-parser'

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]

/**
 * Why the bytes at `data[i]` (as many as have come) cannot begin a start line of `kind`, or
 * undefined when they can; the same answer however the bytes were split.
 */
export function notAStart(kind: MessageKind, data: Uint8Array, i: number): string | undefined {
  // The bytes quoted are those up to the first that does not fit, so the problem reads the same however they were split.
  const expected = kind === 'request' ? 1 : HTTP_SLASH.length
  for (let k = 0; k < expected && i + k < data.length; k++) {
    const fits = kind === 'request' ? TCHAR.test(String.fromCharCode(data[i])) : data[i + k] === HTTP_SLASH[k]
    if (fits) continue
    return `not the start of an HTTP/1.x ${kind}: ${JSON.stringify(latin1(data, i, i + k + 1))}`
  }
  return undefined
}

/**
 * Whether the head starting at `data[from]` has its first line whole and a start line of
 * `kind`: true when it has, false while the line has not come whole, or the problem.
 */
export function firstLineChecked(kind: MessageKind, data: Uint8Array, from: number): boolean | string {
  const lf = data.indexOf(LF, from)
  if (lf < 0) return false
  const line = latin1(data, from, lf > from && data[lf - 1] === CR ? lf - 1 : lf)
  return parseStartLine(kind, line) ? true : `not an HTTP/1.x ${kind === 'request' ? 'request' : 'status'} line: "${line.slice(0, 60)}"`
}

/**
 * Where the empty line that ends a header section is, searching from `j` (just after the
 * previous LF when `atLineStart`): the index just past it, or -(resume index + 1) when
 * `data` ends first.
 */
export function findBlankLine(data: Uint8Array, j: number, atLineStart: boolean): number {
  const len = data.length
  if (atLineStart) {
    if (j >= len) return -(j + 1)
    if (data[j] === LF) return j + 1
    if (data[j] === CR) {
      if (j + 1 >= len) return -(j + 1)
      if (data[j + 1] === LF) return j + 2
    }
  }
  for (;;) {
    j = data.indexOf(LF, j)
    if (j < 0) return -(len + 1)
    if (j + 1 >= len) return -(j + 1)
    if (data[j + 1] === LF) return j + 2
    if (data[j + 1] === CR) {
      if (j + 2 >= len) return -(j + 1)
      if (data[j + 2] === LF) return j + 3
    }
    j++
  }
}
