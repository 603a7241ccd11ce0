// MySQL's SSL switch through a proxy, with a real MariaDB server and the mariadb client: with
// --tls-listen --tls-upstream the query runs over TLS on both legs and the capture holds the
// server's handshake and the client's SSL request before the switch, the login and the query
// in the clear after it; without --tls-listen the TLS passes through, recorded as TLS after
// STARTTLS (mysql); --skip-ssl goes on in the clear.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { TlsEventInfo } from '../../../../src/shared/tls-types'
import { allEvents } from '../../../helpers/capture-checks'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { tempDir, waitFor } from '../../../helpers/net'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { hasMysql, startMysql, type MysqlServer } from '../../../helpers/mysql-server'

const run = promisify(execFile)
const tmp = tempDir()
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
const available = hasMysql() && hasProgram('openssl')
let db: MysqlServer | undefined
let t: TestEngine

beforeAll(async () => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (available) db = await startMysql({ ssl: true })
}, 60_000)
afterAll(async () => {
  await db?.stop()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})
afterEach(async () => t?.dispose())

async function proxyTo(port: number, tls: boolean): Promise<number> {
  t = await testEngine()
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, ...(tls ? { tlsListen: {}, tlsUpstream: { verify: false } } : {}) })
  return portOf(proxy.listen)
}

function mariadb(port: number, ssl: string[], sql: string, host = '127.0.0.1'): Promise<{ stdout: string }> {
  return run('mariadb', ['--no-defaults', '--protocol=tcp', '-h', host, '-P', String(port), '-u', 'root', '--connect-timeout=10', ...ssl, '-N', '-e', sql], { timeout: 20_000 })
}

async function closedConn(): Promise<ConnectionSummary> {
  return waitFor(() => {
    const c = t.engine.capture.connections()[0]
    return c !== undefined && c.end !== 'open' ? c : undefined
  }, 'the connection to close')
}

async function recorded(c: ConnectionSummary, dir: 'client' | 'server'): Promise<Buffer> {
  return Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: c.id, dir, offset: 0, length: c.bytes[dir] }))
}

const tlsRecords = async (c: ConnectionSummary): Promise<TlsEventInfo[]> => (await allEvents(t.engine.capture, c.id)).filter((e) => e.kind === 'tls').map((e) => e.info as unknown as TlsEventInfo)

describe('MySQL SSL switch through a proxy', () => {
  it('--tls-listen --tls-upstream: mariadb --ssl runs its query over TLS on both legs; the capture holds the handshake, then the query in the clear', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadb-server, mariadb-client) and openssl', available)
    const port = await proxyTo(db!.port, true)
    const out = await mariadb(port, ['--ssl', '--ssl-verify-server-cert=0'], "select concat('through', ' tcpscope'); show status like 'Ssl_version'")
    expect(out.stdout).toMatch(/^through tcpscope\nSsl_version\tTLSv1\.[23]\n$/)
    const c = await closedConn()
    const client = await recorded(c, 'client')
    const server = await recorded(c, 'server')
    // The server's initial handshake (protocol 10), then the client's 32-byte SSL request, sequence 1.
    expect(server[3]).toBe(0)
    expect(server[4]).toBe(10)
    expect([client.readUIntLE(0, 3), client[3]]).toEqual([32, 1])
    expect(client.indexOf("select concat('through', ' tcpscope')")).toBeGreaterThan(36)
    expect(client.indexOf('root')).toBeGreaterThan(36)
    expect(server.indexOf('through tcpscope')).toBeGreaterThan(0)
    const legs = await tlsRecords(c)
    expect(legs.map((l) => [l.side, l.ok, (l as { starttls?: string }).starttls])).toEqual([
      ['server', true, 'mysql'],
      ['client', true, 'mysql']
    ])
    expect(c.tls).toMatchObject({ starttls: 'mysql' })
  }, 30_000)

  it('without --tls-listen: the TLS passes through untouched, recorded as TLS after STARTTLS (mysql)', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadb-server, mariadb-client) and openssl', available)
    const port = await proxyTo(db!.port, false)
    expect((await mariadb(port, ['--ssl', '--ssl-verify-server-cert=0'], 'select 1')).stdout).toBe('1\n')
    const c = await closedConn()
    expect(c.tls).toMatchObject({ passthrough: {}, starttls: 'mysql' })
    expect((await recorded(c, 'client')).indexOf('select 1')).toBe(-1)
  }, 30_000)

  it('--tls-listen: a client with --skip-ssl goes on in the clear', async (ctx) => {
    needProgram(ctx, 'MariaDB (mariadb-server, mariadb-client) and openssl', available)
    const port = await proxyTo(db!.port, true)
    expect((await mariadb(port, ['--skip-ssl'], 'select 2')).stdout).toBe('2\n')
    const c = await closedConn()
    expect((await recorded(c, 'client')).indexOf('select 2')).toBeGreaterThan(0)
    expect(c.tls).toBeUndefined()
  }, 30_000)
})
