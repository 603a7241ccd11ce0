// Following one MySQL/MariaDB connection in capture order: the server's greeting and its
// capabilities, the client's HandshakeResponse (or the short SSL request, after which both
// directions are TLS), authentication until OK, then each command and what answers it: an
// OK or ERR, a result set (column count, column definitions, rows, EOF or OK, and another
// set while the server says more results exist), a prepared statement's definitions. Each
// packet's note carries what describing it needs (its kind, the negotiated capabilities, a
// row's columns) by reference.

import type { Direction } from '../../../shared/capture-types'
import type { ConnectionCodec, Measure, MessageNote } from '../messages/message-codec'
import { isTlsStart, measureTls } from '../messages/tls-record'
import { readLenenc } from './mysql-values'
import {
  CLIENT_COMPRESS,
  CLIENT_DEPRECATE_EOF,
  CLIENT_ZSTD_COMPRESSION,
  CLIENT_LONG_PASSWORD,
  CLIENT_PROTOCOL_41,
  CLIENT_SSL,
  COMMANDS,
  COM_FIELD_LIST,
  COM_QUERY,
  COM_STATISTICS,
  COM_STMT_EXECUTE,
  COM_STMT_PREPARE,
  MARIADB_CLIENT_CACHE_METADATA,
  SERVER_MORE_RESULTS_EXISTS,
  UNANSWERED,
  has
} from './mysql-names'

/** Prepared statements remembered for their parameters; past this the oldest is forgotten. */
const MAX_STATEMENTS = 4096
/** The most a packet's payload may hold; a packet this long continues in the next. */
export const MAX_PAYLOAD = 0xffffff

export interface Column {
  name: string
  type: number
  flags: number
}
export interface ResultSet {
  columns: Column[]
  /** Rows of a prepared statement's result are in the binary protocol. */
  binary: boolean
}
/** What both sides agreed in the handshake; every packet's context holds this one object. */
export interface Conversation {
  /** The server's capabilities, then (once the client answered) those both have. */
  caps: number
}
export type PacketKind =
  | 'greeting'
  | 'handshake-response'
  | 'ssl-request'
  | 'tls'
  | 'compressed'
  | 'auth-data'
  | 'infile-data'
  | 'command'
  | 'ok'
  | 'err'
  | 'eof'
  | 'auth-switch'
  | 'auth-more'
  | 'column-count'
  | 'column-def'
  | 'row'
  | 'prepare-ok'
  | 'infile-request'
  | 'statistics'
  | 'continuation'
  | 'unknown'
/** A prepared statement: its parameter count (from COM_STMT_PREPARE_OK) and types (from the last execute that sent them). */
export interface Statement {
  params: number
  /** Each parameter's type and its unsigned bit (0x8000), as an execute bound them. */
  types?: number[]
}
export interface MysqlContext {
  kind: PacketKind
  conv: Conversation
  set?: ResultSet
  /** A COM_STMT_EXECUTE's statement, so its parameter values can be read. */
  statement?: Statement
}

type State = 'first' | 'params' | 'params-eof' | 'columns' | 'columns-eof' | 'rows' | 'infile'

interface Pending {
  index: number
  command: number
  state: State
  left: number
  set?: ResultSet
  /** A prepared statement's column count, read while its parameters are defined. */
  columns?: number
  rowContext?: MysqlContext
}

const payloadOf = (msg: Uint8Array): Uint8Array => msg.subarray(4)
const le = (b: Uint8Array, at: number, n: number): number => {
  let v = 0
  for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[at + i] ?? 0)
  return v
}

/** A greeting's capabilities, MariaDB's extended ones included (sent where MySQL has reserved bytes, when CLIENT_LONG_PASSWORD, MariaDB's CLIENT_MYSQL, is not set). */
export function greetingCapabilities(p: Uint8Array): number | undefined {
  let at = 1
  while (at < p.length && p[at] !== 0) at++
  at += 1 + 4 + 8 + 1
  if (at + 2 > p.length) return undefined
  let caps = le(p, at, 2)
  if (at + 2 + 1 + 2 + 2 <= p.length) caps += le(p, at + 5, 2) * 0x10000
  const ext = at + 2 + 1 + 2 + 2 + 1 + 6
  if (!has(caps, CLIENT_LONG_PASSWORD) && ext + 4 <= p.length) caps += le(p, ext, 4) * 2 ** 32
  return caps
}

/** A HandshakeResponse41's (or SSL request's) capabilities, MariaDB's extended ones included. */
export function responseCapabilities(p: Uint8Array): number {
  let caps = le(p, 0, 4)
  if (!has(caps, CLIENT_LONG_PASSWORD) && p.length >= 32) caps += le(p, 28, 4) * 2 ** 32
  return caps
}

/** An OK or EOF packet's status flags (0 when they cannot be read). */
function statusOf(p: Uint8Array, okLayout: boolean): number {
  if (p[0] === 0xfe && !okLayout) return le(p, 3, 2)
  const a = readLenenc(p, 1)
  const b = a && readLenenc(p, a.end)
  return b && b.end + 2 <= p.length ? le(p, b.end, 2) : 0
}

export class MysqlConnection implements ConnectionCodec {
  private readonly conv: Conversation = { caps: CLIENT_PROTOCOL_41 }
  private client: 'response' | 'after-ssl' | 'tls' | 'compressed' | 'commands' = 'response'
  private server: 'greeting' | 'auth' | 'after-ssl' | 'tls' | 'compressed' | 'commands' = 'greeting'
  private serverCaps = 0
  private readonly statements = new Map<number, Statement>()
  private greeting: number | undefined
  private response: number | undefined
  private pending: Pending[] = []
  private head = 0
  private continuing: Record<Direction, boolean> = { client: false, server: false }
  private readonly contexts = new Map<PacketKind, MysqlContext>()

  measure(dir: Direction, buf: Uint8Array): Measure {
    const phase = dir === 'client' ? this.client : this.server
    if (phase === 'tls') return measureTls(buf)
    // A compressed packet's header: its compressed length, a sequence id, the length uncompressed.
    if (phase === 'compressed') return buf.length < 7 ? { need: 7 } : 7 + le(buf, 0, 3)
    if (phase === 'after-ssl') {
      if (buf.length < 2) return { need: 2 }
      if (isTlsStart(buf)) return measureTls(buf)
    }
    if (buf.length < 4) return { need: 4 }
    return 4 + le(buf, 0, 3)
  }

  note(dir: Direction, msg: Uint8Array, index: number): MessageNote {
    const phase = dir === 'client' ? this.client : this.server
    if (phase === 'tls' || (phase === 'after-ssl' && isTlsStart(msg))) {
      if (dir === 'client') this.client = 'tls'
      else this.server = 'tls'
      return { context: this.context('tls') }
    }
    if (phase === 'compressed') return { context: this.context('compressed') }
    const p = payloadOf(msg)
    const continued = this.continuing[dir]
    this.continuing[dir] = p.length === MAX_PAYLOAD
    if (continued) return { context: this.context('continuation') }
    return dir === 'client' ? this.fromClient(msg, p, index) : this.fromServer(p, index)
  }

  private context(kind: PacketKind): MysqlContext {
    let c = this.contexts.get(kind)
    if (!c) this.contexts.set(kind, (c = { kind, conv: this.conv }))
    return c
  }

  private fromClient(msg: Uint8Array, p: Uint8Array, index: number): MessageNote {
    if (this.client !== 'commands') {
      const caps = responseCapabilities(p)
      const pair = this.greeting !== undefined ? { pair: this.greeting } : {}
      if (p.length === 32 && has(caps, CLIENT_SSL)) {
        this.conv.caps = this.agreed(caps)
        this.client = this.server = 'after-ssl'
        return { command: 'SSLRequest', context: this.context('ssl-request'), ...pair }
      }
      this.conv.caps = this.agreed(caps)
      this.client = 'commands'
      this.response = index
      if (this.server === 'after-ssl') this.server = 'auth'
      return { command: 'HandshakeResponse41', context: this.context('handshake-response'), ...pair }
    }
    if (msg[3] !== 0) {
      const kind = this.pending[this.head]?.state === 'infile' ? 'infile-data' : 'auth-data'
      return { command: KIND_COMMANDS[kind], context: this.context(kind) }
    }
    const command = p.length ? p[0] : -1
    const name = COMMANDS[command] ?? `command 0x${(command & 0xff).toString(16)}`
    if (!UNANSWERED.has(command)) this.pending.push({ index, command, state: 'first', left: 0 })
    const statement = command === COM_STMT_EXECUTE ? this.executed(p) : undefined
    return { command: name, context: statement ? { kind: 'command', conv: this.conv, statement } : this.context('command') }
  }

  private agreed(clientCaps: number): number {
    // Both sides' capabilities, bit by bit (above 32 bits too, where & does not reach).
    let out = 0
    for (let bit = 1, i = 0; i < 40; i++, bit *= 2) if (has(clientCaps, bit) && has(this.serverCaps, bit)) out += bit
    return out
  }

  private fromServer(p: Uint8Array, index: number): MessageNote {
    const b = p[0]
    if (this.server === 'greeting') {
      this.server = 'auth'
      this.greeting = index
      if (b === 0xff) return { command: 'ERR', context: this.context('err') }
      this.serverCaps = greetingCapabilities(p) ?? 0
      this.conv.caps = this.serverCaps
      return { command: 'Handshake', context: this.context('greeting') }
    }
    if (this.server !== 'commands') {
      const pair = this.response !== undefined ? { pair: this.response } : {}
      if (b === 0x00) {
        // Compression, where both sides asked for it, begins after this OK in both directions.
        if (has(this.conv.caps, CLIENT_COMPRESS) || has(this.conv.caps, CLIENT_ZSTD_COMPRESSION)) this.client = this.server = 'compressed'
        else this.server = 'commands'
        return { command: 'OK', context: this.context('ok'), ...pair }
      }
      const kind: PacketKind = b === 0xff ? 'err' : b === 0xfe ? 'auth-switch' : b === 0x01 ? 'auth-more' : 'unknown'
      return { command: KIND_COMMANDS[kind], context: this.context(kind), ...pair }
    }
    const head = this.pending[this.head]
    if (!head) {
      const kind: PacketKind = b === 0x00 ? 'ok' : b === 0xff ? 'err' : b === 0xfe && p.length < 9 ? 'eof' : 'unknown'
      return { command: KIND_COMMANDS[kind], context: this.context(kind) }
    }
    const kind = this.step(head, p)
    const context = kind === 'row' && head.rowContext ? head.rowContext : this.context(kind)
    return { command: KIND_COMMANDS[kind], pair: head.index, context }
  }

  private remember(id: number, statement: Statement): void {
    if (this.statements.size >= MAX_STATEMENTS && !this.statements.has(id)) this.statements.delete(this.statements.keys().next().value as number)
    this.statements.set(id, statement)
  }

  /** The statement an execute names; the types it binds replace the statement's (a new object, so earlier executes keep theirs). */
  private executed(p: Uint8Array): Statement | undefined {
    const id = le(p, 1, 4)
    let s = this.statements.get(id)
    if (!s || s.params === 0) return s
    const bitmap = Math.floor((s.params + 7) / 8)
    const flagAt = 10 + bitmap
    if (p[flagAt] === 1 && flagAt + 1 + 2 * s.params <= p.length) {
      const types: number[] = []
      for (let i = 0; i < s.params; i++) types.push(le(p, flagAt + 1 + 2 * i, 2))
      s = { params: s.params, types }
      this.remember(id, s)
    }
    return s
  }

  private get deprecateEof(): boolean {
    return has(this.conv.caps, CLIENT_DEPRECATE_EOF)
  }

  private finish(head: Pending): void {
    if (this.pending[this.head] !== head) return
    this.head++
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head)
      this.head = 0
    }
  }

  /** The kind of the packet answering `head`, moving its state on. */
  private step(head: Pending, p: Uint8Array): PacketKind {
    const b = p[0]
    const end = b === 0xfe && (p.length < 9 || (this.deprecateEof && p.length < MAX_PAYLOAD))
    switch (head.state) {
      case 'first':
      case 'infile':
        if (b === 0xff) return this.done(head, 'err')
        if (head.command === COM_STATISTICS) return this.done(head, 'statistics')
        if (b === 0x00 && head.command === COM_STMT_PREPARE && p.length >= 12) {
          const columns = le(p, 5, 2)
          const params = le(p, 7, 2)
          head.columns = columns
          this.remember(le(p, 1, 4), { params })
          if (params > 0) this.expect(head, 'params', params)
          else if (columns > 0) this.expect(head, 'columns', columns)
          else this.finish(head)
          return 'prepare-ok'
        }
        if (b === 0x00) return this.afterEnd(head, p, 'ok')
        if (end) return this.afterEnd(head, p, this.deprecateEof ? 'ok' : 'eof')
        if (b === 0xfb && head.command === COM_QUERY) {
          head.state = 'infile'
          return 'infile-request'
        }
        if (b === 0x01 && head.command !== COM_QUERY && head.command !== COM_STMT_EXECUTE) return 'auth-more'
        if (head.command === COM_FIELD_LIST) {
          head.set = { columns: [], binary: false }
          this.expect(head, 'columns', Infinity)
          return this.column(head, p)
        }
        {
          const n = readLenenc(p, 0)
          head.set = { columns: [], binary: head.command === COM_STMT_EXECUTE }
          head.rowContext = { kind: 'row', conv: this.conv, set: head.set }
          // MariaDB with cached metadata: a byte after the count says whether definitions follow.
          const follow = has(this.conv.caps, MARIADB_CLIENT_CACHE_METADATA) && n && n.end < p.length ? p[n.end] !== 0 : true
          const count = n?.value ?? 0
          if (count > 0 && follow) this.expect(head, 'columns', count)
          else head.state = 'rows'
          return 'column-count'
        }
      case 'params':
        if (b === 0xff) return this.done(head, 'err')
        if (--head.left <= 0) {
          if (!this.deprecateEof) head.state = 'params-eof'
          else this.afterParams(head)
        }
        return 'column-def'
      case 'params-eof':
        this.afterParams(head)
        return 'eof'
      case 'columns':
        if (b === 0xff) return this.done(head, 'err')
        if (end && head.left === Infinity) return this.done(head, 'eof')
        return this.column(head, p)
      case 'columns-eof':
        if (head.command === COM_STMT_PREPARE) this.finish(head)
        else head.state = 'rows'
        return end ? 'eof' : 'unknown'
      case 'rows':
        if (b === 0xff) return this.done(head, 'err')
        if (end) return this.afterEnd(head, p, this.deprecateEof ? 'ok' : 'eof')
        return 'row'
    }
  }

  private expect(head: Pending, state: State, left: number): void {
    head.state = state
    head.left = left
  }

  private afterParams(head: Pending): void {
    if ((head.columns ?? 0) > 0) {
      head.set = { columns: [], binary: true }
      this.expect(head, 'columns', head.columns!)
    } else this.finish(head)
  }

  private column(head: Pending, p: Uint8Array): PacketKind {
    const set = head.set
    if (set && set.columns.length < 4096) set.columns.push(columnOf(p, this.conv.caps))
    if (--head.left <= 0) {
      if (!this.deprecateEof) head.state = 'columns-eof'
      else if (head.command === COM_STMT_PREPARE) this.finish(head)
      else head.state = 'rows'
    }
    return 'column-def'
  }

  /** An OK or EOF that ends a result (or answers a command): another result follows while the server says so. */
  private afterEnd(head: Pending, p: Uint8Array, kind: PacketKind): PacketKind {
    if (has(statusOf(p, kind === 'ok'), SERVER_MORE_RESULTS_EXISTS)) head.state = 'first'
    else this.finish(head)
    return kind
  }

  private done(head: Pending, kind: PacketKind): PacketKind {
    this.finish(head)
    return kind
  }
}

export const KIND_COMMANDS: Record<PacketKind, string | undefined> = {
  greeting: 'Handshake',
  'handshake-response': 'HandshakeResponse41',
  'ssl-request': 'SSLRequest',
  tls: undefined,
  compressed: undefined,
  'auth-data': 'AuthResponse',
  'infile-data': 'LocalInfileData',
  command: undefined,
  ok: 'OK',
  err: 'ERR',
  eof: 'EOF',
  'auth-switch': 'AuthSwitchRequest',
  'auth-more': 'AuthMoreData',
  'column-count': 'ColumnCount',
  'column-def': 'ColumnDefinition',
  row: 'Row',
  'prepare-ok': 'COM_STMT_PREPARE_OK',
  'infile-request': 'LocalInfileRequest',
  statistics: 'Statistics',
  continuation: undefined,
  unknown: undefined
}

/** A ColumnDefinition41's name, type and flags (an empty name and type 0 where it does not read). */
export function columnOf(p: Uint8Array, caps: number): Column {
  let at = 0
  let name = ''
  for (let i = 0; i < 6; i++) {
    const n = readLenenc(p, at)
    if (!n || n.value === null || n.end + n.value > p.length) return { name, type: 0, flags: 0 }
    if (i === 4) name = new TextDecoder().decode(p.subarray(n.end, n.end + Math.min(n.value, 256)))
    at = n.end + n.value
  }
  if (has(caps, 2 ** 35)) {
    const n = readLenenc(p, at)
    if (n && n.value !== null) at = n.end + n.value
  }
  const fixed = readLenenc(p, at)
  if (!fixed) return { name, type: 0, flags: 0 }
  at = fixed.end
  return { name, type: p[at + 6] ?? 0, flags: le(p, at + 7, 2) }
}
