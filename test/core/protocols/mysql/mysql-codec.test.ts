import { describe, expect, it } from 'vitest'
import { mysqlCodec, recogniseMysql } from '../../../../src/core/protocols/mysql/mysql-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { MESSAGE_DECODE_BYTES, type MessageField } from '../../../../src/shared/message-types'
import { cut, type Turn } from '../messages/cut'
import { BASE_CAPS, CAPS, columnDef, command, eof, err, greeting, handshakeResponse, le, lenenc, lstr, ok, packet, sslRequest, textRow } from './mysql-bytes'

function describeAll(turns: Turn[], opts: Parameters<typeof cut>[2] = {}) {
  const streams = { client: Buffer.alloc(0), server: Buffer.alloc(0) }
  for (const t of turns) streams[t.dir] = Buffer.concat([streams[t.dir], Buffer.from(t.bytes as Uint8Array)])
  return cut(mysqlCodec, turns, opts).map((m) => {
    // Describing is given a message's first MESSAGE_DECODE_BYTES, as the engine gives them.
    const bytes = new Uint8Array(streams[m.dir].subarray(m.offset, m.offset + Math.min(m.length, MESSAGE_DECODE_BYTES)))
    return { ...m, described: mysqlCodec.describe(m.dir, bytes, m.note, m.length, !m.incomplete) }
  })
}
const C = (...bytes: Uint8Array[]): Turn => ({ dir: 'client', bytes: new Uint8Array(Buffer.concat(bytes)) })
const S = (...bytes: Uint8Array[]): Turn => ({ dir: 'server', bytes: new Uint8Array(Buffer.concat(bytes)) })
const find = (fields: MessageField[], name: string): MessageField | undefined => {
  for (const f of fields) {
    if (f.name === name) return f
    const inner = f.children && find(f.children, name)
    if (inner) return inner
  }
  return undefined
}

const secret = Buffer.from('0123456789abcdefsecretXY')
/** A conversation: handshake, auth switch, a query with a result set, an error, a ping, an init db and quit. */
export const conversation: Turn[] = [
  S(greeting(BASE_CAPS | CAPS.SSL)),
  C(handshakeResponse(BASE_CAPS, 'alice', secret, 'shop')),
  S(packet(2, [0xfe], 'mysql_native_password\0', 'saltsaltsaltsaltsalt', [0])),
  C(packet(3, secret.subarray(0, 20))),
  S(ok(4)),
  C(command(3, 'select id, name, note from t')),
  S(packet(1, lenenc(3)), columnDef(2, 'id', 3), columnDef(3, 'name', 253), columnDef(4, 'note', 253), eof(5), textRow(6, ['1', 'x']).subarray(0, 0), textRow(6, ['1', 'x', null]), textRow(7, ['2', 'y z', 'n']), eof(8, 0x22)),
  C(command(3, 'select * from nope')),
  S(err(1, 1146, '42S02', "Table 'shop.nope' doesn't exist")),
  C(command(0x0e)),
  S(ok(1)),
  C(command(2, 'other')),
  S(ok(1, 0, 0, 2 | 0x4000)),
  C(command(1))
]

describe('MySQL/MariaDB: the packets of the protocol docs', () => {
  it('reads a handshake, an auth switch, a result set, an error, a ping and quit, whatever the segmentation', () => {
    const msgs = describeAll(conversation)
    expect(msgs.map((m) => m.described.summary)).toEqual([
      'Handshake v10 server 8.0.36 connection 11 auth caching_sha2_password',
      'HandshakeResponse41 user=alice database=shop auth caching_sha2_password (auth data hidden)',
      'AuthSwitchRequest mysql_native_password',
      'AuthResponse (hidden)',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT',
      'Query: select id, name, note from t',
      'Result set: 3 columns',
      'ColumnDefinition id LONG',
      'ColumnDefinition name VAR_STRING',
      'ColumnDefinition note VAR_STRING',
      'EOF AUTOCOMMIT',
      'Row id=1 name="x" note=NULL',
      'Row id=2 name="y z" note="n"',
      'EOF AUTOCOMMIT NO_INDEX_USED',
      'Query: select * from nope',
      "ERR 1146 (42S02): Table 'shop.nope' doesn't exist",
      'COM_PING',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT',
      'COM_INIT_DB other',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT SESSION_STATE_CHANGED',
      'COM_QUIT'
    ])
    expect(msgs.every((m) => m.error === undefined && m.described.error === undefined), JSON.stringify(msgs.filter((m) => m.described.error).map((m) => m.described))).toBe(true)
    expect(msgs.map((m) => m.note.pair)).toEqual([undefined, 0, 1, undefined, 1, undefined, 5, 5, 5, 5, 5, 5, 5, 5, undefined, 14, undefined, 16, undefined, 18, undefined])
    expect(msgs.map((m) => m.note.command)).toEqual(['Handshake', 'HandshakeResponse41', 'AuthSwitchRequest', 'AuthResponse', 'OK', 'COM_QUERY', 'ColumnCount', 'ColumnDefinition', 'ColumnDefinition', 'ColumnDefinition', 'EOF', 'Row', 'Row', 'EOF', 'COM_QUERY', 'ERR', 'COM_PING', 'OK', 'COM_INIT_DB', 'OK', 'COM_QUIT'])
    // Auth data is never shown: not the response, not the switch's salt.
    const all = JSON.stringify(msgs.map((m) => m.described))
    expect(all).not.toContain('secret')
    expect(all).not.toContain('salt')
    const caps = find(msgs[0].described.fields, 'capability flags')!
    expect(caps.children!.map((c) => c.name)).toEqual(['CLIENT_LONG_PASSWORD', 'CLIENT_CONNECT_WITH_DB', 'CLIENT_PROTOCOL_41', 'CLIENT_SSL', 'CLIENT_TRANSACTIONS', 'CLIENT_SECURE_CONNECTION', 'CLIENT_MULTI_RESULTS', 'CLIENT_PLUGIN_AUTH'])
    expect(find(msgs[7].described.fields, 'type')!.value).toBe('LONG (3)')
    expect(find(msgs[12].described.fields, 'name')).toMatchObject({ value: 'y z', offset: 6, length: 4 })
    for (const split of ['random', 'bytes'] as const)
      for (const coalesce of [false, true])
        expect(describeAll(conversation, { split, coalesce, seed: 5 }).map((m) => [m.dir, m.offset, m.length, m.described.summary])).toEqual(msgs.map((m) => [m.dir, m.offset, m.length, m.described.summary]))
  })

  it('marks the SSL request and reads the rest as opaque TLS records', () => {
    const msgs = describeAll([
      S(greeting(BASE_CAPS | CAPS.SSL)),
      C(sslRequest(BASE_CAPS), new Uint8Array([22, 3, 1, 0, 2, 1, 0])),
      S(new Uint8Array([22, 3, 3, 0, 2, 2, 0, 23, 3, 3, 0, 1, 7])),
      C(new Uint8Array([23, 3, 3, 0, 3, 1, 2, 3]))
    ])
    expect(msgs.map((m) => m.described.summary)).toEqual([
      'Handshake v10 server 8.0.36 connection 11 auth caching_sha2_password',
      'SSLRequest: TLS begins, the rest of the connection is opaque',
      'TLS record: ClientHello (7 bytes, encrypted from here on)',
      'TLS record: ServerHello (7 bytes, encrypted from here on)',
      'TLS record: application_data (6 bytes, encrypted from here on)',
      'TLS record: application_data (8 bytes, encrypted from here on)'
    ])
    expect(msgs[1].note.command).toBe('SSLRequest')
  })

  it('ends a result set with an OK when both sides deprecate EOF, and reads AuthMoreData', () => {
    const caps = BASE_CAPS | CAPS.DEPRECATE_EOF
    const msgs = describeAll([
      S(greeting(caps)),
      C(handshakeResponse(caps, 'u', new Uint8Array(32))),
      S(packet(2, [1, 3]), ok(3)),
      C(command(3, 'select 1 as one')),
      S(packet(1, [1]), columnDef(2, 'one', 8), textRow(3, ['1']), packet(4, [0xfe], [0], [0], le(2, 2), le(0, 2))),
      C(command(3, 'select 2'))
    ])
    expect(msgs.map((m) => m.described.summary)).toEqual([
      'Handshake v10 server 8.0.36 connection 11 auth caching_sha2_password',
      'HandshakeResponse41 user=u auth caching_sha2_password (auth data hidden)',
      'AuthMoreData: fast auth succeeded',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT',
      'Query: select 1 as one',
      'Result set: 1 columns',
      'ColumnDefinition one LONGLONG',
      'Row one=1',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT',
      'Query: select 2'
    ])
  })

  it('reads a prepared statement: its definitions, an execute with a binary row, and close', () => {
    const msgs = describeAll([
      S(greeting(BASE_CAPS)),
      C(handshakeResponse(BASE_CAPS, 'u', new Uint8Array(0))),
      S(ok(2)),
      C(command(0x16, 'select id, name from t where id = ?')),
      S(packet(1, [0], le(1, 4), le(2, 2), le(1, 2), [0], le(0, 2)), columnDef(2, '?', 253), eof(3), columnDef(4, 'id', 8, 0x20), columnDef(5, 'name', 253), eof(6)),
      C(command(0x17, le(1, 4), [0], le(1, 4), [0], [1], [8, 0x80], le(7, 8))),
      S(packet(1, [2]), columnDef(2, 'id', 8, 0x20), columnDef(3, 'name', 253), eof(4), packet(5, [0], [0], le(7, 8), lstr('seven')), packet(6, [0], [0b1100]), eof(7)),
      C(command(0x17, le(1, 4), [0], le(1, 4), [1], [0])),
      S(err(1, 1210, 'HY000', 'Incorrect arguments to EXECUTE')),
      C(command(0x19, le(1, 4))),
      C(command(0x0e)),
      S(ok(1))
    ])
    const s = msgs.map((m) => m.described.summary)
    expect(s.slice(3)).toEqual([
      'COM_STMT_PREPARE: select id, name from t where id = ?',
      'COM_STMT_PREPARE_OK statement 1, 1 parameters, 2 columns',
      'ColumnDefinition ? VAR_STRING',
      'EOF AUTOCOMMIT',
      'ColumnDefinition id LONGLONG',
      'ColumnDefinition name VAR_STRING',
      'EOF AUTOCOMMIT',
      'COM_STMT_EXECUTE statement 1 ?1=7',
      'Result set: 2 columns',
      'ColumnDefinition id LONGLONG',
      'ColumnDefinition name VAR_STRING',
      'EOF AUTOCOMMIT',
      'Row id=7 name=seven',
      'Row id=NULL name=NULL',
      'EOF AUTOCOMMIT',
      'COM_STMT_EXECUTE statement 1 ?1=NULL',
      'ERR 1210 (HY000): Incorrect arguments to EXECUTE',
      'COM_STMT_CLOSE statement 1',
      'COM_PING',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT'
    ])
    expect(msgs[msgs.length - 1].note.pair).toBe(msgs.length - 2)
  })

  it('says a 16 MiB packet continues in the next, and reads the next as its continuation', () => {
    const big = new Uint8Array(0xffffff)
    big[0] = 3
    big.fill(0x61, 1)
    const msgs = describeAll([S(greeting(BASE_CAPS)), C(handshakeResponse(BASE_CAPS, 'u', new Uint8Array(0))), S(ok(2)), C(packet(0, big), packet(1, 'bc')), S(ok(1))])
    expect(msgs[3].described.summary).toMatch(/^Query: a{100}a*… \(continues in the next packet\)$/)
    expect(msgs[3].described.fieldsCut).toBe(true)
    expect(msgs[4].described.summary).toBe('continuation of the packet before (2 bytes)')
    expect(msgs[5].described.summary).toBe('OK affected_rows=0 last_insert_id=0 AUTOCOMMIT')
    expect(msgs[5].note.pair).toBe(3)
  })

  it('reads MySQL 8 query attributes before a query, and compressed packets once both sides asked for compression', () => {
    const attrs = BASE_CAPS | 0x8000000
    const q = describeAll([S(greeting(attrs)), C(handshakeResponse(attrs, 'u', new Uint8Array(0))), S(ok(2)), C(command(3, [0, 1], 'select 1'))])
    expect(q[3].described.summary).toBe('Query: select 1')
    const compress = BASE_CAPS | 0x20
    const z = describeAll([S(greeting(compress)), C(handshakeResponse(compress, 'u', new Uint8Array(0))), S(ok(2)), C(new Uint8Array([13, 0, 0, 0, 0, 0, 0]), command(3, 'select 1')), S(new Uint8Array([3, 0, 0, 1, 9, 0, 0, 1, 2, 3]))])
    expect(z.slice(3).map((m) => m.described.summary)).toEqual(['compressed packet (13 bytes, sent uncompressed)', 'compressed packet (3 bytes, 9 uncompressed)'])
  })

  it('recognises a MySQL server from its greeting', () => {
    const g = greeting(BASE_CAPS)
    expect(recogniseMysql(new Uint8Array(0), g)).toBe(true)
    expect(recogniseMysql(new Uint8Array(0), g.subarray(0, 8))).toBeUndefined()
    expect(recogniseMysql(new Uint8Array(0), new Uint8Array(0))).toBeUndefined()
    expect(recogniseMysql(Buffer.from('GET /'), new Uint8Array(0))).toBe(false)
    expect(recogniseMysql(new Uint8Array(0), Buffer.from('220 mail.example.com ESMTP\r\n'))).toBe(false)
    expect(recogniseMysql(new Uint8Array(0), packet(1, [10], cstr8()))).toBe(false)
    expect(recogniseMessages(new Uint8Array(0), g, 13306)).toBe('mysql')
    expect(recogniseMessages(new Uint8Array(0), new Uint8Array(0), 3306)).toBe('mysql')
  })
})

const cstr8 = (): string => '8.0.36\0xxxxxxxxxxxxxxxxxxxxxxxx'

describe('MySQL/MariaDB: hostile bytes are errors in a sentence, never a throw', () => {
  const start = [S(greeting(BASE_CAPS)), C(handshakeResponse(BASE_CAPS, 'u', new Uint8Array(0))), S(ok(2))]

  it('says a truncated packet ended inside, and a length inside a packet runs past its end', () => {
    const truncated = describeAll([...start, C(command(3, 'select 1').subarray(0, 7))])
    expect(truncated[3].incomplete).toBe(true)
    expect(truncated[3].described.error).toBe('the stream ended inside this packet')
    const past = describeAll([...start, C(command(3, 'select 1')), S(packet(1, [1]), packet(2, lstr('def'), [0xfc, 0xff, 0x7f], 'abc'))])
    expect(past[5].described.error).toMatch(/^schema at byte \d+ runs past the message's end \(\d+ bytes\)$/)
    const badLenenc = describeAll([...start, C(command(3, 'select 1')), S(packet(1, [0]), packet(9, [0xff]))])
    expect(badLenenc.every((m) => typeof m.described.summary === 'string')).toBe(true)
    const trailing = describeAll([...start, C(command(3, 'select 1')), S(packet(1, [1]), columnDef(2, 'a', 3), packet(3, [0xfe], le(0, 2), le(2, 2), 'xx'))])
    expect(trailing[6].described.error).toBe("2 bytes follow this packet's last field")
  })

  it('says a row holds more values than its result set defined columns', () => {
    const msgs = describeAll([...start, C(command(3, 'select 1')), S(packet(1, [1]), columnDef(2, 'a', 3), eof(3), textRow(4, ['1', '2', '3']), eof(5))])
    expect(msgs[7].described.summary).toBe('Row a=1 column 2="2" column 3="3"')
    expect(msgs[7].described.error).toBe('this row holds 3 values, but its result set defined 1 columns')
  })

  it('names an unknown command and survives 2000 random mutations of a conversation', () => {
    expect(describeAll([...start, C(command(0x77, 'x'))])[3].described.summary).toBe('command 0x77')
    const base = conversation.map((t) => ({ dir: t.dir, bytes: new Uint8Array(t.bytes as Uint8Array) }))
    let seed = 99
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    for (let i = 0; i < 2000; i++) {
      const turns = base.map((t) => ({ dir: t.dir, bytes: new Uint8Array(t.bytes) }))
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        const t = turns[Math.floor(rnd() * turns.length)]
        const at = Math.floor(rnd() * t.bytes.length)
        const how = rnd()
        if (how < 0.6) t.bytes[at] = Math.floor(rnd() * 256)
        else if (how < 0.8) t.bytes = t.bytes.subarray(0, at)
        else t.bytes = new Uint8Array(Buffer.concat([t.bytes.subarray(0, at), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x00]), t.bytes.subarray(at)]))
      }
      for (const m of describeAll(turns, { split: 'random', seed: i })) expect(typeof m.described.summary).toBe('string')
    }
  })
})
