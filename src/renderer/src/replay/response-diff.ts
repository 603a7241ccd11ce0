// What changed between a recorded answer and its replay, as the replay view shows it:
// headers paired by name, and bodies as a line diff when both read as text or as 16-byte
// rows side by side when either is binary. Every result is bounded (lines, rows, and the
// diff library's own effort), so two very different 64 KiB bodies never freeze the page.

import { VOLATILE_RESPONSE_HEADERS } from '../../../shared/replay-types'
import { diffLines } from 'diff'
import { sameBytes } from '../bytes/same-bytes'

export interface HeaderDiffRow {
  name: string
  recorded?: string
  replayed?: string
  change: 'same' | 'changed' | 'added' | 'removed'
  /** Date, Age, Expires (VOLATILE_HEADERS): headers that differ on every answer, shown but not counted. */
  volatile: boolean
}

/**
 * Headers that differ on every answer. The same three the engine leaves out of a replay's
 * `matched` (core/replay/http-replay.ts), so the view never counts a change the verdict
 * ignores or the other way round; Set-Cookie is counted there, so it is here.
 */
export const VOLATILE_HEADERS: ReadonlySet<string> = new Set(VOLATILE_RESPONSE_HEADERS)

type Header = { name: string; value: string }

/** Headers paired by name (case-insensitive), duplicates by occurrence, in the replayed order with removed ones where they were. */
export function diffHeaders(recorded: Header[], replayed: Header[]): HeaderDiffRow[] {
  // The k-th recorded header of a name pairs with the k-th replayed one of that name.
  const replayedByName = new Map<string, number[]>()
  replayed.forEach((h, i) => {
    const key = h.name.toLowerCase()
    const list = replayedByName.get(key)
    if (list === undefined) replayedByName.set(key, [i])
    else list.push(i)
  })
  const partnerOfReplayed = new Map<number, number>()
  const seen = new Map<string, number>()
  // A removed header follows the last replayed row whose recorded header came before it (-1:
  // first): when the server reordered, it still comes after every header it followed.
  const removedAfter = new Map<number, number[]>()
  let anchor = -1
  recorded.forEach((h, i) => {
    const key = h.name.toLowerCase()
    const k = seen.get(key) ?? 0
    seen.set(key, k + 1)
    const partner = replayedByName.get(key)?.[k]
    if (partner !== undefined) {
      partnerOfReplayed.set(partner, i)
      anchor = Math.max(anchor, partner)
      return
    }
    const list = removedAfter.get(anchor)
    if (list === undefined) removedAfter.set(anchor, [i])
    else list.push(i)
  })
  const rows: HeaderDiffRow[] = []
  const pushRemoved = (after: number): void => {
    for (const i of removedAfter.get(after) ?? []) {
      const h = recorded[i]
      rows.push({ name: h.name, recorded: h.value, change: 'removed', volatile: isVolatile(h.name) })
    }
  }
  pushRemoved(-1)
  replayed.forEach((h, r) => {
    const i = partnerOfReplayed.get(r)
    if (i === undefined) {
      rows.push({ name: h.name, replayed: h.value, change: 'added', volatile: isVolatile(h.name) })
    } else {
      const was = recorded[i].value
      rows.push({ name: h.name, recorded: was, replayed: h.value, change: was === h.value ? 'same' : 'changed', volatile: isVolatile(h.name) })
    }
    pushRemoved(r)
  })
  return rows
}

const isVolatile = (name: string): boolean => VOLATILE_HEADERS.has(name.toLowerCase())

export interface DiffLine {
  change: 'same' | 'added' | 'removed'
  text: string
}

export interface ByteDiffRow {
  offset: number
  recorded: Array<number | undefined>
  replayed: Array<number | undefined>
  /** Per column: the two bytes differ (or one is missing). */
  differs: boolean[]
}

export type BodyDiff =
  | { kind: 'same' }
  | {
      kind: 'text'
      lines: DiffLine[]
      /** Lines were cut at a limit to stay fast. */
      truncated: boolean
      /** The diff gave up at its effort limit: between the common first and last lines, all is shown removed then added. */
      coarse?: boolean
    }
  | { kind: 'bytes'; rows: ByteDiffRow[]; firstDifference: number; truncated: boolean }

/** The most lines a text diff returns (the view collapses runs of same lines; this bounds the DOM). */
export const MAX_DIFF_LINES = 5000
/** The most 16-byte rows a byte diff returns (64 KiB, a whole replay preview). */
export const MAX_DIFF_ROWS = 4096
export const BYTES_PER_ROW = 16
/**
 * The diff library's effort bounds. Myers' cost grows with lines times edits; two unrelated
 * 64 KiB texts of short lines are ~30k lines each and would take seconds. Past either bound
 * the coarse diff (common start and end kept, the middle removed then added) is shown.
 */
const DIFF_TIMEOUT_MS = 200
const MAX_EDIT_LENGTH = 4000

/** Text diff by lines when both are text; else a 16-byte-row byte diff aligned by offset. `binary` forces one or the other. */
export function diffBodies(recorded: Uint8Array, replayed: Uint8Array, opts: { binary?: boolean } = {}): BodyDiff {
  if (sameBytes(recorded, replayed)) return { kind: 'same' }
  const binary = opts.binary ?? (looksBinary(recorded) || looksBinary(replayed))
  return binary ? diffByteRows(recorded, replayed) : diffTextLines(decodeUtf8(recorded), decodeUtf8(replayed))
}

// ignoreBOM keeps a byte-order mark as a character, so a body that differs only by one does not diff as all same.
const decodeUtf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)

/** Control bytes other than tab/CR/LF, or invalid UTF-8: binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return true
  }
  try {
    // stream: a preview cut in the middle of a character still reads as text.
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: true })
    return false
  } catch {
    return true
  }
}

/** Lines with their line ending, as diffLines tokenizes them. */
function splitLines(text: string): string[] {
  const lines: string[] = []
  let at = 0
  while (at < text.length) {
    const lf = text.indexOf('\n', at)
    const end = lf < 0 ? text.length : lf + 1
    lines.push(text.slice(at, end))
    at = end
  }
  return lines
}

const withoutEol = (line: string): string => line.replace(/\r?\n$/, '')

function diffTextLines(recorded: string, replayed: string): BodyDiff {
  const a = splitLines(recorded)
  const b = splitLines(replayed)
  // The common first and last lines are cut off before the library sees the texts: a replay
  // that changed one line of a large body costs nothing more than that line.
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const middleA = a.slice(head, a.length - tail)
  const middleB = b.slice(head, b.length - tail)

  const out: DiffLine[] = []
  let truncated = false
  const push = (change: DiffLine['change'], lines: string[]): void => {
    for (const line of lines) {
      if (out.length >= MAX_DIFF_LINES) {
        truncated = true
        return
      }
      out.push({ change, text: withoutEol(line) })
    }
  }
  push('same', a.slice(0, head))
  const changes =
    middleA.length === 0 || middleB.length === 0
      ? undefined
      : diffLines(middleA.join(''), middleB.join(''), { timeout: DIFF_TIMEOUT_MS, maxEditLength: MAX_EDIT_LENGTH })
  const coarse = changes === undefined && middleA.length > 0 && middleB.length > 0
  if (changes === undefined) {
    push('removed', middleA)
    push('added', middleB)
  } else {
    for (const c of changes) push(c.added ? 'added' : c.removed ? 'removed' : 'same', splitLines(c.value))
  }
  push('same', a.slice(a.length - tail))
  return coarse ? { kind: 'text', lines: out, truncated, coarse } : { kind: 'text', lines: out, truncated }
}

function diffByteRows(recorded: Uint8Array, replayed: Uint8Array): BodyDiff {
  const common = Math.min(recorded.length, replayed.length)
  let firstDifference = 0
  while (firstDifference < common && recorded[firstDifference] === replayed[firstDifference]) firstDifference++
  const longest = Math.max(recorded.length, replayed.length)
  const shown = Math.min(longest, MAX_DIFF_ROWS * BYTES_PER_ROW)
  const rows: ByteDiffRow[] = []
  for (let offset = 0; offset < shown; offset += BYTES_PER_ROW) {
    const width = Math.min(BYTES_PER_ROW, shown - offset)
    const row: ByteDiffRow = { offset, recorded: [], replayed: [], differs: [] }
    for (let i = offset; i < offset + width; i++) {
      const x = i < recorded.length ? recorded[i] : undefined
      const y = i < replayed.length ? replayed[i] : undefined
      row.recorded.push(x)
      row.replayed.push(y)
      row.differs.push(x !== y)
    }
    rows.push(row)
  }
  return { kind: 'bytes', rows, firstDifference, truncated: longest > shown }
}
