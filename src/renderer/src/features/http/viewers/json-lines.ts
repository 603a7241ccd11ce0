// JSON pretty-printed from its own tokens, not from JSON.parse: numbers keep every digit,
// duplicate keys and their order stay, strings keep their escapes, exactly as sent. The
// result is lines with their depth, each opening line knowing where it closes, so a view can
// fold it. Iterative (a hostile body nested a million deep cannot overflow the stack), in
// steps (a few MiB are read in slices, never in one long task), and bounded: past
// `maxLines` the rest is left out and said so.

import { runWhole } from '../../../ui/sliced-work'

export interface JsonLine {
  depth: number
  /** The member's name as sent (quotes and escapes included). */
  key?: string
  /** A value, an opening `{` or `[`, an empty `{}` or `[]`, or a closing `}` or `]`. */
  text: string
  comma: boolean
  /** An opening line: the index of the line that closes it, and how many members or items it holds. */
  end?: number
  items?: number
}

export interface JsonProblem {
  message: string
  /** Character offset in the text. */
  offset: number
}

export interface JsonLines {
  lines: JsonLine[]
  problem?: JsonProblem
  /** Lines were left out past the limit. */
  cut: boolean
}

export const JSON_MAX_LINES = 200_000

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const SPACE = /[ \t\r\n]*/y

type Want = 'value' | 'value-or-end' | 'key' | 'key-or-end' | 'colon' | 'comma-or-end' | 'done'

interface Open {
  line: number
  close: '}' | ']'
  items: number
}

/** The string token starting at `i` (a `"`), or the offset of what is wrong in it. */
function stringAt(text: string, i: number): { end: number } | { bad: number } {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === 0x22) return { end: j + 1 }
    if (c === 0x5c) j++
    else if (c < 0x20) return { bad: j }
  }
  return { bad: text.length }
}

/** Tokens read between two yields of jsonLineSteps: well under a millisecond's work. */
const TOKENS_PER_STEP = 4096

/** `text` as lines, all at once. */
export const jsonLines = (text: string, maxLines = JSON_MAX_LINES): JsonLines => runWhole(jsonLineSteps(text, maxLines))

/** `text` as lines, yielding every few thousand tokens, so a few MiB of JSON is read in slices (ui/sliced-work.ts). */
export function* jsonLineSteps(text: string, maxLines = JSON_MAX_LINES): Generator<void, JsonLines> {
  const lines: JsonLine[] = []
  let tokens = 0
  const stack: Open[] = []
  let key: string | undefined
  let want: Want = 'value'
  let i = 0
  const fail = (message: string, offset = i): JsonLines => ({ lines, problem: { message, offset }, cut: false })
  const skip = (): void => {
    SPACE.lastIndex = i
    SPACE.exec(text)
    i = SPACE.lastIndex
  }
  /** What may follow a value. */
  const afterValue = (): Want => {
    const top = stack[stack.length - 1]
    if (!top) return 'done'
    top.items++
    return 'comma-or-end'
  }
  const close = (): Want => {
    const top = stack.pop()!
    lines.push({ depth: stack.length, text: top.close, comma: false })
    lines[top.line].end = lines.length - 1
    lines[top.line].items = top.items
    return afterValue()
  }

  // A byte order mark is not JSON, but servers send one.
  if (text.charCodeAt(0) === 0xfeff) i = 1
  for (;;) {
    if (++tokens % TOKENS_PER_STEP === 0) yield
    skip()
    if (i >= text.length) break
    if (lines.length >= maxLines) return { lines, cut: true }
    const c = text[i]
    if (want === 'done') return fail('more after the end of the JSON value')
    if (want === 'colon') {
      if (c !== ':') return fail("expected ':'")
      i++
      want = 'value'
      continue
    }
    if (want === 'comma-or-end') {
      const top = stack[stack.length - 1]
      if (c === ',') {
        lines[lines.length - 1].comma = true
        i++
        want = top.close === '}' ? 'key' : 'value'
      } else if (c === top.close) {
        i++
        want = close()
      } else return fail(`expected ',' or '${top.close}'`)
      continue
    }
    if (want === 'key' || want === 'key-or-end') {
      if (c === '}' && want === 'key-or-end') {
        i++
        want = close()
        continue
      }
      if (c !== '"') return fail('expected a member name in quotes')
      const s = stringAt(text, i)
      if ('bad' in s) return fail('bad string', s.bad)
      key = text.slice(i, s.end)
      i = s.end
      want = 'colon'
      continue
    }
    // A value (or the end of an array).
    if (c === ']' && want === 'value-or-end') {
      i++
      want = close()
      continue
    }
    if (c === '{' || c === '[') {
      const closing = c === '{' ? '}' : ']'
      i++
      skip()
      if (text[i] === closing) {
        i++
        lines.push({ depth: stack.length, key, text: c + closing, comma: false })
        key = undefined
        want = afterValue()
        continue
      }
      lines.push({ depth: stack.length, key, text: c, comma: false })
      key = undefined
      stack.push({ line: lines.length - 1, close: closing, items: 0 })
      want = c === '{' ? 'key-or-end' : 'value-or-end'
      continue
    }
    let end: number
    if (c === '"') {
      const s = stringAt(text, i)
      if ('bad' in s) return fail('bad string', s.bad)
      end = s.end
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) end = i + 4
    else if (text.startsWith('false', i)) end = i + 5
    else {
      NUMBER.lastIndex = i
      if (!NUMBER.test(text)) return fail('expected a value')
      end = NUMBER.lastIndex
    }
    lines.push({ depth: stack.length, key, text: text.slice(i, end), comma: false })
    key = undefined
    i = end
    want = afterValue()
  }
  if (want !== 'done') return fail('the JSON ends too soon', text.length)
  return { lines, cut: false }
}

/** The lines shown when the lines in `folded` (opening lines) are folded: their indexes. */
export function visibleLines(lines: readonly JsonLine[], folded: ReadonlySet<number>, max = Infinity): number[] {
  const out: number[] = []
  for (let i = 0; i < lines.length && out.length < max; i++) {
    out.push(i)
    const end = lines[i].end
    if (end !== undefined && folded.has(i)) i = end
  }
  return out
}

/** The opening line that holds line `i` (undefined at the top). */
export function parentLine(lines: readonly JsonLine[], i: number): number | undefined {
  const depth = lines[i]?.depth ?? 0
  if (depth === 0) return undefined
  for (let j = i - 1; j >= 0; j--) if (lines[j].depth === depth - 1 && lines[j].end !== undefined && lines[j].end! >= i) return j
  return undefined
}
