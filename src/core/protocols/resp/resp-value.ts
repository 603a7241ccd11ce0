// RESP2 and RESP3 values (redis's serialization protocol, https://redis.io/docs/latest/develop/reference/protocol-spec/)
// read from bytes: one reader serves measuring a message (how long it is, or how many bytes
// it still needs) and decoding it into a tree. Iterative, so nesting costs no stack, and
// bounded: lengths and element counts past the limits are errors, never allocations.

/** A RESP value as read: its type byte, its bytes, and what it holds. */
export interface RespValue {
  type: string
  /** Offset of its type byte in the message, and its whole length (elements included). */
  offset: number
  length: number
  /** Simple strings, errors, integers, doubles, booleans, big numbers: the line; bulk kinds: the data's offset and length. */
  line?: string
  data?: { offset: number; length: number }
  /** Aggregates: their elements (a map's keys and values alternate); absent for a nil. */
  items?: RespValue[]
  /** How many elements an aggregate declared (items may hold fewer: the field budget). */
  count?: number
  nil?: boolean
  /** RESP3 attributes sent before the value. */
  attributes?: RespValue
}

/** Nesting deeper than this is refused (redis itself nests replies a handful deep). */
export const RESP_MAX_DEPTH = 64
/** Elements an aggregate may declare (redis's own bound on a multibulk is 1024*1024 for inline... and 2^31 for RESP; this is what a viewer waits for). */
export const RESP_MAX_ELEMENTS = 16 * 1024 * 1024

const CR = 13
const LF = 10

const SIMPLE = new Set(['+', '-', ':', ',', '#', '(', '_'])
const BULK = new Set(['$', '!', '='])
const AGGREGATE = new Set(['*', '%', '~', '>', '|'])

export type RespScan = { end: number } | { need: number } | { error: string }

/** Where the line starting at `at` ends (the index of its CR), or -1 while it has not. */
function lineEnd(buf: Uint8Array, at: number, max: number): number {
  const stop = Math.min(buf.length - 1, at + max)
  for (let i = at; i < stop; i++) if (buf[i] === CR && buf[i + 1] === LF) return i
  return -1
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = ''
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i])
  return s
}

/** A header's length or count (`$12`, `*3`), or undefined when it is none. */
function headerNumber(buf: Uint8Array, from: number, to: number): number | undefined {
  if (to <= from || to - from > 20) return undefined
  let neg = false
  let i = from
  if (buf[i] === 0x2d) {
    neg = true
    i++
  }
  if (i >= to) return undefined
  let n = 0
  for (; i < to; i++) {
    const c = buf[i] - 48
    if (c < 0 || c > 9) return undefined
    n = n * 10 + c
  }
  return neg ? -n : n
}

interface Frame {
  type: string
  value: RespValue | undefined
  left: number
}

/**
 * Reads one value at `at`: its end, how many bytes it needs at least, or why it is not RESP.
 * With `build`, the value's tree is made too (its budget caps the elements kept).
 */
export function readResp(buf: Uint8Array, at: number, maxBulk: number, build?: { budget: number; root?: RespValue }): RespScan {
  let pos = at
  const stack: Frame[] = []
  let pendingAttributes: RespValue | undefined
  for (;;) {
    if (pos >= buf.length) return { need: pos + 1 }
    const type = String.fromCharCode(buf[pos])
    const le = lineEnd(buf, pos + 1, 64 * 1024)
    if (le < 0) return buf.length - pos > 64 * 1024 ? { error: `a RESP ${type} line runs over 64 KiB without its CRLF` } : { need: buf.length + 1 }
    let value: RespValue | undefined
    const start = pos
    let childCount = 0
    if (SIMPLE.has(type)) {
      pos = le + 2
      if (build && build.budget-- > 0) value = { type, offset: start, length: pos - start, line: latin1(buf, start + 1, le), ...(type === '_' ? { nil: true } : {}) }
    } else if (BULK.has(type)) {
      const n = headerNumber(buf, pos + 1, le)
      if (n === undefined || n < -1) return { error: `a RESP ${type} header is not a length: ${JSON.stringify(latin1(buf, pos, Math.min(le, pos + 24)))}` }
      if (n > maxBulk) return { error: `a RESP bulk string declares ${n} bytes, over the ${maxBulk}-byte limit` }
      if (n < 0) {
        pos = le + 2
        if (build && build.budget-- > 0) value = { type, offset: start, length: pos - start, nil: true }
      } else {
        const dataAt = le + 2
        const end = dataAt + n + 2
        if (end > buf.length) return { need: end }
        if (buf[end - 2] !== CR || buf[end - 1] !== LF) return { error: `a RESP bulk string of ${n} bytes is not followed by CRLF` }
        pos = end
        if (build && build.budget-- > 0) value = { type, offset: start, length: pos - start, data: { offset: dataAt, length: n } }
      }
    } else if (AGGREGATE.has(type)) {
      const n = headerNumber(buf, pos + 1, le)
      if (n === undefined || n < -1) return { error: `a RESP ${type} header is not a count: ${JSON.stringify(latin1(buf, pos, Math.min(le, pos + 24)))}` }
      const elements = type === '%' || type === '|' ? n * 2 : n
      if (elements > RESP_MAX_ELEMENTS) return { error: `a RESP aggregate declares ${n} elements, over the ${RESP_MAX_ELEMENTS} limit` }
      if (stack.length >= RESP_MAX_DEPTH) return { error: `RESP values nest deeper than ${RESP_MAX_DEPTH}` }
      pos = le + 2
      if (build && build.budget-- > 0) value = { type, offset: start, length: 0, count: n, ...(n < 0 ? { nil: true } : { items: [] }) }
      childCount = Math.max(0, elements)
    } else {
      return { error: `0x${buf[pos].toString(16).padStart(2, '0')} is no RESP type byte` }
    }
    if (value && pendingAttributes) {
      value.attributes = pendingAttributes
      pendingAttributes = undefined
    }
    if (childCount > 0) {
      stack.push({ type, value, left: childCount })
      continue
    }
    // A value is whole: it may fill its parents in turn.
    let doneType = type
    let done: RespValue | undefined = value
    for (;;) {
      if (doneType === '|') {
        // Attributes come before the value they describe, which is read next in their place.
        pendingAttributes = done
        break
      }
      const parent = stack[stack.length - 1]
      if (parent === undefined) {
        if (build) build.root = done
        return { end: pos }
      }
      if (done && parent.value?.items) parent.value.items.push(done)
      if (--parent.left > 0) break
      stack.pop()
      if (parent.value) parent.value.length = pos - parent.value.offset
      doneType = parent.type
      done = parent.value
    }
  }
}
