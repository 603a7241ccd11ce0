// Following one PostgreSQL connection in capture order: where each direction stands (the
// client's untyped startup messages, the server's one-byte answer to an SSLRequest or
// GSSENCRequest, TLS or GSSAPI-encrypted packets after a switch, then typed messages), which
// client message began the cycle each server message belongs to (a Query, a FunctionCall,
// an extended batch's Sync, the startup), the last RowDescription (its rows' column names)
// and the parameter types of each prepared statement (a Bind's values).

import type { Direction } from '../../../shared/capture-types'
import { DEFAULT_MAX_MESSAGE } from '../../../shared/message-types'
import type { ConnectionCodec, Measure, MessageNote } from '../messages/message-codec'
import { FieldReader, textOfName } from '../messages/field-reader'
import { uint } from '../messages/field-values'
import { isTlsStart, measureTls } from '../messages/tls-record'
import { AUTH_KINDS, CANCEL_REQUEST, CLIENT_TYPES, GSSENC_REQUEST, PASSWORD_KIND_AFTER, SERVER_TYPES, SSL_REQUEST, startupName } from './pg-names'

/** A result's columns, as its RowDescription gave them; every DataRow after it holds this same object. */
export interface RowShape {
  columns: Array<{ name: string; type: number; format: number }>
}
/** A prepared statement's parameter types (from its Parse), held by each Bind of it. */
export interface StatementShape {
  statement: string
  types: number[]
}
/**
 * What describing a message needs of the conversation before it: how it is framed when it
 * is not a typed message (`startup`, the server's one-byte `answer`, `tls`, `gss`), what a
 * 'p' message is, a DataRow's columns, a Bind's parameter types.
 */
export type PgContext = 'startup' | 'answer' | 'tls' | 'gss' | { password: string } | RowShape | StatementShape

/** Statements remembered for their parameter types; past this the oldest is forgotten. */
const MAX_STATEMENTS = 4096

type Phase = 'startup' | 'typed' | 'answer' | 'after-ssl' | 'tls' | 'gss'

function measureLength(buf: Uint8Array, at: number, what: string, min: number): Measure {
  if (buf.length < at + 4) return { need: at + 4 }
  const n = uint(buf, at, 4)
  if (n < min) return { error: `a ${what} declares a length of ${n}, less than its own ${min} bytes` }
  if (n > DEFAULT_MAX_MESSAGE) return { error: `a ${what} declares ${n} bytes, over the ${DEFAULT_MAX_MESSAGE}-byte limit` }
  return at + n
}

/** Type bytes each direction sends, by byte: measuring looks every message's up. */
const KNOWN: Record<Direction, Uint8Array> = { client: new Uint8Array(256), server: new Uint8Array(256) }
for (const t of Object.keys(CLIENT_TYPES)) KNOWN.client[t.charCodeAt(0)] = 1
for (const t of Object.keys(SERVER_TYPES)) KNOWN.server[t.charCodeAt(0)] = 1

function measureTyped(dir: Direction, buf: Uint8Array): Measure {
  const m = measureLength(buf, 1, 'PostgreSQL message', 4)
  if (typeof m !== 'number') return m
  if (KNOWN[dir][buf[0]] === 1) return m
  if (buf.length < m) return { need: m }
  return { error: `${typeLabel(buf[0])} is no PostgreSQL ${dir} message type`, length: m }
}

export const typeLabel = (b: number): string => (b >= 0x21 && b < 0x7f ? `'${String.fromCharCode(b)}' (0x${b.toString(16)})` : `0x${b.toString(16).padStart(2, '0')}`)

export class PostgresConnection implements ConnectionCodec {
  private phase: Record<Direction, Phase> = { client: 'startup', server: 'typed' }
  /** Client messages whose cycle the server has not ended with ReadyForQuery, oldest first. */
  private cycles: number[] = []
  private head = 0
  private sslRequest: number | undefined
  private lastAuth: number | undefined
  private shape: RowShape = { columns: [] }
  private statements = new Map<string, StatementShape>()

  measure(dir: Direction, buf: Uint8Array): Measure {
    const phase = this.phase[dir]
    if (phase === 'startup' || phase === 'after-ssl') {
      if (buf.length < 2) return { need: 2 }
      if (isTlsStart(buf)) return measureTls(buf)
      if (phase === 'startup') return measureLength(buf, 0, 'startup message', 8)
    }
    if (phase === 'tls') return measureTls(buf)
    if (phase === 'gss') return measureLength(buf, 0, 'GSSAPI-encrypted packet', 0)
    if (phase === 'answer' && (buf[0] === 0x53 || buf[0] === 0x4e || buf[0] === 0x47)) return 1
    return measureTyped(dir, buf)
  }

  note(dir: Direction, msg: Uint8Array, index: number): MessageNote {
    const phase = this.phase[dir]
    if (phase === 'tls' || ((phase === 'startup' || phase === 'after-ssl') && isTlsStart(msg))) {
      this.phase[dir] = 'tls'
      return { context: 'tls' }
    }
    if (phase === 'gss') return { context: 'gss' }
    if (dir === 'client') return phase === 'startup' ? this.startup(msg, index) : this.client(msg, index)
    if (phase === 'answer' && msg.length === 1) return this.answer(msg[0])
    this.phase.server = 'typed'
    return this.server(msg)
  }

  private startup(msg: Uint8Array, index: number): MessageNote {
    const code = uint(msg, 4, 4)
    const name = startupName(code) ?? 'startup message'
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.sslRequest = index
      this.phase.server = 'answer'
    } else if (code !== CANCEL_REQUEST) {
      this.phase.client = 'typed'
      this.cycles.push(index)
    }
    return { command: name, context: 'startup' }
  }

  private answer(b: number): MessageNote {
    const pair = this.sslRequest
    this.sslRequest = undefined
    // 'S': TLS follows on both sides (or, where a proxy terminated it, the cleartext startup); 'G': GSSAPI encryption; 'N': the client goes on in clear.
    this.phase.server = b === 0x53 ? 'after-ssl' : b === 0x47 ? 'gss' : 'typed'
    if (b === 0x47) this.phase.client = 'gss'
    return { context: 'answer', ...(pair !== undefined ? { pair } : {}) }
  }

  private client(msg: Uint8Array, index: number): MessageNote {
    const type = String.fromCharCode(msg[0])
    const command = CLIENT_TYPES[type]
    if (command === undefined) return {}
    switch (type) {
      case 'Q':
      case 'F':
      case 'S':
        this.cycles.push(index)
        return { command }
      case 'P':
        return { command, ...this.parse(msg) }
      case 'B':
        return { command, ...this.bind(msg) }
      case 'p': {
        const password = (this.lastAuth !== undefined ? PASSWORD_KIND_AFTER[this.lastAuth] : undefined) ?? 'PasswordMessage'
        return { command: password, context: { password } }
      }
      default:
        return { command }
    }
  }

  private parse(msg: Uint8Array): MessageNote {
    try {
      const r = new FieldReader(msg, 5)
      const statement = textOfName(r.cstring('statement'), 1024)
      r.cstring('query')
      const n = r.uint(2, 'parameter type count')
      const types: number[] = []
      for (let i = 0; i < n; i++) types.push(r.uint(4, 'parameter type'))
      if (this.statements.size >= MAX_STATEMENTS && !this.statements.has(statement)) this.statements.delete(this.statements.keys().next().value as string)
      this.statements.set(statement, { statement, types })
    } catch {
      // A Parse that does not read is described as such; its statement is not remembered.
    }
    return {}
  }

  private bind(msg: Uint8Array): MessageNote {
    try {
      const r = new FieldReader(msg, 5)
      r.cstring('portal')
      const shape = this.statements.get(textOfName(r.cstring('statement'), 1024))
      return shape ? { context: shape } : {}
    } catch {
      return {}
    }
  }

  private server(msg: Uint8Array): MessageNote {
    const type = String.fromCharCode(msg[0])
    let command = SERVER_TYPES[type]
    if (command === undefined) return {}
    let context: PgContext | undefined
    if (type === 'R' && msg.length >= 9) {
      this.lastAuth = uint(msg, 5, 4)
      command = AUTH_KINDS[this.lastAuth] ?? command
    } else if (type === 'T') {
      this.shape = rowShapeOf(msg)
    } else if (type === 'D') {
      context = this.shape
    }
    const pair = this.cycles[this.head]
    if (type === 'Z' && pair !== undefined) {
      this.head++
      if (this.head > 1024 && this.head * 2 > this.cycles.length) {
        this.cycles = this.cycles.slice(this.head)
        this.head = 0
      }
    }
    // Built field by field: this runs for every server message, and spreads cost two objects each.
    const note: MessageNote = { command }
    if (pair !== undefined) note.pair = pair
    if (context !== undefined) note.context = context
    return note
  }
}

/** A RowDescription's columns (as many as read: a short one gives the columns before it went wrong). */
export function rowShapeOf(msg: Uint8Array): RowShape {
  const columns: RowShape['columns'] = []
  try {
    const r = new FieldReader(msg, 5)
    const n = r.uint(2, 'column count')
    for (let i = 0; i < n; i++) {
      const name = textOfName(r.cstring('column name'))
      r.at += 6
      const type = r.uint(4, 'type')
      r.at += 6
      columns.push({ name, type, format: r.uint(2, 'format') })
    }
  } catch {
    // The columns read so far are kept.
  }
  return { columns }
}
