// A MySQL result set's packets for a person: each column's definition (its type named), and
// rows by column name, in the text protocol (length-encoded strings) or the binary one (a
// NULL bitmap, then each value as its column's type encodes it: binaryValue, which a
// prepared statement's execute parameters are read by too).

import type { FieldReader } from '../messages/field-reader'
import type { FieldTree } from '../messages/field-tree'
import { hexOf, shown, textOf, word } from '../messages/field-values'
import type { Column } from './mysql-connection'
import { intField, LE, lenencField, lenencString, stringField, type Remarks } from './mysql-fields'
import { MARIADB_CLIENT_EXTENDED_TYPE_INFO, NUMERIC_TYPES, UNSIGNED_FLAG, columnTypeName, has } from './mysql-names'

export function columnDefinition(r: FieldReader, t: FieldTree, caps: number): string {
  for (const n of ['catalog', 'schema', 'table', 'original table']) stringField(r, t, n)
  const name = stringField(r, t, 'name') ?? new Uint8Array(0)
  stringField(r, t, 'original name')
  if (has(caps, MARIADB_CLIENT_EXTENDED_TYPE_INFO)) stringField(r, t, 'extended type info')
  lenencField(r, t, 'length of fixed fields')
  intField(r, t, 'character set', 2)
  intField(r, t, 'column length', 4)
  const from = r.at
  const type = r.uint(1, 'type')
  t.add('type', `${columnTypeName(type)} (${type})`, r.since(from))
  const fAt = r.at
  const flags = r.uint(2, 'flags', LE)
  t.add('flags', `0x${flags.toString(16)}${flags & UNSIGNED_FLAG ? ' UNSIGNED' : ''}`, r.since(fAt))
  intField(r, t, 'decimals', 1)
  if (r.left >= 2) r.take(2, 'filler')
  return `ColumnDefinition ${word(name, 60)} ${columnTypeName(type)}`
}

const valueWord = (col: Column | undefined, v: Uint8Array): string => (col && NUMERIC_TYPES.has(col.type) ? word(v, 40) : JSON.stringify(textOf(v, 40)))

export function textRow(r: FieldReader, t: FieldTree, columns: Column[] | undefined, remarks: Remarks): string {
  const words: string[] = []
  let i = 0
  while (!r.done) {
    const col = columns?.[i]
    const label = col?.name ?? `column ${i + 1}`
    const from = r.at
    const v = lenencString(r, `value ${i + 1}`)
    t.add(label, v === null ? 'NULL' : shown(v), r.since(from))
    if (words.length < 12) words.push(`${label}=${v === null ? 'NULL' : valueWord(col, v)}`)
    i++
    if (i > 65536) break
  }
  if (columns && i !== columns.length) remarks.error = `this row holds ${i} values, but its result set defined ${columns.length} columns`
  return `Row ${words.join(' ')}${i > 12 ? ' …' : ''}`.trimEnd()
}

/** One binary-protocol value of a column's type, as text. */
export function binaryValue(r: FieldReader, col: Column, what: string): string {
  const unsigned = (col.flags & UNSIGNED_FLAG) !== 0
  const int = (size: number): string => {
    const v = r.uint(size, what, LE)
    const top = 2 ** (size * 8)
    return String(!unsigned && v >= top / 2 ? v - top : v)
  }
  switch (col.type) {
    case 1:
      return int(1)
    case 2:
    case 13:
      return int(2)
    case 3:
    case 9:
      return int(4)
    case 8: {
      const b = r.take(8, what)
      const dv = new DataView(b.buffer, b.byteOffset, 8)
      return String(unsigned ? dv.getBigUint64(0, true) : dv.getBigInt64(0, true))
    }
    case 4: {
      const b = r.take(4, what)
      return String(new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true))
    }
    case 5: {
      const b = r.take(8, what)
      return String(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true))
    }
    case 7:
    case 10:
    case 12:
    case 11: {
      const n = r.uint(1, what)
      return `0x ${hexOf(r.take(n, what))}`.trimEnd()
    }
    default: {
      const s = lenencString(r, what)
      return s === null ? 'NULL' : shown(s)
    }
  }
}

export function binaryRow(r: FieldReader, t: FieldTree, columns: Column[], remarks: Remarks): string {
  r.uint(1, 'header')
  const from = r.at
  const bitmap = r.take(Math.floor((columns.length + 7 + 2) / 8), 'NULL bitmap')
  t.add('NULL bitmap', hexOf(bitmap), r.since(from))
  const words: string[] = []
  columns.forEach((col, i) => {
    const bit = i + 2
    const isNull = (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0
    const at = r.at
    const v = isNull ? 'NULL' : binaryValue(r, col, `value ${i + 1}`)
    t.add(col.name, v, r.since(at))
    if (words.length < 12) words.push(`${col.name}=${v}`)
  })
  if (!r.done) remarks.error = `${r.end - r.at} bytes follow this row's ${columns.length} values`
  return `Row ${words.join(' ')}${columns.length > 12 ? ' …' : ''}`.trimEnd()
}
