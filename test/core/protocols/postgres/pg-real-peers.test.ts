// PostgreSQL's codec on real peers' bytes: psql and pgbench talk to a throwaway server
// through a recording relay, and every recorded connection is cut and described.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresCodec } from '../../../../src/core/protocols/postgres/pg-codec'
import { hasPostgres, startPostgres, type Postgres } from '../../../helpers/postgres-server'
import { startRecordingRelay, type RecordedConnection, type RecordingRelay } from '../../../helpers/recording-relay'
import { needProgram } from '../../../helpers/peers'
import { cut, type Turn } from '../messages/cut'
import { runClient as run } from '../../../helpers/run-client'

/** A recorded connection's messages, described, checking they cover every byte of both streams. */
function messagesOf(conn: RecordedConnection) {
  const turns: Turn[] = []
  const streams = { client: [] as Buffer[], server: [] as Buffer[] }
  for (const p of conn.pieces)
    if ('bytes' in p) {
      turns.push({ dir: p.dir, bytes: p.bytes })
      streams[p.dir].push(Buffer.from(p.bytes))
    }
  const whole = { client: Buffer.concat(streams.client), server: Buffer.concat(streams.server) }
  const msgs = cut(postgresCodec, turns)
  for (const dir of ['client', 'server'] as const) expect(msgs.filter((m) => m.dir === dir).reduce((n, m) => n + m.length, 0)).toBe(whole[dir].length)
  return msgs.map((m, index) => {
    const bytes = new Uint8Array(whole[m.dir].subarray(m.offset, m.offset + m.length))
    return { ...m, index, ...postgresCodec.describe(m.dir, bytes, m.note, m.length, !m.incomplete) }
  })
}

describe('PostgreSQL v3 on real peers (psql, pgbench) through a recording relay', () => {
  let pg: Postgres | undefined
  let relay: RecordingRelay | undefined
  const psql = (sql: string, sslmode = 'disable') => run('psql', ['-h', '127.0.0.1', '-p', String(relay!.port), '-U', 'postgres', '-d', 'postgres', '-X', '-c', sql], { PGSSLMODE: sslmode })

  beforeAll(async () => {
    if (!hasPostgres()) return
    pg = await startPostgres({ ssl: true })
    relay = await startRecordingRelay(pg.port)
  })
  afterAll(async () => {
    await relay?.close()
    await pg?.stop()
  })

  it('reads psql in the clear: startup, a query with its rows, and an error with its SQLSTATE', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (initdb, postgres, psql)', hasPostgres())
    const before = relay!.connections.length
    const ok = await psql('select 1 as one, $$x$$ as name')
    expect(ok.code, ok.err).toBe(0)
    const bad = await psql('select * from nope')
    expect(bad.code).not.toBe(0)
    const [first, second] = (await relay!.settled(before + 2)).slice(before)
    const a = messagesOf(first)
    const s = a.map((m) => m.summary)
    expect(a.every((m) => m.error === undefined), JSON.stringify(a.filter((m) => m.error))).toBe(true)
    expect(s[0]).toMatch(/^StartupMessage user=postgres database=postgres/)
    expect(s).toContain('AuthenticationOk')
    expect(s.some((x) => /^ParameterStatus server_version="?15\./.test(x))).toBe(true)
    const q = s.indexOf('Query: select 1 as one, $$x$$ as name')
    expect(q).toBeGreaterThan(0)
    expect(s.slice(q + 1, q + 5)).toEqual(['RowDescription one int4, name text', 'DataRow one=1 name="x"', 'CommandComplete SELECT 1', 'ReadyForQuery idle'])
    expect(a.slice(q + 1, q + 5).map((m) => m.note.pair)).toEqual([q, q, q, q])
    expect(s[s.length - 1]).toBe('Terminate')
    const b = messagesOf(second).map((m) => m.summary)
    expect(b).toContain('ErrorResponse ERROR 42P01 relation "nope" does not exist')
  })

  it('reads psql with sslmode=require: the SSLRequest, the server\'s \'S\', then TLS records cut whole on both sides', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (initdb, postgres, psql)', hasPostgres())
    const before = relay!.connections.length
    const ok = await psql('select 1', 'require')
    expect(ok.code, ok.err).toBe(0)
    const [conn] = (await relay!.settled(before + 1)).slice(before)
    const msgs = messagesOf(conn)
    expect(msgs.every((m) => m.error === undefined), JSON.stringify(msgs.filter((m) => m.error))).toBe(true)
    expect(msgs[0].summary).toBe('SSLRequest: the client asks for TLS')
    expect(msgs[1].summary).toBe("'S': encryption accepted, TLS follows")
    expect(msgs[1].note.pair).toBe(0)
    expect(msgs[2].summary).toMatch(/^TLS record: ClientHello \(\d+ bytes, encrypted from here on\)$/)
    expect(msgs.find((m) => m.dir === 'server' && m.index > 1)!.summary).toMatch(/^TLS record: ServerHello/)
    expect(msgs.slice(2).every((m) => m.summary.startsWith('TLS record: '))).toBe(true)
  })

  it('reads pgbench: its COPY of the initial data, then the extended protocol with parameter values', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (initdb, postgres, psql, pgbench)', hasPostgres())
    const env = { PGHOST: '127.0.0.1', PGPORT: String(relay!.port), PGUSER: 'postgres', PGSSLMODE: 'disable' }
    let before = relay!.connections.length
    const init = await run('pgbench', ['-i', '-s', '1', 'postgres'], env)
    expect(init.code, init.err).toBe(0)
    await relay!.settled(relay!.connections.length)
    const initMsgs = relay!.connections.slice(before).flatMap(messagesOf)
    expect(initMsgs.every((m) => m.error === undefined), JSON.stringify(initMsgs.filter((m) => m.error).slice(0, 3))).toBe(true)
    expect(initMsgs.some((m) => /^CopyInResponse/.test(m.summary))).toBe(true)
    expect(initMsgs.filter((m) => m.note.command === 'CopyData').length).toBeGreaterThan(0)
    expect(initMsgs.some((m) => m.summary === 'CommandComplete COPY 100000')).toBe(true)

    before = relay!.connections.length
    const bench = await run('pgbench', ['-t', '20', '-M', 'extended', 'postgres'], env)
    expect(bench.code, bench.err).toBe(0)
    await relay!.settled(relay!.connections.length)
    const conns = relay!.connections.slice(before).map(messagesOf)
    const msgs = conns.flat()
    expect(msgs.every((m) => m.error === undefined), JSON.stringify(msgs.filter((m) => m.error).slice(0, 3))).toBe(true)
    const parses = msgs.filter((m) => m.note.command === 'Parse')
    const binds = msgs.filter((m) => m.note.command === 'Bind')
    expect(parses.length).toBeGreaterThanOrEqual(20 * 5)
    expect(parses.some((m) => /^Parse: UPDATE pgbench_accounts SET abalance = abalance \+ \$1 WHERE aid = \$2;?$/.test(m.summary))).toBe(true)
    expect(binds.length).toBe(parses.length)
    expect(binds.every((m) => /^Bind( \$\d+=-?\d+)+$/.test(m.summary) || m.summary === 'Bind'), binds.map((m) => m.summary).slice(0, 5).join('\n')).toBe(true)
    expect(msgs.filter((m) => m.summary === 'CommandComplete UPDATE 1').length).toBe(20 * 3)
    // Each Sync began a cycle its ReadyForQuery ends.
    for (const c of conns) {
      const syncs = c.filter((m) => m.note.command === 'Sync').map((m) => m.index)
      const ended = new Set(c.filter((m) => m.note.command === 'ReadyForQuery').map((m) => m.note.pair))
      expect(syncs.every((i) => ended.has(i))).toBe(true)
    }
    expect(msgs.some((m) => /^DataRow abalance=-?\d+$/.test(m.summary))).toBe(true)
  })
})
