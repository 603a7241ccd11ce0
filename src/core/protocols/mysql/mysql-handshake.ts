// MySQL's connection phase for a person: the server's v10 greeting (its version, connection
// id, capabilities named and auth plugin; the auth data never shown) and the client's
// HandshakeResponse41 or SSLRequest (capabilities, user, database, plugin, connection
// attributes; its auth response only counted).

import { type FieldReader, textOfName } from '../messages/field-reader'
import { childrenOf, type FieldTree } from '../messages/field-tree'
import { shown, textOf, word } from '../messages/field-values'
import { cstringField, flagsField, hiddenField, intField, LE, lenenc, lenencString, statusFlags } from './mysql-fields'
import {
  CLIENT_CONNECT_ATTRS,
  CLIENT_CONNECT_WITH_DB,
  CLIENT_LONG_PASSWORD,
  CLIENT_PLUGIN_AUTH,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
  CLIENT_SECURE_CONNECTION,
  capabilityNames,
  has
} from './mysql-names'

export function greeting(r: FieldReader, t: FieldTree): string {
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

export function capabilities(r: FieldReader, t: FieldTree): number {
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

export function handshakeResponse(r: FieldReader, t: FieldTree): string {
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
