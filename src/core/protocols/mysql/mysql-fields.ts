// MySQL's encodings read as fields of a message's tree (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html):
// little-endian integers, length-encoded integers and strings (NULL where 0xfb says so),
// NUL-terminated strings, the rest of a packet, bytes shown only by their count (auth
// data), and flag words with each flag named. Every packet's reader (mysql-packets.ts,
// mysql-handshake.ts, mysql-rows.ts) builds on these.

import type { MessageField } from '../../../shared/message-types'
import type { FieldReader } from '../messages/field-reader'
import { childrenOf, type FieldTree } from '../messages/field-tree'
import { shown } from '../messages/field-values'
import { statusNames } from './mysql-names'

/** What describing a packet found wrong beyond a field that runs past its end (a row of the wrong width). */
export interface Remarks {
  error?: string
}

export const LE = true

export function lenenc(r: FieldReader, what: string): number | null {
  const b = r.uint(1, what)
  if (b < 0xfb) return b
  if (b === 0xfb) return null
  if (b === 0xff) throw new Error(`0xff at byte ${r.at - 1} begins no length-encoded ${what}`)
  return r.uint(b === 0xfc ? 2 : b === 0xfd ? 3 : 8, what, LE)
}

export function intField(r: FieldReader, t: FieldTree, name: string, size: number, to?: MessageField[]): number {
  const from = r.at
  const v = r.uint(size, name, LE)
  t.add(name, String(v), r.since(from), to)
  return v
}

export function lenencField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): number | null {
  const from = r.at
  const v = lenenc(r, name)
  t.add(name, v === null ? 'NULL' : String(v), r.since(from), to)
  return v
}

export function lenencString(r: FieldReader, what: string): Uint8Array | null {
  const n = lenenc(r, `${what}'s length`)
  return n === null ? null : r.take(n, what)
}

export function stringField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): Uint8Array | null {
  const from = r.at
  const s = lenencString(r, name)
  t.add(name, s === null ? 'NULL' : shown(s), r.since(from), to)
  return s
}

export function cstringField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): Uint8Array {
  const from = r.at
  const s = r.cstring(name)
  t.add(name, shown(s), r.since(from), to)
  return s
}

export function restField(r: FieldReader, t: FieldTree, name: string, hidden = false): Uint8Array {
  const from = r.at
  const s = r.take(r.left, name)
  r.at = Math.max(r.at, r.end)
  t.add(name, hidden ? `(${r.at - from} bytes, hidden)` : shown(s), r.since(from))
  return s
}

export function hiddenField(r: FieldReader, t: FieldTree, name: string, n: number): void {
  const from = r.at
  r.take(n, name)
  t.add(name, `(${n} bytes, hidden)`, r.since(from))
}

export function flagsField(t: FieldTree, name: string, value: number, names: string[], span: { offset: number; length: number }): void {
  const g = t.group(name, `0x${value.toString(16)}`, span)
  for (const n of names) t.add(n, 'set', undefined, childrenOf(g))
}

export function statusFlags(r: FieldReader, t: FieldTree): number {
  const from = r.at
  const status = r.uint(2, 'status flags', LE)
  flagsField(t, 'status flags', status, statusNames(status), r.since(from))
  return status
}

export const statusWords = (status: number): string => statusNames(status).map((n) => n.replace(/^SERVER_(STATUS_)?/, '')).join(' ')
