// A PostgreSQL server's messages for a person: authentication by kind (never its secrets),
// parameters, ReadyForQuery, RowDescription with named types, DataRow as values by column
// name, CommandComplete, ErrorResponse and NoticeResponse by their field letters, COPY and
// notifications.

import type { MessageField } from '../../../shared/message-types'
import { type FieldReader, textOfName } from '../messages/field-reader'
import { childrenOf, type FieldTree } from '../messages/field-tree'
import { hexOf, shown, textOf, word } from '../messages/field-values'
import { copyData, cstringField, intField } from './pg-client-messages'
import { AUTH_KINDS, ERROR_FIELDS, READY_STATUS, TEXT_TYPES, typeName } from './pg-names'
import type { RowShape } from './pg-connection'

/** A problem that does not stop the message being read (a DataRow longer than its RowDescription). */
export interface Remarks {
  error?: string
}

function authentication(r: FieldReader, t: FieldTree): string {
  const from = r.at
  const code = r.uint(4, 'authentication kind')
  const name = AUTH_KINDS[code]
  t.add('kind', `${name ?? 'unknown'} (${code})`, r.since(from))
  if (name === undefined) throw new Error(`${code} is no authentication kind`)
  if (code === 5) {
    const at = r.at
    r.take(4, 'salt')
    t.add('salt', '(4 bytes, hidden)', r.since(at))
  } else if (code === 10) {
    const mechs: string[] = []
    const group = t.group('mechanisms', '')
    while (!r.done) {
      const at = r.at
      const m = r.cstring('mechanism')
      if (m.length === 0) break
      if (mechs.length < 8) mechs.push(textOfName(m, 40))
      t.add('mechanism', shown(m), r.since(at), childrenOf(group))
    }
    if (group) group.value = mechs.join(', ')
    return `${name} ${mechs.join(' ')}`
  } else if (code === 8 || code === 11 || code === 12) {
    const at = r.at
    r.at = r.end
    t.add('data', `(${r.at - at} bytes, hidden)`, r.since(at))
  }
  return name
}

function errorFields(r: FieldReader, t: FieldTree, name: string): string {
  const got: Record<string, string> = {}
  while (!r.done) {
    const at = r.at
    const code = r.uint(1, 'field code')
    if (code === 0) break
    const value = r.cstring('field value')
    const letter = String.fromCharCode(code)
    got[letter] ??= textOf(value, 160)
    t.add(ERROR_FIELDS[letter] ?? `field '${letter}'`, shown(value), r.since(at))
  }
  return [name, got.V ?? got.S, got.C, got.M].filter((s) => s !== undefined).join(' ')
}

function rowDescription(r: FieldReader, t: FieldTree): string {
  const from = r.at
  const n = r.uint(2, 'column count')
  t.add('columns', String(n), r.since(from))
  const words: string[] = []
  for (let i = 0; i < n; i++) {
    const at = r.at
    const name = r.cstring('column name')
    const group = t.group(textOfName(name), '')
    const kids = childrenOf(group)
    intField(r, t, 'table oid', 4, false, kids)
    intField(r, t, 'column number', 2, true, kids)
    const tAt = r.at
    const type = r.uint(4, 'type oid')
    t.add('type', `${typeName(type)} (${type})`, r.since(tAt), kids)
    intField(r, t, 'type size', 2, true, kids)
    intField(r, t, 'type modifier', 4, true, kids)
    const fAt = r.at
    const format = r.uint(2, 'format')
    t.add('format', format === 1 ? 'binary' : 'text', r.since(fAt), kids)
    if (group) {
      group.value = typeName(type)
      group.offset = at
      group.length = r.at - at
    }
    if (i < 12) words.push(`${word(name, 40)} ${typeName(type)}`)
  }
  return `RowDescription ${words.join(', ')}${n > 12 ? ` … (${n} columns)` : ''}`
}

/** A binary value of a type whose binary form is plain (integers, floats, bool), as text. */
function binaryValue(bytes: Uint8Array, type: number): string | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  if (type === 16 && bytes.length === 1) return bytes[0] ? 't' : 'f'
  if (type === 21 && bytes.length === 2) return String(v.getInt16(0))
  if ((type === 23 || type === 26) && bytes.length === 4) return String(type === 23 ? v.getInt32(0) : v.getUint32(0))
  if (type === 20 && bytes.length === 8) return String(v.getBigInt64(0))
  if (type === 700 && bytes.length === 4) return String(v.getFloat32(0))
  if (type === 701 && bytes.length === 8) return String(v.getFloat64(0))
  return undefined
}

function dataRow(r: FieldReader, t: FieldTree, shape: RowShape | undefined, remarks: Remarks): string {
  const columns = shape?.columns ?? []
  const from = r.at
  const n = r.uint(2, 'value count')
  t.add('values', String(n), r.since(from))
  if (shape && n !== columns.length) remarks.error = `this DataRow holds ${n} values, but the RowDescription before it named ${columns.length} columns`
  const words: string[] = []
  for (let i = 0; i < n; i++) {
    const at = r.at
    const len = r.int(4, `value ${i + 1}'s length`)
    const col = columns[i]
    const label = col?.name ?? `column ${i + 1}`
    if (len < 0) {
      t.add(label, 'NULL', r.since(at))
      if (words.length < 12) words.push(`${label}=NULL`)
      continue
    }
    const bytes = r.take(len, `value ${i + 1}`)
    const binary = col !== undefined && col.format === 1
    const plain = binary ? binaryValue(bytes, col.type) : undefined
    const value = binary ? (plain ?? `0x ${hexOf(bytes)}`) : shown(bytes)
    t.add(label, value, r.since(at))
    if (words.length < 12) {
      const short = binary ? (plain ?? `<${len} bytes>`) : col !== undefined && TEXT_TYPES.has(col.type) ? JSON.stringify(textOf(bytes, 40)) : word(bytes, 40)
      words.push(`${label}=${short}`)
    }
  }
  return `DataRow ${words.join(' ')}${n > 12 ? ' …' : ''}`.trimEnd()
}

function copyResponse(r: FieldReader, t: FieldTree, name: string): string {
  const from = r.at
  const overall = r.uint(1, 'format')
  t.add('format', overall === 1 ? 'binary' : 'text', r.since(from))
  const at = r.at
  const n = r.uint(2, 'column count')
  const formats: string[] = []
  for (let i = 0; i < n; i++) formats.push(r.uint(2, 'column format') === 1 ? 'binary' : 'text')
  t.add('column formats', formats.slice(0, 64).join(', ') + (n > 64 ? ' …' : ''), r.since(at))
  return `${name} ${overall === 1 ? 'binary' : 'text'}, ${n} columns`
}

export function describeServerMessage(type: string, r: FieldReader, t: FieldTree, context: unknown, remarks: Remarks): string {
  switch (type) {
    case 'R':
      return authentication(r, t)
    case 'S': {
      const name = cstringField(r, t, 'name')
      const value = cstringField(r, t, 'value')
      return `ParameterStatus ${textOf(name, 60)}=${word(value, 80)}`
    }
    case 'K': {
      const pid = intField(r, t, 'process id', 4)
      const from = r.at
      const key = r.take(r.left, 'secret key')
      t.add('secret key', `0x ${hexOf(key)}`, r.since(from))
      return `BackendKeyData process ${pid}`
    }
    case 'Z': {
      const from = r.at
      const s = String.fromCharCode(r.uint(1, 'status'))
      const status = READY_STATUS[s] ?? `'${s}'`
      t.add('status', `${status} (${s})`, r.since(from))
      return `ReadyForQuery ${status}`
    }
    case 'T':
      return rowDescription(r, t)
    case 'D':
      return dataRow(r, t, context && typeof context === 'object' && 'columns' in context ? (context as RowShape) : undefined, remarks)
    case 'C': {
      const tag = cstringField(r, t, 'tag')
      return `CommandComplete ${textOf(tag, 100)}`
    }
    case 'E':
      return errorFields(r, t, 'ErrorResponse')
    case 'N':
      return errorFields(r, t, 'NoticeResponse')
    case 't': {
      const from = r.at
      const n = r.uint(2, 'parameter count')
      const group = t.group('parameter types', String(n), r.since(from))
      const names: string[] = []
      for (let i = 0; i < n; i++) {
        const at = r.at
        const oid = r.uint(4, 'parameter type')
        if (names.length < 12) names.push(typeName(oid))
        t.add(`$${i + 1}`, `${typeName(oid)} (${oid})`, r.since(at), childrenOf(group))
      }
      return `ParameterDescription ${names.join(', ')}`
    }
    case 'G':
      return copyResponse(r, t, 'CopyInResponse')
    case 'H':
      return copyResponse(r, t, 'CopyOutResponse')
    case 'W':
      return copyResponse(r, t, 'CopyBothResponse')
    case 'd':
      return copyData(r, t)
    case 'A': {
      const pid = intField(r, t, 'process id', 4)
      const channel = cstringField(r, t, 'channel')
      const payload = cstringField(r, t, 'payload')
      return `NotificationResponse ${word(channel)}: ${word(payload, 80)} (process ${pid})`
    }
    case 'v': {
      const minor = intField(r, t, 'newest minor version', 4)
      const n = intField(r, t, 'unrecognised options', 4)
      const group: MessageField[] = []
      for (let i = 0; i < n && !r.done; i++) cstringField(r, t, 'option', group)
      if (group.length) t.fields[t.fields.length - 1].children = group
      return `NegotiateProtocolVersion 3.${minor}${n ? `, ${n} options unrecognised` : ''}`
    }
    case 'V': {
      const from = r.at
      const len = r.int(4, 'result length')
      const result = len < 0 ? undefined : r.take(len, 'result')
      t.add('result', result === undefined ? 'NULL' : shown(result), r.since(from))
      return `FunctionCallResponse ${result === undefined ? 'NULL' : word(result, 60)}`
    }
    default:
      // EmptyQueryResponse, ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended, CopyDone: their type alone.
      return ''
  }
}
