// How decoders show bytes in a field or a summary: text where it is printable (control
// characters named as the byte views name them), hex where it is not, always bounded.

import { MESSAGE_SUMMARY_MAX, MESSAGE_VALUE_SHOWN, type MessageField } from '../../../shared/message-types'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function hexOf(bytes: Uint8Array, max = MESSAGE_VALUE_SHOWN / 2): string {
  const n = Math.min(bytes.length, max)
  let out = ''
  for (let i = 0; i < n; i++) out += (i ? ' ' : '') + HEX[bytes[i]]
  return n < bytes.length ? `${out} …` : out
}

/** Whether the bytes read as UTF-8 text a person can read (tabs and line ends allowed). */
export function isPrintable(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) return false
    if (b === 0x7f) return false
  }
  return utf8.decode(bytes).indexOf('\ufffd') < 0
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

/**
 * Characters that show nothing (controls) or change how the text around them shows (the
 * bidirectional overrides and isolates, zero-width marks): a summary holding U+202E showed the
 * rest of the list's row backwards. Escaped as \u{202E}, so captured text cannot pass itself
 * off as other text.
 */
const HIDDEN = new RegExp('[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2069\\ufeff]', 'g')

/** `text` with its hidden characters escaped (CR, LF and tabs are the caller's to escape or keep). */
export const escapeHidden = (text: string): string => text.replace(HIDDEN, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`)

/** UTF-8 text with CR, LF and tabs shown as escapes, and other hidden characters too, for one line. */
export function textOf(bytes: Uint8Array, max = MESSAGE_VALUE_SHOWN): string {
  const s = utf8.decode(bytes.subarray(0, max * 4))
  const escaped = escapeHidden(s.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t'))
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped
}

/** Text where printable, else hex: a value as fields and summaries show it. */
export function shown(bytes: Uint8Array, max = MESSAGE_VALUE_SHOWN): string {
  return isPrintable(bytes) ? textOf(bytes, max) : `0x ${hexOf(bytes, Math.floor(max / 3))}`
}

const utf8Encoder = new TextEncoder()

/**
 * A plain value as a field shows it: numbers and booleans as written, text escaped onto one
 * line and bounded, bytes as hex (`(empty)` for none), nothing as ''; undefined for any other
 * kind of value (an object, a function), which the caller says it cannot show.
 */
export function plainValue(v: unknown): string | undefined {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (typeof v === 'string') return textOf(utf8Encoder.encode(v.slice(0, MESSAGE_VALUE_SHOWN * 2)))
  if (v instanceof Uint8Array) return v.length === 0 ? '(empty)' : `0x ${hexOf(v)}`
  if (v === null || v === undefined) return ''
  return undefined
}

/** A value in a summary: quoted when it has spaces or is empty, cut short. */
export function word(bytes: Uint8Array, max = 60): string {
  if (!isPrintable(bytes)) return `<${bytes.length} bytes>`
  const t = textOf(bytes, max)
  return t === '' || /\s/.test(t) ? JSON.stringify(t) : t
}

/** A summary cut to its bound. */
export function line(text: string): string {
  return text.length > MESSAGE_SUMMARY_MAX ? `${text.slice(0, MESSAGE_SUMMARY_MAX - 1)}…` : text
}

/** A field over a span of the message. */
export const field = (name: string, value: string, offset?: number, length?: number, children?: MessageField[]): MessageField => ({
  name,
  value,
  ...(offset !== undefined ? { offset } : {}),
  ...(length !== undefined ? { length } : {}),
  ...(children && children.length ? { children } : {})
})

/** Counts fields as a tree is built, so one message's tree stays bounded. */
export class FieldBudget {
  used = 0
  cut = false
  constructor(private readonly max: number) {}
  take(n = 1): boolean {
    if (this.used + n > this.max) {
      this.cut = true
      return false
    }
    this.used += n
    return true
  }
}

/** Reads unsigned integers of 1 to 8 bytes (8: as a Number, exact up to 2^53). */
export function uint(bytes: Uint8Array, at: number, size: number, little = false): number {
  let v = 0
  for (let i = 0; i < size; i++) v = v * 256 + bytes[little ? at + size - 1 - i : at + i]
  return v
}
