// The MySQL codec on real peers' bytes: the mariadb client talks to a throwaway MariaDB
// through a recording relay, and every recorded connection is cut and described.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysqlCodec } from '../../../../src/core/protocols/mysql/mysql-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { hasMysql, startMysql, type MysqlServer } from '../../../helpers/mysql-server'
import { startRecordingRelay, type RecordedConnection, type RecordingRelay } from '../../../helpers/recording-relay'
import { needProgram } from '../../../helpers/peers'
import { cut, type Turn } from '../messages/cut'
import { runClient as run } from '../../../helpers/run-client'

/** A recorded connection's messages, described, checking they cover every byte of both streams. */
export function messagesOf(conn: RecordedConnection, opts: Parameters<typeof cut>[2] = {}) {
  const turns: Turn[] = []
  const streams = { client: [] as Buffer[], server: [] as Buffer[] }
  for (const p of conn.pieces)
    if ('bytes' in p) {
      turns.push({ dir: p.dir, bytes: p.bytes })
      streams[p.dir].push(Buffer.from(p.bytes))
    }
  const whole = { client: Buffer.concat(streams.client), server: Buffer.concat(streams.server) }
  const msgs = cut(mysqlCodec, turns, opts)
  for (const dir of ['client', 'server'] as const) expect(msgs.filter((m) => m.dir === dir).reduce((n, m) => n + m.length, 0)).toBe(whole[dir].length)
  return msgs.map((m, index) => {
    const bytes = new Uint8Array(whole[m.dir].subarray(m.offset, m.offset + m.length))
    return { ...m, index, ...mysqlCodec.describe(m.dir, bytes, m.note, m.length, !m.incomplete) }
  })
}

describe('MySQL protocol on a real MariaDB and its client, through a recording relay', () => {
  let db: MysqlServer | undefined
  let relay: RecordingRelay | undefined
  const mariadb = (sql: string, tls = false, ...more: string[]) => run('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(relay!.port), '-u', 'root', tls ? '--ssl' : '--skip-ssl', ...more, '-e', sql])

  beforeAll(async () => {
    if (!hasMysql()) return
    db = await startMysql({ ssl: true })
    relay = await startRecordingRelay(db.port)
  })
  afterAll(async () => {
    await relay?.close()
    await db?.stop()
  })

  it('reads the handshake, the HandshakeResponse, OK, a COM_QUERY with its column definitions, rows and end, and an ERR', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadbd, mariadb-install-db, mariadb)', hasMysql())
    const before = relay!.connections.length
    const ok = await mariadb("select 1 as one, 'x y' as name, null as nothing")
    expect(ok.code, ok.err).toBe(0)
    const bad = await mariadb('select * from mysql.nope')
    expect(bad.code).not.toBe(0)
    const [first, second] = (await relay!.settled(before + 2)).slice(before)
    const greeting = first.pieces.find((p) => p.dir === 'server' && 'bytes' in p)
    expect(greeting && 'bytes' in greeting && recogniseMessages(new Uint8Array(0), greeting.bytes, undefined)).toBe('mysql')
    const a = messagesOf(first)
    expect(a.every((m) => m.error === undefined), JSON.stringify(a.filter((m) => m.error))).toBe(true)
    expect(a.map((m) => m.summary)).toEqual([
      expect.stringMatching(/^Handshake v10 server 5\.5\.5-10\.\d+\.\d+-MariaDB\S* connection \d+ auth mysql_native_password$/),
      'HandshakeResponse41 user=root auth mysql_native_password (auth data hidden)',
      'OK affected_rows=0 last_insert_id=0 AUTOCOMMIT',
      "Query: select 1 as one, 'x y' as name, null as nothing",
      'Result set: 3 columns',
      'ColumnDefinition one LONG',
      'ColumnDefinition name VAR_STRING',
      'ColumnDefinition nothing NULL',
      'EOF AUTOCOMMIT',
      'Row one=1 name="x y" nothing=NULL',
      'EOF AUTOCOMMIT',
      'COM_QUIT'
    ])
    expect(a.map((m) => m.note.pair)).toEqual([undefined, 0, 1, undefined, 3, 3, 3, 3, 3, 3, 3, undefined])
    expect(a.map((m) => m.note.command)).toEqual(['Handshake', 'HandshakeResponse41', 'OK', 'COM_QUERY', 'ColumnCount', 'ColumnDefinition', 'ColumnDefinition', 'ColumnDefinition', 'EOF', 'Row', 'EOF', 'COM_QUIT'])
    const caps = a[0].fields.find((f) => f.name === 'capability flags')!
    expect(caps.children!.map((c) => c.name)).toEqual(expect.arrayContaining(['CLIENT_PROTOCOL_41', 'CLIENT_SECURE_CONNECTION', 'CLIENT_PLUGIN_AUTH']))
    expect(JSON.stringify(a[1].fields)).toContain('"auth response","value":"(0 bytes, hidden)"')
    const row = a[9].fields
    expect(row.find((f) => f.name === 'name')).toMatchObject({ value: 'x y' })
    const b = messagesOf(second).map((m) => m.summary)
    expect(b).toContain("ERR 1146 (42S02): Table 'mysql.nope' doesn't exist")
  })

  it('reads multiple result sets and an OK with affected rows, insert id and info', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadbd, mariadb-install-db, mariadb)', hasMysql())
    const before = relay!.connections.length
    const done = await mariadb("create database shop; create table shop.a (id int auto_increment primary key, v varchar(9)); insert into shop.a (v) values ('p'), ('q'); select id, v from shop.a order by id; create procedure shop.p() select count(*) as n from shop.a; call shop.p()")
    expect(done.code, done.err).toBe(0)
    const [conn] = (await relay!.settled(before + 1)).slice(before)
    const msgs = messagesOf(conn)
    expect(msgs.every((m) => m.error === undefined), JSON.stringify(msgs.filter((m) => m.error))).toBe(true)
    const s = msgs.map((m) => m.summary)
    expect(s).toContain('OK affected_rows=2 last_insert_id=1 AUTOCOMMIT "Records: 2  Duplicates: 0  Warnings: 0"')
    expect(s).toContain('Row id=1 v="p"')
    expect(s).toContain('Row id=2 v="q"')
    // A CALL's result set says more results follow: its closing OK pairs with the CALL too.
    const call = s.indexOf('Query: call shop.p()')
    expect(s.slice(call + 1, call + 7)).toEqual(['Result set: 1 columns', 'ColumnDefinition n LONGLONG', expect.stringMatching(/^EOF AUTOCOMMIT/), 'Row n=2', expect.stringMatching(/^EOF AUTOCOMMIT MORE_RESULTS_EXISTS/), expect.stringMatching(/^OK affected_rows=0 last_insert_id=0 AUTOCOMMIT/)])
    expect(s[call + 7]).toBe('COM_QUIT')
    // Every answer pairs with the command it answers.
    let last: number | undefined
    for (const m of msgs.slice(1)) {
      if (m.dir === 'client') last = m.index
      else expect(m.note.pair).toBe(last)
    }
    // The same messages whatever the segmentation.
    for (const split of ['random', 'bytes'] as const) expect(messagesOf(conn, { split, coalesce: true }).map((m) => m.summary)).toEqual(s)
  })

  it('marks the client\'s SSL request and cuts what follows as TLS records', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadbd, mariadb-install-db, mariadb)', hasMysql())
    const before = relay!.connections.length
    const done = await mariadb('select 1', true)
    expect(done.code, done.err).toBe(0)
    const [conn] = (await relay!.settled(before + 1)).slice(before)
    const msgs = messagesOf(conn)
    expect(msgs.every((m) => m.error === undefined), JSON.stringify(msgs.filter((m) => m.error))).toBe(true)
    expect(msgs[0].summary).toMatch(/^Handshake v10 /)
    expect(msgs[1].summary).toBe('SSLRequest: TLS begins, the rest of the connection is opaque')
    expect(msgs[2].summary).toMatch(/^TLS record: ClientHello/)
    expect(msgs.slice(2).every((m) => m.summary.startsWith('TLS record: '))).toBe(true)
  })

  it('cuts the compressed protocol (--compress) into compressed packets after the handshake', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadbd, mariadb-install-db, mariadb)', hasMysql())
    const before = relay!.connections.length
    const done = await mariadb('select 1', false, '--compress')
    expect(done.code, done.err).toBe(0)
    const [conn] = (await relay!.settled(before + 1)).slice(before)
    const msgs = messagesOf(conn)
    expect(msgs.every((m) => m.error === undefined), JSON.stringify(msgs.filter((m) => m.error))).toBe(true)
    expect(msgs.slice(0, 3).map((m) => m.note.command)).toEqual(['Handshake', 'HandshakeResponse41', 'OK'])
    expect(msgs.length).toBeGreaterThan(4)
    expect(msgs.slice(3).every((m) => /^compressed packet \(\d+ bytes, (\d+ uncompressed|sent uncompressed)\)$/.test(m.summary))).toBe(true)
  })
})
