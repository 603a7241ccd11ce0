// Traffic rules on PostgreSQL through the proxy, with a throwaway server and psql: a query's
// text is rewritten (its message length refit), and psql prints what the rewritten query
// returns; another query passes as it came.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import { hasPostgres, startPostgres, type Postgres } from '../../../helpers/postgres-server'
import { needProgram } from '../../../helpers/peers'
import { runClient } from '../../../helpers/run-client'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { eventsOf } from '../../../helpers/sessions'

describe('traffic rules on PostgreSQL', () => {
  let pg: Postgres | undefined
  let t: TestEngine | undefined
  let port = 0

  beforeAll(async () => {
    if (!hasPostgres()) return
    pg = await startPostgres()
    t = await testEngine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${pg.port}` })
    port = portOf(proxy.listen)
    await t.engine['rules.set']({
      proxyId: proxy.id,
      rules: [{ name: 'two, not one', match: { message: { protocol: 'postgres', fields: { query: { prefix: 'SELECT 1' } } } }, steps: [{ rewrite: { bytes: [{ find: 'SELECT 1', with: 'SELECT 2' }] } }] }]
    })
  })
  afterAll(async () => {
    await t?.dispose()
    await pg?.stop()
  })

  // sslmode prefer: psql asks for TLS first, the server says no, and the startup goes on in clear.
  const psql = (sql: string) => runClient('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-tA', '-c', sql], { PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '10' })

  it('rewrites a query psql sends, and psql prints what the rewritten one returns', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (initdb, postgres, psql)', hasPostgres())
    const rewritten = await psql('SELECT 1 AS answer')
    expect(rewritten.code, rewritten.err).toBe(0)
    expect(rewritten.out.trim()).toBe('2')
    const other = await psql('SELECT 3')
    expect(other.out.trim()).toBe('3')
    const records: CaptureEvent[] = []
    for (const c of t!.engine.capture.connections()) records.push(...(await eventsOf(t!.engine, c.id)).filter((e) => e.kind === 'rule'))
    expect(records).toHaveLength(1)
    const delivered = Buffer.from(String(records[0].info?.delivered), 'base64')
    expect(records[0].info).toMatchObject({ action: 'rewrite', label: 'two, not one', summary: 'Query: SELECT 1 AS answer' })
    expect(delivered.subarray(5).toString()).toBe('SELECT 2 AS answer\0')
    expect(delivered.readUInt32BE(1)).toBe(delivered.length - 1)
  })
})
