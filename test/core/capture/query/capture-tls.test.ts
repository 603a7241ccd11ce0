// A connection's TLS facts and how a forward proxy's tunnel was asked for, as recorded
// through a real LiveCapture (`tls` records, the open record's `via`): folded into
// ConnectionSummary.tls / .via in the live index, kept the same in the index a closed file
// stores and in one rebuilt from a file's records, and picked by the list's filter words
// tls:, sni: and via:. Hostile payloads are dropped the same way on every path.
import { mkdtempSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { TlsEventInfo, Via } from '../../../../src/shared/tls-types'
import { withoutStoredIndex } from '../../../helpers/capture-file'

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-capture-tls-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const chain = [
  { subject: 'CN=upstream.test', issuer: 'CN=tcpscope test CA', validFrom: '2025-01-01T00:00:00.000Z', validTo: '2026-01-01T00:00:00.000Z', sha256: 'AA:BB', san: ['DNS:upstream.test', 'IP Address:127.0.0.1'] },
  { subject: 'CN=tcpscope test CA', issuer: 'CN=tcpscope test CA', validFrom: '2025-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', sha256: 'CC:DD' }
]
const clientLeg: TlsEventInfo = { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: 'api.test', alpn: 'http/1.1' }
const serverLeg: TlsEventInfo = { ok: true, side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'http/1.1', chain }
const unknownCa = { ok: false, side: 'client', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', alert: 'unknown_ca', message: "the client rejected tcpscope's certificate (alert unknown_ca): trust tcpscope's CA (`tcpscope ca --export`, then install it)" } satisfies TlsEventInfo

/** Seven connections: TLS terminated on both legs; a CONNECT tunnel passed through; plain; a SOCKS5 tunnel whose client refused the leaf; hostile payloads; many to one upstream; an absolute-form HTTP one. */
async function record(path: string): Promise<LiveCapture> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  const open = (port: number, target: string, via?: Via) =>
    capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port, family: 'IPv4' }, target, ...(via ? { via } : {}) })
  const both = open(40001, '127.0.0.1:8443')
  both.event('tls', 'client', { ...clientLeg })
  both.connected({ address: '127.0.0.1', port: 50001, family: 'IPv4' }, { address: '127.0.0.1', port: 8443, family: 'IPv4' })
  both.event('tls', 'server', { ...serverLeg })
  both.data('client', Buffer.from('GET / HTTP/1.1\r\nHost: api.test\r\n\r\n'))
  both.close('closed')
  const passed = open(40002, 'localhost:8443', 'CONNECT')
  passed.event('tls', 'client', { ok: true, passthrough: true, side: 'client', sni: 'pass.example', alpn: ['h2', 'http/1.1'] })
  passed.close('closed')
  open(40003, '127.0.0.1:6379').close('closed')
  const refused = open(40004, 'example.org:443', 'SOCKS5')
  refused.event('tls', 'client', { ...unknownCa })
  refused.close('error')
  const hostile = open(40005, '127.0.0.1:1')
  hostile.event('tls', 'client', { ok: true, version: ['x'], cipher: 'y' })
  hostile.event('tls', 'server', { ...clientLeg } as Record<string, unknown>)
  hostile.event('tls', 'client', { ok: 'maybe' })
  hostile.close('closed')
  // A via no tunnel has: as if from a file made by something else.
  capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: 'x:1', via: 'GOPHER' as Via }).close('closed')
  const http = open(40007, 'example.net:80', 'HTTP')
  http.close('closed')
  return capture
}

const ids = async (c: LiveCapture | FileCapture, filter: string): Promise<number[]> => (await c.page({ offset: 0, limit: 100, filter })).rows.map((r) => r.id)

async function expectFilters(c: LiveCapture | FileCapture): Promise<void> {
  expect(await ids(c, 'tls:yes')).toEqual([1, 2, 4])
  expect(await ids(c, 'tls:no')).toEqual([3, 5, 6, 7])
  expect(await ids(c, '-tls:yes')).toEqual([3, 5, 6, 7])
  expect(await ids(c, 'sni:API')).toEqual([1])
  // The name sent upstream counts too.
  expect(await ids(c, 'sni:upstream')).toEqual([1])
  expect(await ids(c, 'sni:pass.example')).toEqual([2])
  expect(await ids(c, 'sni:.test')).toEqual([1])
  expect(await ids(c, 'via:connect')).toEqual([2])
  expect(await ids(c, 'via:SOCKS5')).toEqual([4])
  expect(await ids(c, 'via:http')).toEqual([7])
  expect(await ids(c, 'via:socks5 tls:yes')).toEqual([4])
  await expect(c.page({ offset: 0, limit: 10, filter: 'tls:maybe' })).rejects.toThrow('filter tls:maybe: use tls:yes (the connection carried TLS) or tls:no')
  await expect(c.page({ offset: 0, limit: 10, filter: 'via:socks4' })).rejects.toThrow('filter via:socks4: use via:connect, via:socks5 or via:http')
  await expect(c.page({ offset: 0, limit: 10, filter: 'sni:' })).rejects.toThrow('filter sni: wants a server name')
}

function expectFacts(rows: ConnectionSummary[]): void {
  const [both, passed, plain, refused, hostile, oddVia, http] = rows
  expect(both.tls).toEqual({
    client: { side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: 'api.test', alpn: 'http/1.1' },
    server: { side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'http/1.1', chain },
    sni: 'api.test',
    alpn: 'http/1.1'
  })
  expect(both.via).toBeUndefined()
  expect(passed).toMatchObject({ via: 'CONNECT', target: 'localhost:8443', tls: { passthrough: { sni: 'pass.example', alpn: ['h2', 'http/1.1'] }, sni: 'pass.example' } })
  expect(plain.tls).toBeUndefined()
  expect(plain.via).toBeUndefined()
  expect(refused).toMatchObject({ via: 'SOCKS5', tls: { failure: { side: 'client', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', alert: 'unknown_ca', message: unknownCa.message } } })
  expect(hostile.tls).toBeUndefined()
  expect(oddVia.via).toBeUndefined()
  expect(http.via).toBe('HTTP')
}

describe('TLS facts and tunnels in the capture index', () => {
  it('are folded live, stored in the closed file, rebuilt from its records, and filtered alike', async () => {
    const path = join(dir, 'tls.tcap')
    const live = await record(path)
    const liveRows = live.connections()
    expectFacts(liveRows)
    // Summaries are copies: a caller changing one changes nothing in the index.
    liveRows[0].tls!.server!.chain![0].subject = 'changed'
    expect(live.connections()[0].tls!.server!.chain![0].subject).toBe('CN=upstream.test')
    await expectFilters(live)
    const before = live.connections()
    await live.close()

    const stored = await FileCapture.open(path)
    try {
      expect(stored.info().indexProblem).toBeUndefined()
      expect(await stored.listConnections()).toEqual(before)
      expect(await stored.connection(2)).toEqual(before[1])
      await expectFilters(stored)
    } finally {
      await stored.close()
    }

    const walkedPath = join(dir, 'walked.tcap')
    await writeFile(walkedPath, withoutStoredIndex(await readFile(path)))
    const walked = await FileCapture.open(walkedPath)
    try {
      expect(await walked.listConnections()).toEqual(before)
      await expectFilters(walked)
    } finally {
      await walked.close()
    }
  })

  it('shares one summary between connections with the same facts, and stores it once', async () => {
    const path = join(dir, 'many.tcap')
    const live = await LiveCapture.create(path, { overwrite: true })
    for (let i = 0; i < 50; i++) {
      const c = live.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:8443' })
      c.event('tls', 'client', { ...clientLeg })
      c.event('tls', 'server', { ...serverLeg })
      c.close('closed')
    }
    const index = (live as unknown as { index: { fields: { tls(row: number): unknown } } }).index
    expect(index.fields.tls(0)).toBe(index.fields.tls(49))
    await live.close()
    const file = await readFile(path)
    // The chain's fingerprint is in the file's records once per connection, and once in the stored index (as a string in its JSON table).
    const count = (text: string): number => file.toString('latin1').split(text).length - 1
    expect(count('"sha256":"AA:BB"')).toBe(50)
    expect(count('\\"sha256\\":\\"AA:BB\\"')).toBe(1)
    const stored = await FileCapture.open(path)
    try {
      const rows = await stored.listConnections()
      expect(rows.every((r) => r.tls?.server?.chain?.[0].sha256 === 'AA:BB')).toBe(true)
    } finally {
      await stored.close()
    }
  })
})
