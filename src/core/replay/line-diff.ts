// A bounded line diff of two bodies' text, as hunks with a few lines of context (what a
// unified diff shows). Lines are never split out of the texts wholesale: each text gets an
// index of where its lines start, the common first and last lines are skipped, and only the
// lines a hunk shows are cut out. Between the common ends, two texts with as many lines and
// few differing pairs (values changed in place, the usual replay) are paired line by line;
// otherwise the `diff` library compares them, within bounds on its input and effort, past
// which the middle shows as removed then added. Lines carried are capped in number and length.

import { diffLines } from 'diff'
import { DIFF_CONTEXT_LINES as CONTEXT, DIFF_TIMEOUT_MS, MAX_DIFF_EDIT_LENGTH, MAX_DIFF_LINE_CHARS, MAX_DIFF_RESULT_LINES, type DiffHunk, type DiffLine, type LineDiff } from '../../shared/response-comparison-types'

/**
 * When both middles have as many lines and at most this many pairs differ, line i is paired
 * with line i without the library: a person reads a replay that changed values in place (a
 * stamp, an id in every record) that way too, and pairing is linear, where the library's
 * tokenizing alone takes a large share of a second on a few MiB of pretty JSON.
 */
const MAX_PAIRED_CHANGES = 1000
/**
 * The library's bounds: Myers' cost grows with lines times edits, so two unrelated texts of
 * many short lines would take seconds. Past 1 MiB of middle a side, 200 ms or 4000 edits,
 * the middle shows coarsely (removed, then added): every changed line is still in it.
 */
const MAX_LIBRARY_CHARS = 1024 * 1024

/** A text with the offsets its lines start at (a line keeps its line ending). */
class Lines {
  readonly starts: number[] = []

  constructor(readonly text: string) {
    for (let at = 0; at < text.length; ) {
      this.starts.push(at)
      const lf = text.indexOf('\n', at)
      at = lf < 0 ? text.length : lf + 1
    }
  }

  get count(): number {
    return this.starts.length
  }

  at(i: number): string {
    return this.text.slice(this.starts[i], i + 1 < this.starts.length ? this.starts[i + 1] : this.text.length)
  }

  /** Lines [from, to) as one string. */
  span(from: number, to: number): string {
    return from >= to ? '' : this.text.slice(this.starts[from], to < this.starts.length ? this.starts[to] : this.text.length)
  }
}

/** `count` lines from line `a` of the recorded text and line `b` of the replayed one. */
interface Op {
  change: DiffLine['change']
  a: number
  b: number
  count: number
}

/** The diff of `recorded` to `replayed` by lines; no hunks when they are the same. */
export function lineDiff(recorded: string, replayed: string): LineDiff {
  const a = new Lines(recorded)
  const b = new Lines(replayed)
  let head = 0
  while (head < a.count && head < b.count && a.at(head) === b.at(head)) head++
  let tail = 0
  while (tail < a.count - head && tail < b.count - head && a.at(a.count - 1 - tail) === b.at(b.count - 1 - tail)) tail++
  const endA = a.count - tail
  const endB = b.count - tail

  const ops: Op[] = [{ change: 'same', a: 0, b: 0, count: head }]
  let coarse = false
  const middle = pairedOps(a, b, head, endA, endB) ?? libraryOps(a, b, head, endA, endB)
  if (middle === undefined) {
    coarse = head < endA && head < endB
    ops.push({ change: 'removed', a: head, b: head, count: endA - head }, { change: 'added', a: endA, b: head, count: endB - head })
  } else ops.push(...middle)
  ops.push({ change: 'same', a: endA, b: endB, count: tail })
  const { hunks, cut } = hunksOf(ops, a, b)
  return { hunks, cut, coarse }
}

/** Line i against line i, when both middles have as many lines and few pairs differ; else undefined. */
function pairedOps(a: Lines, b: Lines, head: number, endA: number, endB: number): Op[] | undefined {
  const n = endA - head
  if (n !== endB - head || n === 0) return undefined
  let differing = 0
  for (let i = head; i < endA; i++) if (a.at(i) !== b.at(i) && ++differing > MAX_PAIRED_CHANGES) return undefined
  const ops: Op[] = []
  for (let i = head; i < endA; ) {
    const same = a.at(i) === b.at(i)
    let j = i
    while (j < endA && (a.at(j) === b.at(j)) === same) j++
    if (same) ops.push({ change: 'same', a: i, b: i, count: j - i })
    else ops.push({ change: 'removed', a: i, b: i, count: j - i }, { change: 'added', a: j, b: i, count: j - i })
    i = j
  }
  return ops
}

/** The library's diff of the middles, within its bounds; undefined past them. */
function libraryOps(a: Lines, b: Lines, head: number, endA: number, endB: number): Op[] | undefined {
  if (head === endA || head === endB) return [{ change: 'removed', a: head, b: head, count: endA - head }, { change: 'added', a: endA, b: head, count: endB - head }]
  const middleA = a.span(head, endA)
  const middleB = b.span(head, endB)
  if (middleA.length > MAX_LIBRARY_CHARS || middleB.length > MAX_LIBRARY_CHARS) return undefined
  const changes = diffLines(middleA, middleB, { timeout: DIFF_TIMEOUT_MS, maxEditLength: MAX_DIFF_EDIT_LENGTH })
  if (changes === undefined) return undefined
  const ops: Op[] = []
  let atA = head
  let atB = head
  for (const c of changes) {
    const change = c.added ? 'added' : c.removed ? 'removed' : 'same'
    ops.push({ change, a: atA, b: atB, count: c.count })
    if (change !== 'added') atA += c.count
    if (change !== 'removed') atB += c.count
  }
  return ops
}

function shown(line: string): string {
  const text = line.replace(/\r?\n$/, '')
  return text.length > MAX_DIFF_LINE_CHARS ? text.slice(0, MAX_DIFF_LINE_CHARS) + '…' : text
}

/** The changed runs with CONTEXT same lines either side; same runs longer than twice that split hunks. */
function hunksOf(ops: Op[], a: Lines, b: Lines): { hunks: DiffHunk[]; cut: boolean } {
  const hunks: DiffHunk[] = []
  let carried = 0
  let cut = false
  let open: DiffHunk | undefined
  const push = (change: DiffLine['change'], text: string): void => {
    if (carried >= MAX_DIFF_RESULT_LINES) {
      cut = true
      return
    }
    open!.lines.push({ change, text: shown(text) })
    carried++
  }
  let lastChange = -1
  ops.forEach((op, i) => {
    if (op.change !== 'same' && op.count > 0) lastChange = i
  })
  ops.forEach((op, i) => {
    if (op.count === 0 && op.change !== 'same') return
    if (op.change !== 'same') {
      open ??= hunks[hunks.push({ recordedLine: op.a + 1, replayedLine: op.b + 1, lines: [] }) - 1]
      const from = op.change === 'removed' ? a : b
      const start = op.change === 'removed' ? op.a : op.b
      for (let k = 0; k < op.count && !cut; k++) push(op.change, from.at(start + k))
      return
    }
    const n = op.count
    const last = i > lastChange
    // After a change: its trailing context; the hunk goes on when the next change is that close.
    const after = open === undefined ? 0 : Math.min(n, CONTEXT)
    for (let k = 0; k < after; k++) push('same', a.at(op.a + k))
    if (open !== undefined && !last && n <= 2 * CONTEXT) {
      for (let k = after; k < n; k++) push('same', a.at(op.a + k))
      return
    }
    open = undefined
    if (last) return
    const before = Math.min(n - after, CONTEXT)
    open = hunks[hunks.push({ recordedLine: op.a + n - before + 1, replayedLine: op.b + n - before + 1, lines: [] }) - 1]
    for (let k = n - before; k < n; k++) push('same', a.at(op.a + k))
  })
  return { hunks: hunks.filter((h) => h.lines.length > 0), cut }
}
