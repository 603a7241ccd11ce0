// PostgreSQL's frontend/backend protocol v3 as messages: cut by its framing (an untyped
// startup message, then a type byte and a length that counts itself), followed in capture
// order by PostgresConnection, and described here for a person. Bad bytes are said in a
// sentence: a length past the limit stops the direction, an unknown type is one message in
// error, a field that runs past its message's end is that message's error.

import type { Direction } from '../../../shared/capture-types'
import type { MessageField } from '../../../shared/message-types'
import type { Described, MessageCodec, MessageNote } from '../messages/message-codec'
import { FieldReader, PastEnd } from '../messages/field-reader'
import { FieldTree } from '../messages/field-tree'
import { describeTlsRecord } from '../messages/tls-record'
import { line, shown, uint } from '../messages/field-values'
import { describeClientMessage, describeStartup } from './pg-client-messages'
import { describeServerMessage, type Remarks } from './pg-server-messages'
import { PostgresConnection, typeLabel } from './pg-connection'
import { CANCEL_REQUEST, CLIENT_TYPES, GSSENC_REQUEST, PROTOCOL_3, SERVER_TYPES, SSL_REQUEST } from './pg-names'

const ANSWERS: Record<string, string> = {
  S: "'S': encryption accepted, TLS follows",
  N: "'N': encryption refused, the conversation goes on in clear",
  G: "'G': GSSAPI encryption accepted, encrypted packets follow"
}

function describePostgres(dir: Direction, msg: Uint8Array, note: MessageNote, length: number, complete: boolean): Described {
  const ctx = note.context
  if (msg.length === 0) return { summary: 'empty', fields: [] }
  if (ctx === 'tls') return describeTlsRecord(msg, length)
  if (ctx === 'gss') return { summary: `GSSAPI-encrypted packet (${length} bytes)`, fields: [{ name: 'packet', value: `(${length} bytes)`, offset: 0, length }] }
  if (ctx === 'answer') {
    const s = String.fromCharCode(msg[0])
    return { summary: ANSWERS[s] ?? `answer ${typeLabel(msg[0])}`, fields: [{ name: 'answer', value: s, offset: 0, length: 1 }] }
  }
  const t = new FieldTree()
  const startup = ctx === 'startup' || (dir === 'client' && ctx === undefined && msg[0] === 0)
  const type = String.fromCharCode(msg[0])
  const name = startup ? 'startup message' : ((dir === 'client' ? CLIENT_TYPES : SERVER_TYPES)[type] ?? `unknown message ${typeLabel(msg[0])}`)
  const declared = startup ? (msg.length >= 4 ? uint(msg, 0, 4) : length) : msg.length >= 5 ? 1 + uint(msg, 1, 4) : length
  const r = new FieldReader(msg, startup ? 0 : 1, Math.min(declared, length))
  const remarks: Remarks = {}
  let summary = ''
  let error: string | undefined
  let cut = false
  try {
    if (startup) summary = describeStartup(r, t)
    else {
      t.add('message type', `${name} (${typeLabel(msg[0])})`, { offset: 0, length: 1 })
      const from = r.at
      t.add('length', String(r.uint(4, 'length')), r.since(from))
      if (!(type in (dir === 'client' ? CLIENT_TYPES : SERVER_TYPES))) {
        error = `${typeLabel(msg[0])} is no PostgreSQL ${dir} message type`
        t.add('body', shown(msg.subarray(5)), { offset: 5, length: Math.max(0, length - 5) })
      } else summary = dir === 'client' ? describeClientMessage(type, r, t, ctx) : describeServerMessage(type, r, t, ctx, remarks)
      if (!error && complete && length === msg.length && r.at < r.end) error = `${r.end - r.at} bytes follow the last field of this ${name}`
    }
  } catch (e) {
    if (e instanceof PastEnd && length > msg.length) cut = true
    else if (!complete) error = `the stream ended inside this ${name}`
    else error = e instanceof Error ? e.message : String(e)
  }
  if (!error && !complete) error = `the stream ended inside this ${name}`
  error ??= remarks.error
  // A message read to its end keeps its summary (its error is said beside it); one that stopped short says why in it.
  if (summary === '') {
    summary = note.command ?? name
    if (cut) summary += ` (${length} bytes, the first ${msg.length} decoded)`
    else if (error !== undefined) summary += `: ${error}`
  }
  return { summary: line(summary), fields: prune(t.fields), ...(t.budget.cut || cut || length > msg.length ? { fieldsCut: true } : {}), ...(error !== undefined ? { error } : {}) }
}

/** Groups left with no children lose their empty list. */
function prune(fields: MessageField[]): MessageField[] {
  for (const f of fields) {
    if (f.children && f.children.length === 0) delete f.children
    else if (f.children) prune(f.children)
  }
  return fields
}

export const postgresCodec: MessageCodec = {
  name: 'postgres',
  refit: refitPostgres,
  open: () => new PostgresConnection(),
  describe: (dir, msg, note, length, complete) => {
    try {
      return describePostgres(dir, msg, note, length, complete)
    } catch (e) {
      // Not expected: every read is bounded. A bug here must not take the list down with it.
      return { summary: `PostgreSQL message (${length} bytes)`, fields: [], error: `could not be described: ${e instanceof Error ? e.message : String(e)}` }
    }
  }
}

/**
 * A client's first bytes are PostgreSQL's when they are an untyped startup message: a length
 * of at least 8 and a code no other protocol begins with (protocol 3.x, SSLRequest,
 * GSSENCRequest, CancelRequest). The server never speaks first.
 */
export function recognisePostgres(client: Uint8Array, server: Uint8Array): boolean | undefined {
  if (client.length === 0) return server.length > 0 ? false : undefined
  if (client[0] !== 0) return false
  if (client.length < 8) return undefined
  const len = uint(client, 0, 4)
  const code = uint(client, 4, 4)
  if (code === SSL_REQUEST || code === GSSENC_REQUEST) return len === 8
  if (code === CANCEL_REQUEST) return len >= 16 && len <= 256
  return code >>> 16 === PROTOCOL_3 >>> 16 && len >= 8 && len <= 10000
}

/**
 * An edited message with its Int32 length set to what it now holds: the length counts
 * itself and what follows, not the type byte; a startup message (SSLRequest, StartupMessage,
 * CancelRequest: no type byte, its first byte is the length's high byte, always 0) from its
 * first byte. Other lengths inside (a Bind's parameter lengths) are the person's to keep.
 */
function refitPostgres(_dir: Direction, edited: Uint8Array): Uint8Array | { error: string } {
  const startup = edited.length > 0 && edited[0] === 0
  const at = startup ? 0 : 1
  if (edited.length < at + 4) return { error: `the edit is ${edited.length} bytes, too short for ${startup ? "a startup message's length" : 'a type byte and its length'}` }
  const out = new Uint8Array(edited)
  new DataView(out.buffer).setUint32(at, edited.length - at)
  return out
}
