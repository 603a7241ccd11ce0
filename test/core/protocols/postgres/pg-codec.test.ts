import { describe, expect, it } from 'vitest'
import { postgresCodec, recognisePostgres } from '../../../../src/core/protocols/postgres/pg-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import type { MessageField } from '../../../../src/shared/message-types'
import { cut, type Turn } from '../messages/cut'
import { authOk, byte, commandComplete, cstr, dataRow, errorResponse, i16, i32, query, ready, rowDescription, startup, typed, untyped } from './pg-bytes'

function describeAll(turns: Turn[], opts: Parameters<typeof cut>[2] = {}) {
  const streams = { client: Buffer.alloc(0), server: Buffer.alloc(0) }
  for (const t of turns) streams[t.dir] = Buffer.concat([streams[t.dir], Buffer.from(t.bytes as Uint8Array)])
  return cut(postgresCodec, turns, opts).map((m) => {
    const bytes = new Uint8Array(streams[m.dir].subarray(m.offset, m.offset + m.length))
    return { ...m, bytes, described: postgresCodec.describe(m.dir, bytes, m.note, m.length, !m.incomplete) }
  })
}

const fieldValue = (fields: MessageField[], name: string): string | undefined => {
  for (const f of fields) {
    if (f.name === name) return f.value
    const inner = f.children && fieldValue(f.children, name)
    if (inner !== undefined) return inner
  }
  return undefined
}

const C = (bytes: Uint8Array): Turn => ({ dir: 'client', bytes })
const S = (bytes: Uint8Array): Turn => ({ dir: 'server', bytes })

/** A simple-query conversation from startup to Terminate, as psql would have it. */
export const simpleConversation: Turn[] = [
  C(startup({ user: 'alice', database: 'shop', application_name: 'psql' })),
  S(Buffer.concat([typed('R', i32(10), cstr('SCRAM-SHA-256'), byte('\0'))])),
  C(typed('p', cstr('SCRAM-SHA-256'), i32(8), Buffer.from('n,,n=,r='))),
  S(typed('R', i32(11), Buffer.from('r=nonce,s=salt,i=4096'))),
  C(typed('p', Buffer.from('c=biws,r=nonce,p=proofsecret'))),
  S(Buffer.concat([typed('R', i32(12), Buffer.from('v=sig')), authOk(), typed('S', cstr('server_version'), cstr('15.8')), typed('K', i32(4242), i32(77)), ready()])),
  C(query('SELECT 1 AS id, $$x$$ AS name')),
  S(Buffer.concat([rowDescription([['id', 23], ['name', 25]]), dataRow(['1', 'x']), dataRow(['2', null]), commandComplete('SELECT 2'), ready()])),
  C(query('select * from nope')),
  S(Buffer.concat([errorResponse({ S: 'ERROR', V: 'ERROR', C: '42P01', M: 'relation "nope" does not exist', P: '15', F: 'parse_relation.c', L: '1392', R: 'parserOpenTable' }), ready()])),
  C(typed('X'))
]

describe('PostgreSQL v3: the messages of the protocol spec', () => {
  it('reads a startup, SCRAM authentication, a simple query with rows and an error, whatever the segmentation', () => {
    const whole = describeAll(simpleConversation)
    const summaries = whole.map((m) => m.described.summary)
    expect(summaries).toEqual([
      'StartupMessage user=alice database=shop application_name=psql',
      'AuthenticationSASL SCRAM-SHA-256',
      'SASLInitialResponse SCRAM-SHA-256 (hidden)',
      'AuthenticationSASLContinue',
      'SASLResponse (hidden)',
      'AuthenticationSASLFinal',
      'AuthenticationOk',
      'ParameterStatus server_version=15.8',
      'BackendKeyData process 4242',
      'ReadyForQuery idle',
      'Query: SELECT 1 AS id, $$x$$ AS name',
      'RowDescription id int4, name text',
      'DataRow id=1 name="x"',
      'DataRow id=2 name=NULL',
      'CommandComplete SELECT 2',
      'ReadyForQuery idle',
      'Query: select * from nope',
      'ErrorResponse ERROR 42P01 relation "nope" does not exist',
      'ReadyForQuery idle',
      'Terminate'
    ])
    expect(whole.every((m) => m.error === undefined && m.described.error === undefined)).toBe(true)
    expect(whole.map((m) => m.note.command)).toEqual(['StartupMessage', 'AuthenticationSASL', 'SASLInitialResponse', 'AuthenticationSASLContinue', 'SASLResponse', 'AuthenticationSASLFinal', 'AuthenticationOk', 'ParameterStatus', 'BackendKeyData', 'ReadyForQuery', 'Query', 'RowDescription', 'DataRow', 'DataRow', 'CommandComplete', 'ReadyForQuery', 'Query', 'ErrorResponse', 'ReadyForQuery', 'Terminate'])
    // Server messages pair with what began their cycle: the startup, then each Query.
    expect(whole.map((m) => m.note.pair)).toEqual([undefined, 0, undefined, 0, undefined, 0, 0, 0, 0, 0, undefined, 10, 10, 10, 10, 10, undefined, 16, 16, undefined])
    for (const split of ['random', 'bytes'] as const)
      for (const coalesce of [false, true]) {
        const again = describeAll(simpleConversation, { split, coalesce, seed: 7 })
        expect(again.map((m) => [m.dir, m.offset, m.length, m.described.summary])).toEqual(whole.map((m) => [m.dir, m.offset, m.length, m.described.summary]))
      }
  })

  it('never shows a password or SASL secret, and names each field of a message', () => {
    const msgs = describeAll(simpleConversation)
    const all = JSON.stringify(msgs.map((m) => m.described))
    expect(all).not.toContain('proofsecret')
    expect(all).not.toContain('n=,r=')
    const clear = describeAll([C(startup({ user: 'u' })), S(typed('R', i32(3))), C(typed('p', cstr('hunter2')))])
    expect(clear[2].described.summary).toBe('PasswordMessage (hidden)')
    expect(JSON.stringify(clear[2].described)).not.toContain('hunter2')
    const md5 = describeAll([C(startup({ user: 'u' })), S(typed('R', i32(5), Buffer.from([1, 2, 3, 4]))), C(typed('p', cstr('md5abcdef')))])
    expect(md5[1].described.summary).toBe('AuthenticationMD5Password')
    expect(md5[2].described.summary).toBe('PasswordMessage (hidden)')
    const start = msgs[0].described.fields
    expect(fieldValue(start, 'protocol')).toBe('3.0 (196608)')
    expect(fieldValue(start, 'database')).toBe('shop')
    const err = msgs[17].described.fields
    expect(fieldValue(err, 'SQLSTATE code')).toBe('42P01')
    expect(fieldValue(err, 'position')).toBe('15')
    expect(fieldValue(err, 'routine')).toBe('parserOpenTable')
    const row = msgs[12].described.fields
    expect(fieldValue(row, 'name')).toBe('x')
    expect(row.find((f) => f.name === 'name')).toMatchObject({ offset: 12, length: 5 })
    expect(fieldValue(msgs[11].described.fields, 'type')).toBe('int4 (23)')
  })

  it('reads the extended protocol: Parse, Bind with typed parameters, Describe, Execute, Sync, and pairs the replies with the Sync', () => {
    const turns: Turn[] = [
      C(startup({ user: 'u', database: 'd' })),
      S(Buffer.concat([authOk(), ready()])),
      C(
        Buffer.concat([
          typed('P', cstr('s1'), cstr('UPDATE t SET v = $2 WHERE id = $1'), i16(2), i32(23), i32(25)),
          typed('B', cstr(''), cstr('s1'), i16(1), i16(0), i16(2), i32(2), Buffer.from('42'), i32(5), Buffer.from('hello'), i16(0)),
          typed('D', byte('P'), cstr('')),
          typed('E', cstr(''), i32(0)),
          typed('B', cstr('p2'), cstr('s1'), i16(1), i16(1), i16(2), i32(4), i32(7), i32(-1), i16(1), i16(1)),
          typed('C', byte('S'), cstr('s1')),
          typed('S'),
          typed('H')
        ])
      ),
      S(Buffer.concat([typed('1'), typed('2'), typed('n'), commandComplete('UPDATE 1'), typed('2'), typed('3'), ready('T')]))
    ]
    const msgs = describeAll(turns, { split: 'random', seed: 3 })
    expect(msgs.map((m) => m.described.summary)).toEqual([
      'StartupMessage user=u database=d',
      'AuthenticationOk',
      'ReadyForQuery idle',
      'Parse s1: UPDATE t SET v = $2 WHERE id = $1',
      'Bind s1 $1=42 $2=hello',
      'Describe portal (unnamed)',
      'Execute',
      'Bind s1 → portal p2 $1=0x00000007 $2=NULL',
      'Close statement s1',
      'Sync',
      'Flush',
      'ParseComplete',
      'BindComplete',
      'NoData',
      'CommandComplete UPDATE 1',
      'BindComplete',
      'CloseComplete',
      'ReadyForQuery in transaction'
    ])
    expect(msgs.slice(11).every((m) => m.note.pair === 9)).toBe(true)
    const bind = msgs[4].described.fields
    expect(fieldValue(bind, '$1 (int4)')).toBe('42')
    expect(fieldValue(bind, '$2 (text)')).toBe('hello')
    expect(fieldValue(msgs[7].described.fields, '$1 (int4)')).toBe('0x 00 00 00 07')
    expect(fieldValue(msgs[3].described.fields, '$2')).toBe('text (25)')
  })

  it('reads the SSLRequest and its one-byte answer, then TLS records or a clear startup', () => {
    const tls = describeAll([
      C(untyped(i32(80877103))),
      S(byte('S')),
      C(Buffer.concat([Buffer.from([22, 3, 1, 0, 4]), Buffer.from([1, 0, 0, 0])])),
      S(Buffer.concat([Buffer.from([22, 3, 3, 0, 2]), Buffer.from([2, 0]), Buffer.from([23, 3, 3, 0, 1, 9])]))
    ])
    expect(tls.map((m) => m.described.summary)).toEqual(['SSLRequest: the client asks for TLS', "'S': encryption accepted, TLS follows", 'TLS record: ClientHello (9 bytes, encrypted from here on)', 'TLS record: ServerHello (7 bytes, encrypted from here on)', 'TLS record: application_data (6 bytes, encrypted from here on)'])
    expect(tls[1].note.pair).toBe(0)
    const refused = describeAll([C(untyped(i32(80877103))), S(byte('N')), C(startup({ user: 'u' })), S(Buffer.concat([authOk(), ready()])), C(untyped(i32(80877104)))])
    expect(refused.map((m) => m.described.summary)).toEqual(["SSLRequest: the client asks for TLS", "'N': encryption refused, the conversation goes on in clear", 'StartupMessage user=u', 'AuthenticationOk', 'ReadyForQuery idle', 'GSSENCRequest: the client asks for GSSAPI encryption'])
    const cancel = describeAll([C(untyped(i32(80877102), i32(4242), i32(99)))])
    expect(cancel[0].described.summary).toBe('CancelRequest for process 4242')
  })

  it('reads COPY, notices, notifications, parameter descriptions, function calls and protocol negotiation', () => {
    const msgs = describeAll([
      C(startup({ user: 'u' })),
      S(Buffer.concat([typed('v', i32(0), i32(1), cstr('_pq_.x')), authOk(), ready()])),
      C(query('COPY t FROM STDIN')),
      S(typed('G', Buffer.from([0]), i16(2), i16(0), i16(0))),
      C(Buffer.concat([typed('d', Buffer.from('1\ta\n')), typed('c')])),
      S(Buffer.concat([commandComplete('COPY 1'), ready()])),
      C(query('COPY t TO STDOUT')),
      S(Buffer.concat([typed('H', Buffer.from([0]), i16(1), i16(0)), typed('d', Buffer.from('1\n')), typed('c'), commandComplete('COPY 1'), ready()])),
      C(query('COPY t FROM STDIN')),
      S(typed('G', Buffer.from([1]), i16(0))),
      C(typed('f', cstr('gave up'))),
      S(Buffer.concat([errorResponse({ S: 'ERROR', C: '57014', M: 'COPY from stdin failed: gave up' }), ready()])),
      C(Buffer.concat([typed('P', cstr(''), cstr('select $1'), i16(0)), typed('D', byte('S'), cstr('')), typed('S')])),
      S(Buffer.concat([typed('1'), typed('t', i16(1), i32(25)), rowDescription([['?column?', 25]]), ready()])),
      C(typed('F', i32(1598), i16(0), i16(1), i32(2), Buffer.from('10'), i16(0))),
      S(Buffer.concat([typed('V', i32(3), Buffer.from('0.5')), ready()])),
      S(Buffer.concat([typed('N', byte('S'), cstr('NOTICE'), byte('C'), cstr('00000'), byte('M'), cstr('hi'), byte('\0')), typed('A', i32(7), cstr('chan'), cstr('payload')), typed('I'), typed('s')]))
    ])
    const s = msgs.map((m) => m.described.summary)
    expect(s).toContain('NegotiateProtocolVersion 3.0, 1 options unrecognised')
    expect(s).toContain('CopyInResponse text, 2 columns')
    expect(s).toContain('CopyData 1\\ta\\n')
    expect(s).toContain('CopyDone')
    expect(s).toContain('CopyOutResponse text, 1 columns')
    expect(s).toContain('CopyFail "gave up"')
    expect(s).toContain('ParameterDescription text')
    expect(s).toContain('FunctionCall 1598 $1=10')
    expect(s).toContain('FunctionCallResponse 0.5')
    expect(s).toContain('NoticeResponse NOTICE 00000 hi')
    expect(s).toContain('NotificationResponse chan: payload (process 7)')
    expect(s).toContain('EmptyQueryResponse')
    expect(s).toContain('PortalSuspended')
    expect(msgs.every((m) => m.described.error === undefined)).toBe(true)
  })

  it('recognises a PostgreSQL client from its first eight bytes', () => {
    const rec = (b: Uint8Array, server = new Uint8Array(0)) => recognisePostgres(b, server)
    expect(rec(startup({ user: 'u' }))).toBe(true)
    expect(rec(untyped(i32(80877103)))).toBe(true)
    expect(rec(untyped(i32(80877104)))).toBe(true)
    expect(rec(untyped(i32(80877102), i32(1), i32(2)))).toBe(true)
    expect(rec(startup({ user: 'u' }).subarray(0, 6))).toBeUndefined()
    expect(rec(new Uint8Array(0))).toBeUndefined()
    expect(rec(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(false)
    expect(rec(untyped(i32(12345)))).toBe(false)
    expect(rec(new Uint8Array(0), Buffer.from('+OK'))).toBe(false)
    expect(recogniseMessages(startup({ user: 'u' }), new Uint8Array(0), 9999)).toBe('postgres')
    expect(recogniseMessages(new Uint8Array(0), new Uint8Array(0), 5432)).toBe('postgres')
  })
})

describe('PostgreSQL v3: hostile bytes are errors in a sentence, never a throw or a wait', () => {
  it('refuses an absurd or too-short length without waiting for it', () => {
    const huge = describeAll([C(startup({ user: 'u' })), C(Buffer.concat([byte('Q'), i32(0x7fffffff), Buffer.from('x')]))], { end: false })
    expect(huge).toHaveLength(1)
    const ended = describeAll([C(startup({ user: 'u' })), C(Buffer.concat([byte('Q'), i32(0x7fffffff), Buffer.from('x')]))])
    expect(ended[1].error).toMatch(/declares 2147483647 bytes, over the 16777216-byte limit/)
    const small = describeAll([C(startup({ user: 'u' })), C(Buffer.concat([byte('Q'), i32(2)]))])
    expect(small[1].error).toMatch(/length of 2, less than its own 4 bytes/)
    const badStart = describeAll([C(Buffer.concat([i32(4), i32(196608)]))])
    expect(badStart[0].error).toMatch(/startup message declares a length of 4/)
  })

  it('says a truncated message ended inside, an unknown type is no message, and a length inside one runs past its end', () => {
    const truncated = describeAll([C(startup({ user: 'u' })), C(query('select 1').subarray(0, 8))])
    expect(truncated[1].incomplete).toBe(true)
    expect(truncated[1].described.error).toMatch(/ended inside this Query/)
    const unknown = describeAll([C(startup({ user: 'u' })), C(typed('z', Buffer.from('abc'))), C(query('select 1'))])
    expect(unknown.map((m) => m.error)).toEqual([undefined, "'z' (0x7a) is no PostgreSQL client message type", undefined])
    expect(unknown[2].described.summary).toBe('Query: select 1')
    const past = describeAll([C(startup({ user: 'u' })), S(rowDescription([['a', 23]])), S(typed('D', i16(1), i32(1000), Buffer.from('12')))])
    expect(past[2].described.error).toMatch(/value 1 at byte 11 runs past the message's end/)
    const noNul = describeAll([C(startup({ user: 'u' })), C(typed('Q', Buffer.from('select 1')))])
    expect(noNul[1].described.error).toMatch(/query at byte 5 has no NUL before the message's end/)
    const trailing = describeAll([C(startup({ user: 'u' })), C(typed('S', Buffer.from('xx')))])
    expect(trailing[1].described.error).toBe('2 bytes follow the last field of this Sync')
  })

  it('says a DataRow holds more values than its RowDescription named columns', () => {
    const msgs = describeAll([C(startup({ user: 'u' })), S(rowDescription([['a', 23]])), S(dataRow(['1', '2', '3']))])
    expect(msgs[2].described.summary).toBe('DataRow a=1 column 2=2 column 3=3')
    expect(msgs[2].described.error).toBe('this DataRow holds 3 values, but the RowDescription before it named 1 columns')
  })

  it('bounds a DataRow of many columns to the field limit', () => {
    const values = Array.from({ length: 5000 }, (_, i) => String(i))
    const msgs = describeAll([C(startup({ user: 'u' })), S(dataRow(values))])
    expect(msgs[1].described.fieldsCut).toBe(true)
    expect(msgs[1].described.fields.length).toBeLessThanOrEqual(2000)
  })

  it('survives 2000 random mutations of a real conversation: no throw, every byte in a message', () => {
    const base = simpleConversation.map((t) => ({ dir: t.dir, bytes: new Uint8Array(t.bytes as Uint8Array) }))
    let seed = 12345
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
        else t.bytes = new Uint8Array(Buffer.concat([t.bytes.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0x7f]), t.bytes.subarray(at)]))
      }
      const msgs = describeAll(turns, { split: 'random', seed: i })
      for (const m of msgs) expect(typeof m.described.summary).toBe('string')
    }
  })
})
