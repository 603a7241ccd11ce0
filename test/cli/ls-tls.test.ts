// `tcpscope ls` shows a connection's TLS and how a forward proxy's tunnel was asked for: the
// JSON rows carry `tls` and `via` as the engine has them, the table shows [TLS NAME] and
// "via ..." beside the target. The capture is recorded through a real LiveCapture.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { runCli } from '../helpers/cli'

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-ls-tls-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const chain = [{ subject: 'CN=upstream.test', issuer: 'CN=tcpscope test CA', validFrom: '2025-01-01T00:00:00.000Z', validTo: '2026-01-01T00:00:00.000Z', sha256: 'AA:BB' }]

describe('ls and TLS', () => {
  it('lists TLS facts and tunnels, as JSON and in the table', async () => {
    const path = join(dir, 'tls.tcap')
    const capture = await LiveCapture.create(path)
    const both = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 40001, family: 'IPv4' }, target: '127.0.0.1:8443' })
    both.event('tls', 'client', { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'api.test', alpn: 'http/1.1' })
    both.event('tls', 'server', { ok: true, side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'api.test', chain })
    both.close('closed')
    const tunnel = capture.openConnection({ kind: 'proxy', ownerId: 'p2', client: { address: '127.0.0.1', port: 40002, family: 'IPv4' }, target: 'localhost:8443', via: 'CONNECT' })
    tunnel.event('tls', 'client', { ok: true, passthrough: true, side: 'client', sni: 'localhost' })
    tunnel.close('closed')
    capture.openConnection({ kind: 'proxy', ownerId: 'p2', target: 'example.net:80', via: 'HTTP' }).close('closed')
    capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:6379' }).close('closed')
    await capture.close()

    const json = await runCli(['ls', path, '--json'])
    expect(json.code).toBe(0)
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rows[0]).toMatchObject({
      id: 1,
      tls: {
        client: { side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'api.test', alpn: 'http/1.1' },
        server: { side: 'server', sni: 'api.test', chain },
        sni: 'api.test',
        alpn: 'http/1.1'
      }
    })
    expect(rows[0].via).toBeUndefined()
    expect(rows[1]).toMatchObject({ via: 'CONNECT', target: 'localhost:8443', tls: { passthrough: { sni: 'localhost' }, sni: 'localhost' } })
    expect(rows[2]).toMatchObject({ via: 'HTTP' })
    expect(rows[3].tls).toBeUndefined()

    const table = await runCli(['ls', path])
    expect(table.code).toBe(0)
    const lines = table.stdout.trim().split('\n')
    expect(lines[1]).toMatch(/^1 +proxy +127\.0\.0\.1:40001 +127\.0\.0\.1:8443 \[TLS api\.test\] +\d{4}-/)
    expect(lines[2]).toContain('localhost:8443 [TLS localhost] via CONNECT')
    expect(lines[3]).toContain('example.net:80 via HTTP')
    expect(lines[4]).toMatch(/127\.0\.0\.1:6379 +\d{4}-/)
  })

  it('says "TLS after STARTTLS (protocol)" for TLS that began midway, terminated or passed through, from a closed file', async () => {
    const path = join(dir, 'starttls.tcap')
    const capture = await LiveCapture.create(path)
    const smtp = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:25' })
    smtp.event('tls', 'server', { ok: true, side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'mail.test', starttls: 'smtp' })
    smtp.event('tls', 'client', { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'mail.test', starttls: 'smtp' })
    smtp.close('closed')
    const pg = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:5432' })
    pg.event('tls', 'client', { ok: true, passthrough: true, side: 'client', starttls: 'postgres' })
    pg.close('closed')
    // A protocol no tcpscope records is dropped as any unknown field is.
    const odd = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:1' })
    odd.event('tls', 'client', { ok: true, passthrough: true, side: 'client', starttls: 'gopher' })
    odd.close('closed')
    await capture.close()

    const rows = (await runCli(['ls', path, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { tls?: Record<string, unknown> })
    expect(rows[0].tls).toMatchObject({ starttls: 'smtp', client: { starttls: 'smtp' }, server: { starttls: 'smtp' }, sni: 'mail.test' })
    expect(rows[1].tls).toMatchObject({ starttls: 'postgres', passthrough: {} })
    expect(rows[2].tls).toEqual({ passthrough: {} })
    const lines = (await runCli(['ls', path])).stdout.trim().split('\n')
    expect(lines[1]).toContain('127.0.0.1:25 [TLS after STARTTLS (smtp) mail.test]')
    expect(lines[2]).toContain('127.0.0.1:5432 [TLS after STARTTLS (postgres)]')
    expect(lines[3]).toContain('127.0.0.1:1 [TLS]')
  })
})
