// MySQL/MariaDB packets for a person, by the kind following the conversation gave each: the
// handshake (mysql-handshake.ts: capabilities named, auth data never shown), commands, OK,
// ERR and EOF, result sets (mysql-rows.ts: column definitions with their types named, rows
// as values by column name, text or binary). Each reader stops at its packet's end and says
// where it ran past it; the encodings they read are mysql-fields.ts's.

import { type FieldReader, textOfName } from '../messages/field-reader'
import { childrenOf, type FieldTree } from '../messages/field-tree'
import { hexOf, textOf, word } from '../messages/field-values'
import type { MysqlContext, Statement } from './mysql-connection'
import { capabilities, greeting, handshakeResponse } from './mysql-handshake'
import { cstringField, intField, lenencField, restField, statusFlags, statusWords, stringField, type Remarks } from './mysql-fields'
import { binaryRow, binaryValue, columnDefinition, textRow } from './mysql-rows'
import {
  CLIENT_PROTOCOL_41,
  CLIENT_QUERY_ATTRIBUTES,
  CLIENT_SESSION_TRACK,
  COMMANDS,
  SERVER_SESSION_STATE_CHANGED,
  UNSIGNED_FLAG,
  columnTypeName,
  has
} from './mysql-names'

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
