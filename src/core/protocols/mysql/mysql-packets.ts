// MySQL/MariaDB packets for a person, by the kind following the conversation gave each: the
// handshake (capabilities named, auth data never shown), commands, OK, ERR and EOF, result
// sets (column definitions with their types named, rows as values by column name, text or
// binary). Each reader stops at its packet's end and says where it ran past it.

import type { MessageField } from '../../../shared/message-types'
import { type FieldReader, textOfName } from '../messages/field-reader'
import { childrenOf, type FieldTree } from '../messages/field-tree'
import { hexOf, shown, textOf, word } from '../messages/field-values'
import type { Column, MysqlContext, Statement } from './mysql-connection'
import {
  CLIENT_CONNECT_ATTRS,
  CLIENT_CONNECT_WITH_DB,
  CLIENT_LONG_PASSWORD,
  CLIENT_PLUGIN_AUTH,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
  CLIENT_PROTOCOL_41,
  CLIENT_QUERY_ATTRIBUTES,
  CLIENT_SECURE_CONNECTION,
  CLIENT_SESSION_TRACK,
  COMMANDS,
  MARIADB_CLIENT_EXTENDED_TYPE_INFO,
  NUMERIC_TYPES,
  SERVER_SESSION_STATE_CHANGED,
  UNSIGNED_FLAG,
  capabilityNames,
  columnTypeName,
  has,
  statusNames
} from './mysql-names'

export interface Remarks {
  error?: string
}

const LE = true

function lenenc(r: FieldReader, what: string): number | null {
  const b = r.uint(1, what)
  if (b < 0xfb) return b
  if (b === 0xfb) return null
  if (b === 0xff) throw new Error(`0xff at byte ${r.at - 1} begins no length-encoded ${what}`)
  return r.uint(b === 0xfc ? 2 : b === 0xfd ? 3 : 8, what, LE)
}

function intField(r: FieldReader, t: FieldTree, name: string, size: number, to?: MessageField[]): number {
  const from = r.at
  const v = r.uint(size, name, LE)
  t.add(name, String(v), r.since(from), to)
  return v
}

function lenencField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): number | null {
  const from = r.at
  const v = lenenc(r, name)
  t.add(name, v === null ? 'NULL' : String(v), r.since(from), to)
  return v
}

function lenencString(r: FieldReader, what: string): Uint8Array | null {
  const n = lenenc(r, `${what}'s length`)
  return n === null ? null : r.take(n, what)
}

function stringField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): Uint8Array | null {
  const from = r.at
  const s = lenencString(r, name)
  t.add(name, s === null ? 'NULL' : shown(s), r.since(from), to)
  return s
}

function cstringField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): Uint8Array {
  const from = r.at
  const s = r.cstring(name)
  t.add(name, shown(s), r.since(from), to)
  return s
}

function restField(r: FieldReader, t: FieldTree, name: string, hidden = false): Uint8Array {
  const from = r.at
  const s = r.take(r.left, name)
  r.at = Math.max(r.at, r.end)
  t.add(name, hidden ? `(${r.at - from} bytes, hidden)` : shown(s), r.since(from))
  return s
}

function hiddenField(r: FieldReader, t: FieldTree, name: string, n: number): void {
  const from = r.at
  r.take(n, name)
  t.add(name, `(${n} bytes, hidden)`, r.since(from))
}

function flagsField(t: FieldTree, name: string, value: number, names: string[], span: { offset: number; length: number }): void {
  const g = t.group(name, `0x${value.toString(16)}`, span)
  for (const n of names) t.add(n, 'set', undefined, childrenOf(g))
}

function greeting(r: FieldReader, t: FieldTree): string {
  const version = intField(r, t, 'protocol version', 1)
  if (version !== 10) throw new Error(`protocol version ${version} is not the v10 handshake`)
  const server = cstringField(r, t, 'server version')
  const id = intField(r, t, 'connection id', 4)
  hiddenField(r, t, 'auth plugin data, part 1', 8)
  r.take(1, 'filler')
  let from = r.at
  let caps = r.uint(2, 'capability flags', LE)
  const lowAt = from
  let plugin: Uint8Array | undefined
  if (!r.done) {
    intField(r, t, 'character set', 1)
    statusFlags(r, t)
    caps += r.uint(2, 'capability flags (upper)', LE) * 0x10000
    const dataLen = r.uint(1, 'auth plugin data length')
    r.take(6, 'reserved')
    const ext = r.uint(4, 'MariaDB capability flags', LE)
    if (!has(caps, CLIENT_LONG_PASSWORD)) caps += ext * 2 ** 32
    if (has(caps, CLIENT_SECURE_CONNECTION)) hiddenField(r, t, 'auth plugin data, part 2', Math.min(r.left, Math.max(13, dataLen - 8)))
    if (has(caps, CLIENT_PLUGIN_AUTH) && !r.done) {
      from = r.at
      const end = r.bytes.subarray(r.at, r.end).indexOf(0)
      plugin = end < 0 ? r.take(r.left, 'auth plugin name') : r.cstring('auth plugin name')
      t.add('auth plugin', shown(plugin), r.since(from))
    }
  }
  flagsField(t, 'capability flags', caps, capabilityNames(caps), { offset: lowAt, length: 2 })
  return `Handshake v10 server ${textOf(server, 80)} connection ${id}${plugin ? ` auth ${textOfName(plugin, 64)}` : ''}`
}

function statusFlags(r: FieldReader, t: FieldTree): number {
  const from = r.at
  const status = r.uint(2, 'status flags', LE)
  flagsField(t, 'status flags', status, statusNames(status), r.since(from))
  return status
}

const statusWords = (status: number): string => statusNames(status).map((n) => n.replace(/^SERVER_(STATUS_)?/, '')).join(' ')

function capabilities(r: FieldReader, t: FieldTree): number {
  const from = r.at
  let caps = r.uint(4, 'capability flags', LE)
  intField(r, t, 'max packet size', 4)
  intField(r, t, 'character set', 1)
  r.take(19, 'filler')
  const ext = r.uint(4, 'MariaDB capability flags', LE)
  if (!has(caps, CLIENT_LONG_PASSWORD)) caps += ext * 2 ** 32
  flagsField(t, 'capability flags', caps, capabilityNames(caps), { offset: from, length: 4 })
  return caps
}

function handshakeResponse(r: FieldReader, t: FieldTree): string {
  const caps = capabilities(r, t)
  const user = cstringField(r, t, 'user')
  const from = r.at
  let n: number
  if (has(caps, CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)) n = lenenc(r, 'auth response length') ?? 0
  else if (has(caps, CLIENT_SECURE_CONNECTION)) n = r.uint(1, 'auth response length')
  else n = r.cstring('auth response').length
  if (has(caps, CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) || has(caps, CLIENT_SECURE_CONNECTION)) r.take(n, 'auth response')
  t.add('auth response', `(${n} bytes, hidden)`, r.since(from))
  const db = has(caps, CLIENT_CONNECT_WITH_DB) && !r.done ? cstringField(r, t, 'database') : undefined
  const plugin = has(caps, CLIENT_PLUGIN_AUTH) && !r.done ? cstringField(r, t, 'auth plugin') : undefined
  if (has(caps, CLIENT_CONNECT_ATTRS) && !r.done) {
    const at = r.at
    const len = lenenc(r, 'attributes length') ?? 0
    const end = r.at + len
    const g = t.group('connection attributes', '', r.since(at))
    while (r.at < end) {
      const kAt = r.at
      const k = lenencString(r, 'attribute name') ?? new Uint8Array(0)
      const v = lenencString(r, 'attribute value') ?? new Uint8Array(0)
      t.add(textOfName(k), shown(v), r.since(kAt), childrenOf(g))
    }
    if (g) g.length = r.at - at
  }
  return ['HandshakeResponse41', `user=${word(user)}`, db ? `database=${word(db)}` : '', plugin ? `auth ${textOfName(plugin, 64)}` : '', '(auth data hidden)'].filter((s) => s).join(' ')
}

/** An execute's parameter values, read by the types it (or an execute before it) bound. */
function parameters(r: FieldReader, t: FieldTree, statement: Statement): string[] {
  const n = statement.params
  const from = r.at
  const bitmap = r.take(Math.floor((n + 7) / 8), 'NULL bitmap')
  t.add('NULL bitmap', hexOf(bitmap), r.since(from))
  const bound = intField(r, t, 'new parameters bound', 1)
  if (bound === 1) {
    const at = r.at
    r.take(2 * n, 'parameter types')
    t.add('parameter types', (statement.types ?? []).map((ty) => `${columnTypeName(ty & 0xff)}${ty & 0x8000 ? ' UNSIGNED' : ''}`).join(', '), r.since(at))
  }
  if (!statement.types) return []
  const words: string[] = []
  const g = t.group('parameters', String(n))
  for (let i = 0; i < n; i++) {
    const ty = statement.types[i] ?? 0xfd
    const isNull = (bitmap[i >> 3] & (1 << (i & 7))) !== 0
    const at = r.at
    const v = isNull ? 'NULL' : binaryValue(r, { name: `?${i + 1}`, type: ty & 0xff, flags: ty & 0x8000 ? UNSIGNED_FLAG : 0 }, `parameter ${i + 1}`)
    t.add(`?${i + 1} (${columnTypeName(ty & 0xff)})`, v, r.since(at), childrenOf(g))
    if (words.length < 8) words.push(`?${i + 1}=${v.length > 40 ? `${v.slice(0, 40)}…` : v}`)
  }
  return words
}

function command(r: FieldReader, t: FieldTree, caps: number, statement?: Statement): string {
  const from = r.at
  const code = r.uint(1, 'command')
  const name = COMMANDS[code] ?? `command 0x${code.toString(16)}`
  t.add('command', `${name} (0x${code.toString(16).padStart(2, '0')})`, r.since(from))
  switch (name) {
    case 'COM_QUERY':
      // MySQL 8's query attributes come first where both sides agreed to them: none is two zero counts.
      if (has(caps, CLIENT_QUERY_ATTRIBUTES)) {
        const n = lenencField(r, t, 'query attributes')
        lenencField(r, t, 'parameter sets')
        if (n) return `Query with ${n} attributes (${restField(r, t, 'attributes and query').length} bytes)`
      }
      return `Query: ${textOf(restField(r, t, 'query'), 200)}`
    case 'COM_INIT_DB':
    case 'COM_CREATE_DB':
    case 'COM_DROP_DB':
      return `${name} ${word(restField(r, t, 'schema'))}`
    case 'COM_STMT_PREPARE':
      return `${name}: ${textOf(restField(r, t, 'query'), 200)}`
    case 'COM_STMT_EXECUTE': {
      const id = intField(r, t, 'statement id', 4)
      intField(r, t, 'flags', 1)
      intField(r, t, 'iterations', 4)
      const words = statement && statement.params > 0 && !r.done ? parameters(r, t, statement) : []
      if (!r.done) restField(r, t, 'parameters')
      return [`${name} statement ${id}`, ...words].join(' ')
    }
    case 'COM_STMT_CLOSE':
    case 'COM_STMT_RESET':
    case 'COM_STMT_FETCH':
    case 'COM_STMT_SEND_LONG_DATA': {
      const id = intField(r, t, 'statement id', 4)
      if (!r.done) restField(r, t, 'data')
      return `${name} statement ${id}`
    }
    case 'COM_PROCESS_KILL':
      return `${name} ${intField(r, t, 'connection id', 4)}`
    case 'COM_FIELD_LIST': {
      const table = cstringField(r, t, 'table')
      if (!r.done) restField(r, t, 'wildcard')
      return `${name} ${word(table)}`
    }
    case 'COM_CHANGE_USER': {
      const user = cstringField(r, t, 'user')
      restField(r, t, 'auth and options', true)
      return `${name} user=${word(user)} (auth data hidden)`
    }
    default:
      if (!r.done) restField(r, t, 'arguments')
      return name
  }
}

function ok(r: FieldReader, t: FieldTree, caps: number): string {
  const from = r.at
  t.add('header', `0x${r.uint(1, 'header').toString(16)}`, r.since(from))
  const affected = lenencField(r, t, 'affected rows')
  const last = lenencField(r, t, 'last insert id')
  let status = 0
  if (has(caps, CLIENT_PROTOCOL_41)) {
    status = statusFlags(r, t)
    intField(r, t, 'warnings', 2)
  }
  let info: Uint8Array | null = null
  if (!r.done) {
    if (has(caps, CLIENT_SESSION_TRACK)) {
      info = stringField(r, t, 'info')
      if (has(status, SERVER_SESSION_STATE_CHANGED) && !r.done) stringField(r, t, 'session state changes')
    } else info = restField(r, t, 'info')
  }
  const infoText = info && info.length ? ` ${word(info, 80)}` : ''
  return `OK affected_rows=${affected} last_insert_id=${last} ${statusWords(status)}${infoText}`.trimEnd()
}

function err(r: FieldReader, t: FieldTree): string {
  r.uint(1, 'header')
  const code = intField(r, t, 'error code', 2)
  let state = ''
  if (r.left > 0 && r.bytes[r.at] === 0x23) {
    const from = r.at
    r.take(1, 'SQL state marker')
    state = textOfName(r.take(5, 'SQL state'))
    t.add('SQL state', state, r.since(from))
  }
  const message = restField(r, t, 'message')
  return `ERR ${code}${state ? ` (${state})` : ''}: ${textOf(message, 160)}`
}

function eof(r: FieldReader, t: FieldTree, caps: number): string {
  r.uint(1, 'header')
  if (!has(caps, CLIENT_PROTOCOL_41) || r.done) return 'EOF'
  intField(r, t, 'warnings', 2)
  return `EOF ${statusWords(statusFlags(r, t))}`.trimEnd()
}

function columnDefinition(r: FieldReader, t: FieldTree, caps: number): string {
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

function textRow(r: FieldReader, t: FieldTree, columns: Column[] | undefined, remarks: Remarks): string {
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
function binaryValue(r: FieldReader, col: Column, what: string): string {
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

function binaryRow(r: FieldReader, t: FieldTree, columns: Column[], remarks: Remarks): string {
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

/** A packet's payload for a person, by the kind following the conversation gave it. Throws PastEnd (or an Error) where the bytes do not read. */
export function describePayload(r: FieldReader, t: FieldTree, ctx: MysqlContext, remarks: Remarks): string {
  const caps = ctx.conv.caps
  switch (ctx.kind) {
    case 'greeting':
      return greeting(r, t)
    case 'handshake-response':
      return handshakeResponse(r, t)
    case 'ssl-request':
      capabilities(r, t)
      return 'SSLRequest: TLS begins, the rest of the connection is opaque'
    case 'command':
      return command(r, t, caps, ctx.statement)
    case 'ok':
      return ok(r, t, caps)
    case 'err':
      return err(r, t)
    case 'eof':
      return eof(r, t, caps)
    case 'auth-switch': {
      r.uint(1, 'header')
      const plugin = cstringField(r, t, 'auth plugin')
      if (!r.done) restField(r, t, 'auth plugin data', true)
      return `AuthSwitchRequest ${textOfName(plugin, 64)}`
    }
    case 'auth-more': {
      r.uint(1, 'header')
      const data = restField(r, t, 'data', true)
      const said = data.length === 1 ? (data[0] === 3 ? ': fast auth succeeded' : data[0] === 4 ? ': full authentication needed' : '') : ''
      if (data.length === 1) t.fields[t.fields.length - 1].value = String(data[0])
      return `AuthMoreData${said}`
    }
    case 'auth-data':
      restField(r, t, 'auth data', true)
      return 'AuthResponse (hidden)'
    case 'infile-request': {
      r.uint(1, 'header')
      return `LOCAL INFILE request ${word(restField(r, t, 'file name'))}`
    }
    case 'infile-data':
      return `LOCAL INFILE data (${restField(r, t, 'data').length} bytes)`
    case 'column-count': {
      const n = lenencField(r, t, 'column count')
      if (!r.done) intField(r, t, 'metadata follows', 1)
      return `Result set: ${n} columns`
    }
    case 'column-def':
      return columnDefinition(r, t, caps)
    case 'row':
      return ctx.set?.binary ? binaryRow(r, t, ctx.set.columns, remarks) : textRow(r, t, ctx.set?.columns, remarks)
    case 'prepare-ok': {
      r.uint(1, 'header')
      const id = intField(r, t, 'statement id', 4)
      const cols = intField(r, t, 'columns', 2)
      const params = intField(r, t, 'parameters', 2)
      if (!r.done) r.take(1, 'reserved')
      if (!r.done) intField(r, t, 'warnings', 2)
      return `COM_STMT_PREPARE_OK statement ${id}, ${params} parameters, ${cols} columns`
    }
    case 'statistics':
      return `Statistics ${textOf(restField(r, t, 'statistics'), 160)}`
    default:
      if (!r.done) restField(r, t, 'payload')
      return ''
  }
}
