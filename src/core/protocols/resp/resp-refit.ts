// An edited RESP message made whole again: a person changes `hello` to `hello world` in a
// held `SET k hello` and means the longer value, so every bulk string's `$length` is set to
// the bytes it now holds and the top-level array's `*count` to the elements it now has.
// Read leniently, as a person leaves an edit: a bulk string whose declared length still ends
// at a line end is kept byte for byte (binary values stay exact); otherwise it runs to the
// next line end. LF line ends (an editor's) are written back as CRLF.

import { RESP_MAX_DEPTH } from './resp-value'

const CR = 13
const LF = 10
const SIMPLE = new Set('+-:,#(_'.split('').map((c) => c.charCodeAt(0)))
const BULK = new Set('$!='.split('').map((c) => c.charCodeAt(0)))
const AGGREGATE = new Set('*%~>|'.split('').map((c) => c.charCodeAt(0)))
const PAIRED = new Set('%|'.split('').map((c) => c.charCodeAt(0)))

const ascii = new TextEncoder()
const CRLF = new Uint8Array([CR, LF])

class Bad extends Error {}

/** The line starting at `at`: its bytes (no line end) and where the next starts. */
function lineAt(buf: Uint8Array, at: number): { line: Uint8Array; next: number } {
  let i = at
  while (i < buf.length && buf[i] !== LF) i++
  const end = i > at && buf[i - 1] === CR ? i - 1 : i
  return { line: buf.subarray(at, end), next: Math.min(buf.length, i + 1) }
}

function headerCount(line: Uint8Array): number {
  const text = String.fromCharCode(...line.subarray(1, 24)).trim()
  if (!/^-?\d+$/.test(text)) throw new Bad(`"${String.fromCharCode(line[0])}${text}" has no number after its type`)
  return Number(text)
}

const blankFrom = (buf: Uint8Array, at: number): boolean => buf.subarray(at).every((b) => b === CR || b === LF || b === 32 || b === 9)

class Writer {
  readonly parts: Uint8Array[] = []
  line(bytes: Uint8Array): void {
    this.parts.push(bytes, CRLF)
  }
  text(s: string): void {
    this.line(ascii.encode(s))
  }
}

/** Reads one value at `at`, writing it refit; `top`: an aggregate takes every element up to the edit's end, whatever its count said. */
function value(buf: Uint8Array, at: number, out: Writer, depth: number, top: boolean): number {
  if (depth > RESP_MAX_DEPTH) throw new Bad(`it nests deeper than ${RESP_MAX_DEPTH}`)
  if (at >= buf.length) throw new Bad('it ends where a value should be')
  const type = buf[at]
  const { line, next } = lineAt(buf, at)
  const t = String.fromCharCode(type)
  if (SIMPLE.has(type)) {
    out.line(line)
    return next
  }
  if (BULK.has(type)) {
    const declared = headerCount(line)
    if (declared < 0) {
      out.text(`${t}-1`)
      return next
    }
    let data: Uint8Array
    let after: number
    if (next + declared + 2 <= buf.length && buf[next + declared] === CR && buf[next + declared + 1] === LF) {
      data = buf.subarray(next, next + declared)
      after = next + declared + 2
    } else if (next + declared === buf.length) {
      data = buf.subarray(next)
      after = buf.length
    } else {
      const l = lineAt(buf, next)
      data = l.line
      after = l.next
    }
    out.text(`${t}${data.length}`)
    out.line(data)
    return after
  }
  if (AGGREGATE.has(type)) {
    const declared = headerCount(line)
    if (declared < 0) {
      out.text(`${t}-1`)
      return next
    }
    const header = out.parts.length
    out.text('')
    let at2 = next
    let n = 0
    if (top && type !== 0x7c /* | */) {
      while (!blankFrom(buf, at2)) {
        at2 = value(buf, at2, out, depth + 1, false)
        n++
      }
    } else {
      const elements = PAIRED.has(type) ? declared * 2 : declared
      for (; n < elements; n++) at2 = value(buf, at2, out, depth + 1, false)
    }
    if (PAIRED.has(type) && n % 2 !== 0) throw new Bad(`a ${t === '%' ? 'map' : 'attribute'} has ${n} elements, not key-value pairs`)
    out.parts[header] = ascii.encode(`${t}${PAIRED.has(type) ? n / 2 : n}`)
    // Attributes come before the value they describe.
    return type === 0x7c ? value(buf, at2, out, depth + 1, top) : at2
  }
  throw new Bad(`"${t}" at byte ${at} is no RESP type`)
}

/** The edit as one RESP message with its lengths and counts set from what it holds; an inline command goes as it is. */
export function refitResp(dir: 'client' | 'server', edited: Uint8Array): Uint8Array | { error: string } {
  if (edited.length === 0) return { error: 'the edit is empty: drop the message instead' }
  const first = edited[0]
  if (dir === 'client' && !SIMPLE.has(first) && !BULK.has(first) && !AGGREGATE.has(first)) return edited
  const out = new Writer()
  try {
    const end = value(edited, 0, out, 0, true)
    if (!blankFrom(edited, end)) throw new Bad(`it holds more than one value (byte ${end} on): send each as its own message`)
  } catch (err) {
    if (err instanceof Bad) return { error: `the edit is not one RESP value: ${err.message}` }
    throw err
  }
  const size = out.parts.reduce((n, p) => n + p.length, 0)
  const bytes = new Uint8Array(size)
  let o = 0
  for (const p of out.parts) {
    bytes.set(p, o)
    o += p.length
  }
  return bytes
}
