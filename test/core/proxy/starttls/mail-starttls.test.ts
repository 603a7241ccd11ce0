// SMTP, IMAP and POP3 STARTTLS through a proxy, with small test servers (mail-server.ts) and
// curl as the client: with --tls-listen --tls-upstream the mail arrives intact over TLS on
// both legs and the capture holds the whole dialogue in the clear, the switch marked; without
// --tls-listen (or through a forward proxy's tunnel) the TLS passes through, recorded as TLS
// after STARTTLS with its SNI; a server
// that refuses STARTTLS leaves the session in the clear; a client that pipelines a command
// after STARTTLS, or sends no TLS hello after it, is closed with the reason recorded.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { promisify } from 'node:util'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { TlsEventInfo } from '../../../../src/shared/tls-types'
import { allEvents } from '../../../helpers/capture-checks'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { connectTo, tempDir, waitFor } from '../../../helpers/net'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../../helpers/tls-certs'
import { POP3_MESSAGE, startMailServer, type MailProtocol, type MailServer } from '../../../helpers/mail-server'

const run = promisify(execFile)
const tmp = tempDir()
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
const available = hasProgram('curl') && hasProgram('openssl')
let certs: TestCerts
let t: TestEngine
const cleanups: Array<() => unknown> = []

beforeAll(() => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (available) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

const MAIL = 'From: a@x\r\nTo: b@y\r\nSubject: through tcpscope\r\n\r\nHello over STARTTLS.\r\nA second line.\r\n'

async function setup(protocol: MailProtocol, tls: boolean, refuseTls = false): Promise<{ server: MailServer; port: number }> {
  const server = await startMailServer(protocol, { cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey), refuseTls })
  cleanups.push(server.close)
  t = await testEngine()
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, ...(tls ? { tlsListen: {}, tlsUpstream: { verify: false } } : {}) })
  return { server, port: portOf(proxy.listen) }
}

function curl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('curl', ['-sS', '--max-time', '20', '-k', ...args], { timeout: 25_000 })
}

async function sendMail(url: string, extra: string[]): Promise<void> {
  const file = join(tmp.dir, 'mail.txt')
  writeFileSync(file, MAIL)
  await curl([url, '--mail-from', 'a@x', '--mail-rcpt', 'b@y', '-T', file, ...extra])
}

async function closedConn(): Promise<ConnectionSummary> {
  return waitFor(() => {
    const c = t.engine.capture.connections()[0]
    return c !== undefined && c.end !== 'open' ? c : undefined
  }, 'the connection to close')
}

async function recorded(c: ConnectionSummary, dir: 'client' | 'server'): Promise<string> {
  return Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: c.id, dir, offset: 0, length: c.bytes[dir] })).toString('latin1')
}

const tlsRecords = async (c: ConnectionSummary): Promise<TlsEventInfo[]> => (await allEvents(t.engine.capture, c.id)).filter((e) => e.kind === 'tls').map((e) => e.info as unknown as TlsEventInfo)

/** The mail as the test server keeps it: its lines, without the final dot line. */
const asReceived = (mail: string): string => mail.replace(/\r\n$/, '')

describe('mail STARTTLS through a proxy', () => {
  it('SMTP with --tls-listen --tls-upstream: curl --ssl-reqd delivers the mail intact, and the capture holds the DATA in the clear after the switch', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { server, port } = await setup('smtp', true)
    await sendMail(`smtp://127.0.0.1:${port}`, ['--ssl-reqd'])
    expect(server.mails).toEqual([asReceived(MAIL)])
    expect(server.sessions[0].tls).toBe(true)
    const c = await closedConn()
    const client = await recorded(c, 'client')
    const server220 = await recorded(c, 'server')
    expect(client).toMatch(/^EHLO .*\r\nSTARTTLS\r\nEHLO /)
    expect(client).toContain(`DATA\r\n${MAIL}.\r\n`)
    expect(server220).toMatch(/^220 mail.test ESMTP tcpscope-test\r\n250-mail.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n220 2.0.0 Ready to start TLS\r\n250-mail.test\r\n/)
    const legs = await tlsRecords(c)
    expect(legs.map((l) => [l.side, l.ok, (l as { starttls?: string }).starttls])).toEqual([
      ['server', true, 'smtp'],
      ['client', true, 'smtp']
    ])
    expect(c.tls).toMatchObject({ starttls: 'smtp' })
  }, 30_000)

  it('IMAP STARTTLS with --tls-listen: curl --ssl-reqd lists the mailboxes', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { server, port } = await setup('imap', true)
    const out = await curl([`imap://127.0.0.1:${port}/`, '--ssl-reqd', '-u', 'user:secret'])
    expect(out.stdout).toContain('tcpscope-box')
    expect(server.sessions[0].tls).toBe(true)
    const c = await closedConn()
    expect(await recorded(c, 'client')).toMatch(/STARTTLS\r\n[\s\S]*LIST/)
    expect(c.tls).toMatchObject({ starttls: 'imap' })
  }, 30_000)

  it('POP3 STLS with --tls-listen: curl --ssl-reqd retrieves the message', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { server, port } = await setup('pop3', true)
    const out = await curl([`pop3://127.0.0.1:${port}/1`, '--ssl-reqd', '-u', 'user:secret'])
    expect(out.stdout).toBe(POP3_MESSAGE)
    expect(server.sessions[0].tls).toBe(true)
    const c = await closedConn()
    expect(await recorded(c, 'client')).toMatch(/STLS\r\n[\s\S]*RETR 1\r\n/)
    expect(await recorded(c, 'server')).toContain(POP3_MESSAGE)
    expect(c.tls).toMatchObject({ starttls: 'pop3' })
  }, 30_000)

  it('SMTP without --tls-listen: the TLS passes through untouched, recorded as TLS after STARTTLS with its SNI', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { server, port } = await setup('smtp', false)
    await sendMail(`smtp://mail.test:${port}`, ['--ssl-reqd', '--resolve', `mail.test:${port}:127.0.0.1`])
    expect(server.mails).toEqual([asReceived(MAIL)])
    const c = await closedConn()
    expect(c.tls).toMatchObject({ passthrough: { sni: 'mail.test' }, starttls: 'smtp', sni: 'mail.test' })
    expect(await recorded(c, 'client')).not.toContain('through tcpscope')
  }, 30_000)

  it('--tls-listen without --tls-upstream: the target is still spoken to in TLS after the switch, verified; a target it cannot verify is recorded with the flags that fix it', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const server = await startMailServer('smtp', { cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) })
    cleanups.push(server.close)
    t = await testEngine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, tlsListen: {} })
    await expect(sendMail(`smtp://127.0.0.1:${portOf(proxy.listen)}`, ['--ssl-reqd'])).rejects.toThrow()
    expect(server.mails).toEqual([])
    const c = await closedConn()
    expect(c.tls?.failure).toMatchObject({ side: 'server' })
    expect(c.tls?.failure?.message).toMatch(/pass --tls-upstream --upstream-ca FILE to trust it, or --tls-upstream --insecure to skip verification$/)
  }, 30_000)

  it('a forward proxy intercepts STARTTLS in a CONNECT tunnel as it intercepts TLS from the first byte', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const server = await startMailServer('smtp', { cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) })
    cleanups.push(server.close)
    t = await testEngine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: {}, tlsUpstream: { ca: certs.caPath } })
    await sendMail(`smtp://127.0.0.1:${server.port}`, ['--ssl-reqd', '--proxytunnel', '-x', `http://127.0.0.1:${portOf(proxy.listen)}`])
    expect(server.mails).toEqual([asReceived(MAIL)])
    expect(server.sessions[0].tls).toBe(true)
    const c = await closedConn()
    expect(c).toMatchObject({ via: 'CONNECT', tls: { starttls: 'smtp', client: { starttls: 'smtp' }, server: { starttls: 'smtp' } } })
    expect(await recorded(c, 'client')).toContain(`DATA\r\n${MAIL}.\r\n`)
  }, 30_000)

  it('a forward proxy that does not intercept passes STARTTLS through a CONNECT tunnel untouched, recorded as TLS after STARTTLS', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const server = await startMailServer('smtp', { cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) })
    cleanups.push(server.close)
    t = await testEngine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false } })
    await sendMail(`smtp://127.0.0.1:${server.port}`, ['--ssl-reqd', '--proxytunnel', '-x', `http://127.0.0.1:${portOf(proxy.listen)}`])
    expect(server.mails).toEqual([asReceived(MAIL)])
    expect(server.sessions[0].tls).toBe(true)
    const c = await closedConn()
    expect(c).toMatchObject({ via: 'CONNECT', tls: { passthrough: {}, starttls: 'smtp' } })
    expect(await recorded(c, 'client')).toMatch(/^EHLO .*\r\nSTARTTLS\r\n/)
  }, 30_000)

  it('a server that refuses STARTTLS (454): passed on as is, and the session goes on in the clear', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { server, port } = await setup('smtp', true, true)
    // --ssl: TLS if the server agrees, else in the clear.
    await sendMail(`smtp://127.0.0.1:${port}`, ['--ssl'])
    expect(server.mails).toEqual([asReceived(MAIL)])
    expect(server.sessions[0].tls).toBe(false)
    const c = await closedConn()
    expect(await recorded(c, 'server')).toContain('454 4.7.0 TLS not available\r\n')
    expect(await recorded(c, 'client')).toContain(`DATA\r\n${MAIL}.\r\n`)
    expect(c.tls).toBeUndefined()
    expect(c.end).toBe('closed')
  }, 30_000)

  it('a client that pipelines a command after STARTTLS is closed before it reaches the server, with the reason recorded', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { server, port } = await setup('smtp', true)
    const s = await connectTo(port)
    const got = lines(s)
    await waitFor(() => got().includes('220 mail.test'), 'the greeting')
    s.write('EHLO evil\r\n')
    await waitFor(() => got().includes('250 8BITMIME'), 'the EHLO answer')
    s.write('STARTTLS\r\nMAIL FROM:<evil@x>\r\n')
    await waitFor(() => s.readableEnded || undefined, 'the close')
    s.destroy()
    const c = await closedConn()
    expect(server.sessions[0].lines).toEqual(['EHLO evil'])
    const error = (await allEvents(t.engine.capture, c.id)).find((e) => e.kind === 'error')
    expect(error?.info).toMatchObject({ code: 'ESTARTTLS' })
    expect(String(error?.info?.message)).toMatch(/^the client sent more after STARTTLS, before the server's answer: closed/)
  }, 30_000)

  it('a client that sends garbage where its TLS hello belongs after STARTTLS is closed cleanly, with the reason recorded', async (ctx) => {
    needProgram(ctx, 'curl and openssl', available)
    const { port } = await setup('smtp', true)
    const s = await connectTo(port)
    const got = lines(s)
    await waitFor(() => got().includes('220 mail.test'), 'the greeting')
    s.write('STARTTLS\r\n')
    await waitFor(() => got().includes('Ready to start TLS'), 'the answer')
    s.write('garbage, not TLS\r\n')
    await waitFor(() => s.readableEnded || undefined, 'the close')
    s.destroy()
    const c = await closedConn()
    expect(c.tls?.failure).toMatchObject({ side: 'client', code: 'ENOTTLS' })
  }, 30_000)
})

function lines(s: Socket): () => string {
  let text = ''
  s.on('data', (d: Buffer) => (text += d.toString('latin1')))
  return () => text
}
