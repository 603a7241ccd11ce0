// PostgreSQL's SSLRequest through a proxy, with a real server and psql: with --tls-listen
// --tls-upstream tcpscope answers the switch, performs the server's, and records the
// cleartext before (the SSLRequest) and after (the query) it, the switch marked on both
// legs' `tls` records; sslmode=disable goes on in the clear; without --tls-listen the TLS
// passes through untouched, recorded as TLS after STARTTLS with its SNI; a server without
// SSL makes psql fail with its own message; a GSSENCRequest is refused with N.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { TlsEventInfo } from '../../../../src/shared/tls-types'
import { allEvents } from '../../../helpers/capture-checks'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { connectTo, tempDir, waitFor } from '../../../helpers/net'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { hasPostgres, startPostgres, type Postgres } from '../../../helpers/postgres-server'

const run = promisify(execFile)
const tmp = tempDir()
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
const available = hasPostgres() && hasProgram('openssl')
let withSsl: Postgres | undefined
let t: TestEngine

beforeAll(async () => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (available) withSsl = await startPostgres({ ssl: true })
}, 60_000)
afterAll(async () => {
  await withSsl?.stop()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})
afterEach(async () => t?.dispose())

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
const GSSENC_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30])

async function proxyTo(port: number, tls: boolean): Promise<number> {
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, ...(tls ? { tlsListen: {}, tlsUpstream: { verify: false } } : {}) })
  return portOf(proxy.listen)
}

function psql(conninfo: string, sql = 'select 1'): Promise<{ stdout: string; stderr: string }> {
  return run('psql', [`${conninfo} user=postgres dbname=postgres connect_timeout=10`, '-Atc', sql], { timeout: 20_000 })
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

describe('PostgreSQL SSLRequest through a proxy', () => {
  it('--tls-listen --tls-upstream: psql sslmode=require runs its query; the capture holds the SSLRequest, then the query in the clear, the switch marked', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (postgresql) and openssl', available)
    t = await testEngine()
    const port = await proxyTo(withSsl!.port, true)
    const out = await psql(`host=127.0.0.1 port=${port} sslmode=require`, "select 'through' || ' tcpscope'")
    expect(out.stdout.trim()).toBe('through tcpscope')
    const c = await closedConn()
    const client = await recorded(c, 'client')
    const server = await recorded(c, 'server')
    expect(client.subarray(0, 8).equals(SSL_REQUEST)).toBe(true)
    expect(server.subarray(0, 1).toString()).toBe('S')
    // After the switch, the same streams go on with the decrypted bytes: the startup and the query.
    expect(client.indexOf("select 'through' || ' tcpscope'")).toBeGreaterThan(8)
    expect(client.indexOf('user\0postgres')).toBeGreaterThan(8)
    expect(server.indexOf('through tcpscope')).toBeGreaterThan(1)
    const legs = await tlsRecords(c)
    expect(legs.find((l) => l.side === 'server')).toMatchObject({ ok: true, starttls: 'postgres' })
    expect(legs.find((l) => l.side === 'client')).toMatchObject({ ok: true, starttls: 'postgres' })
    expect(c.tls).toMatchObject({ starttls: 'postgres' })
    // The switch sits between the cleartext before it and after it.
    const events = await allEvents(t.engine.capture, c.id)
    const switchAt = events.findIndex((e) => e.kind === 'tls' && (e.info as { side?: string }).side === 'client')
    expect(events.slice(0, switchAt).some((e) => e.kind === 'data' && e.dir === 'client' && e.offset === 0 && e.length === 8)).toBe(true)
    expect(events.slice(switchAt).some((e) => e.kind === 'data' && e.dir === 'client' && (e.offset ?? 0) >= 8)).toBe(true)
  }, 30_000)

  it('--tls-listen: psql sslmode=verify-full trusts tcpscope\'s leaf for the name it asked for, with the exported CA', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (postgresql) and openssl', available)
    t = await testEngine()
    const caPath = join(tmp.dir, 'tcpscope-ca.pem')
    writeFileSync(caPath, (await t.engine.ca()).info().pem)
    const port = await proxyTo(withSsl!.port, true)
    expect((await psql(`host=localhost hostaddr=127.0.0.1 port=${port} sslmode=verify-full sslrootcert=${caPath}`)).stdout.trim()).toBe('1')
    const c = await closedConn()
    expect(c.tls).toMatchObject({ starttls: 'postgres', client: { sni: 'localhost' }, server: { sni: 'localhost' } })
  }, 30_000)

  it('--tls-listen: psql sslmode=disable goes on in the clear', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (postgresql) and openssl', available)
    t = await testEngine()
    const port = await proxyTo(withSsl!.port, true)
    expect((await psql(`host=127.0.0.1 port=${port} sslmode=disable`)).stdout.trim()).toBe('1')
    const c = await closedConn()
    expect((await recorded(c, 'client')).indexOf('select 1')).toBeGreaterThan(0)
    expect(c.tls).toBeUndefined()
  }, 30_000)

  it('without --tls-listen: TLS passes through untouched, recorded as TLS after STARTTLS with its SNI', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (postgresql) and openssl', available)
    t = await testEngine()
    const port = await proxyTo(withSsl!.port, false)
    // host= names the SNI (libpq sends none for an IP), hostaddr= where it connects.
    expect((await psql(`host=localhost hostaddr=127.0.0.1 port=${port} sslmode=require`)).stdout.trim()).toBe('1')
    const c = await closedConn()
    expect(c.tls).toMatchObject({ passthrough: { sni: 'localhost' }, starttls: 'postgres', sni: 'localhost' })
    const client = await recorded(c, 'client')
    expect(client.subarray(0, 8).equals(SSL_REQUEST)).toBe(true)
    expect(client.indexOf('select 1')).toBe(-1)
  }, 30_000)

  it('a server without SSL answers N: psql is told the same and fails with its own message; the capture says why', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (postgresql) and openssl', available)
    const plain = await startPostgres()
    try {
      t = await testEngine()
      const port = await proxyTo(plain.port, true)
      const failed = await psql(`host=127.0.0.1 port=${port} sslmode=require`).catch((err: { stderr: string }) => err)
      expect(failed.stderr).toMatch(/server does not support SSL, but SSL was required/)
      const c = await closedConn()
      expect(c.tls?.failure).toMatchObject({ side: 'server', code: 'ESTARTTLS' })
      expect(c.tls?.failure?.message).toMatch(/answered N to the SSLRequest/)
      expect((await recorded(c, 'server')).toString()).toBe('N')
      // sslmode=prefer goes on in the clear after the N.
      expect((await psql(`host=127.0.0.1 port=${port} sslmode=prefer`)).stdout.trim()).toBe('1')
    } finally {
      await plain.stop()
    }
  }, 60_000)

  it('--tls-listen: a GSSENCRequest is answered N by tcpscope, and the SSLRequest that follows reaches the server', async (ctx) => {
    needProgram(ctx, 'PostgreSQL (postgresql) and openssl', available)
    t = await testEngine()
    const port = await proxyTo(withSsl!.port, true)
    const s = await connectTo(port)
    const answers: Buffer[] = []
    s.on('data', (d: Buffer) => answers.push(d))
    s.write(GSSENC_REQUEST)
    await waitFor(() => answers.length === 1, "tcpscope's answer")
    expect(Buffer.concat(answers).toString()).toBe('N')
    s.write(SSL_REQUEST)
    await waitFor(() => Buffer.concat(answers).length === 2, "the server's answer")
    expect(Buffer.concat(answers).toString()).toBe('NS')
    // Garbage where the TLS hello belongs: closed cleanly, with the reason recorded.
    s.write('not a TLS hello\r\n')
    await waitFor(() => s.readableEnded || s.destroyed || undefined, 'the close')
    s.destroy()
    const c = await closedConn()
    const events = await allEvents(t.engine.capture, c.id)
    expect(events.find((e) => e.kind === 'action')?.info).toMatchObject({ action: 'inject' })
    expect(c.tls?.failure).toMatchObject({ side: 'client', code: 'ENOTTLS' })
  }, 30_000)
})
