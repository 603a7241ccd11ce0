// MySQL's and MariaDB's client/server protocol as messages: each wire packet (a 3-byte
// little-endian length and a sequence id) is one message, a 16 MiB packet saying it
// continues in the next; TLS records after the SSL request. MysqlConnection follows the
// conversation; mysql-packets.ts describes each packet by the kind it found.

import type { Direction } from '../../../shared/capture-types'
import { MESSAGE_SUMMARY_MAX, type MessageField } from '../../../shared/message-types'
import type { Described, MessageCodec, MessageNote } from '../messages/message-codec'
import { FieldReader, PastEnd } from '../messages/field-reader'
import { FieldTree } from '../messages/field-tree'
import { line, shown } from '../messages/field-values'
import { describeTlsRecord } from '../messages/tls-record'
import { MAX_PAYLOAD, MysqlConnection, type MysqlContext } from './mysql-connection'
import { CLIENT_PROTOCOL_41 } from './mysql-names'
import type { Remarks } from './mysql-fields'
import { describePayload } from './mysql-packets'

const CONTINUES = ' (continues in the next packet)'

const guessed = (dir: Direction, msg: Uint8Array): MysqlContext['kind'] => {
  const b = msg[4]
  if (dir === 'client') return msg[3] === 0 ? 'command' : 'auth-data'
  return b === 0x00 ? 'ok' : b === 0xff ? 'err' : b === 0xfe && msg.length < 13 ? 'eof' : b === 10 && msg[3] === 0 ? 'greeting' : 'unknown'
}

function describeMysql(dir: Direction, msg: Uint8Array, note: MessageNote, length: number, complete: boolean): Described {
  const given = note.context as MysqlContext | undefined
  const ctx: MysqlContext = given ?? { kind: guessed(dir, msg), conv: { caps: CLIENT_PROTOCOL_41 } }
  if (ctx.kind === 'tls') return describeTlsRecord(msg, length)
  if (ctx.kind === 'compressed') {
    const plain = msg.length >= 7 ? msg[4] + msg[5] * 256 + msg[6] * 65536 : 0
    return {
      summary: `compressed packet (${length - 7} bytes${plain ? `, ${plain} uncompressed` : ', sent uncompressed'})`,
      fields: [
        { name: 'compressed length', value: String(length - 7), offset: 0, length: 3 },
        { name: 'sequence id', value: String(msg[3] ?? 0), offset: 3, length: 1 },
        { name: 'uncompressed length', value: String(plain), offset: 4, length: 3 },
        { name: 'payload', value: `(${Math.max(0, length - 7)} bytes)`, offset: 7, length: Math.max(0, length - 7) }
      ]
    }
  }
  if (msg.length < 4) return { summary: `packet header cut short (${msg.length} of 4 bytes)`, fields: [], error: 'the stream ended inside this packet header' }
  const t = new FieldTree()
  const payloadLength = msg[0] + msg[1] * 256 + msg[2] * 65536
  t.add('payload length', String(payloadLength), { offset: 0, length: 3 })
  t.add('sequence id', String(msg[3]), { offset: 3, length: 1 })
  const r = new FieldReader(msg, 4, Math.min(4 + payloadLength, length))
  const remarks: Remarks = {}
  let summary = ''
  let error: string | undefined
  let cut = false
  if (ctx.kind === 'continuation') {
    t.add('payload', shown(msg.subarray(4)), { offset: 4, length: length - 4 })
    summary = `continuation of the packet before (${payloadLength} bytes)`
  } else {
    try {
      summary = describePayload(r, t, ctx, remarks)
      if (complete && length === msg.length && r.at < r.end && payloadLength !== MAX_PAYLOAD) error = `${r.end - r.at} bytes follow this packet's last field`
    } catch (e) {
      if (e instanceof PastEnd && (length > msg.length || payloadLength === MAX_PAYLOAD)) cut = true
      else if (!complete) error = 'the stream ended inside this packet'
      else error = e instanceof Error ? e.message : String(e)
    }
  }
  if (!error && !complete) error = 'the stream ended inside this packet'
  error ??= remarks.error
  if (summary === '') {
    summary = note.command ?? `packet (${payloadLength} bytes)`
    if (cut) summary += ` (${length} bytes, the first ${msg.length} decoded)`
    else if (error !== undefined) summary += `: ${error}`
  }
  if (payloadLength === MAX_PAYLOAD) summary = summary.length + CONTINUES.length > MESSAGE_SUMMARY_MAX ? `${summary.slice(0, MESSAGE_SUMMARY_MAX - CONTINUES.length - 1)}…${CONTINUES}` : summary + CONTINUES
  summary = line(summary)
  return { summary, fields: prune(t.fields), ...(t.budget.cut || cut || length > msg.length ? { fieldsCut: true } : {}), ...(error !== undefined ? { error } : {}) }
}

function prune(fields: MessageField[]): MessageField[] {
  for (const f of fields) {
    if (f.children && f.children.length === 0) delete f.children
    else if (f.children) prune(f.children)
  }
  return fields
}

export const mysqlCodec: MessageCodec = {
  name: 'mysql',
  refit: refitMysql,
  open: () => new MysqlConnection(),
  describe: (dir, msg, note, length, complete) => {
    try {
      return describeMysql(dir, msg, note, length, complete)
    } catch (e) {
      // Not expected: every read is bounded. A bug here must not take the list down with it.
      return { summary: `MySQL packet (${length} bytes)`, fields: [], error: `could not be described: ${e instanceof Error ? e.message : String(e)}` }
    }
  }
}

/**
 * The server speaks first: a packet with sequence id 0 whose payload is protocol version 10
 * and a NUL-terminated, printable server version.
 */
export function recogniseMysql(client: Uint8Array, server: Uint8Array): boolean | undefined {
  if (server.length === 0) return client.length > 0 ? false : undefined
  if (server.length < 5) return server.length >= 4 && server[3] !== 0 ? false : undefined
  const len = server[0] + server[1] * 256 + server[2] * 65536
  if (server[3] !== 0 || server[4] !== 10 || len < 20 || len > 1024) return false
  for (let i = 5; i < Math.min(server.length, 4 + len); i++) {
    if (server[i] === 0) return i > 5
    if (server[i] < 0x20 || server[i] > 0x7e) return false
  }
  return server.length >= 4 + len ? false : undefined
}

/** An edited packet with its 3-byte little-endian payload length set to what follows its 4-byte header (the sequence id kept). */
function refitMysql(_dir: Direction, edited: Uint8Array): Uint8Array | { error: string } {
  if (edited.length < 4) return { error: `the edit is ${edited.length} bytes, shorter than a packet's 4-byte header` }
  const n = edited.length - 4
  if (n > 0xffffff) return { error: `${n} bytes do not fit one packet (at most 16 MiB - 1)` }
  const out = new Uint8Array(edited)
  out[0] = n & 0xff
  out[1] = (n >> 8) & 0xff
  out[2] = (n >> 16) & 0xff
  return out
}
