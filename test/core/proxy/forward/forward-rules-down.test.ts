// Traffic rules answer for destinations the forward proxy cannot reach (target-down.ts): curl
// through the proxy (absolute-form, CONNECT with TLS interception, SOCKS5) to a name under
// `.test`, which never resolves, gets what the rules say; what no rule answers gets the 502
// naming the destination and why; without rules the proxy refuses as it always did. HTTP/2
// through it (TLS with ALPN h2) is h2-rules-down.test.ts's.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { httpConnect } from '../../../helpers/forward-client'
import { eventsOf } from '../../../helpers/sessions'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')
/** A name that never resolves (RFC 2606): the dial fails at once, in DNS. */
const NOWHERE = 'api.example.test'
const UNKNOWN = 'the name does not resolve; check the spelling or use an IP address'

let t: TestEngine
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

/** A forward proxy with these traffic rules (none: no rules at all). */
async function forwardProxy(rules: RuleSpec[], forward: Record<string, unknown> = {}): Promise<number> {
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward })
  if (rules.length > 0) await t.engine['rules.set']({ proxyId: p.id, rules })
  return portOf(p.listen)
}

/** The local build: answers every request with what it was asked. */
async function localBuild(): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    let head = ''
    s.on('data', (c: Buffer) => {
      head += c.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      const line = head.slice(0, head.indexOf('\r\n'))
      seen.push(head)
      head = ''
      const body = `local build: ${line}`
      s.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
    })
  })
  cleanups.push(server.close)
  return { port: server.port, seen }
}

const curl = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run('curl', ['-sS', '--max-time', '10', ...args])

const closedTo = (target: string): Promise<ConnectionSummary> =>
  waitFor(() => t.engine.capture.connections().find((c) => c.target === target && c.end !== 'open'), `the tunnel to ${target} to close`)

async function eventKinds(c: ConnectionSummary): Promise<string[]> {
  return (await eventsOf(t.engine, c.id)).map((e) => e.kind)
}

describe('forward proxy: rules answer for a destination it cannot reach', () => {
  it('absolute-form: "to my build" forwards api.example.test to a local server; the capture holds the connect failure and the rule', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const build = await localBuild()
    const port = await forwardProxy([{ name: 'to my build', match: { http: { host: NOWHERE } }, steps: [{ forward: { to: `http://127.0.0.1:${build.port}` } }] }])
    const out = await curl('-x', `http://127.0.0.1:${port}`, `http://${NOWHERE}/x`)
    expect(out.stdout).toBe('local build: GET /x HTTP/1.1')
    // The origin-form request, as the absolute-form stage made it for the destination.
    expect(build.seen[0]).toMatch(new RegExp(`^GET /x HTTP/1.1\r\nHost: ${NOWHERE}\r\n`))
    const c = await closedTo(`${NOWHERE}:80`)
    expect(c.via).toBe('HTTP')
    const events = await eventsOf(t.engine, c.id)
    const failed = events.find((e) => e.kind === 'connect-failed')
    expect(failed?.info).toMatchObject({ code: 'ENOTFOUND', message: `unknown host in ${NOWHERE}:80: ${UNKNOWN}` })
    const rule = events.find((e) => e.kind === 'rule')
    expect(rule?.info).toMatchObject({ rule: 'r1', label: 'to my build', action: 'forward' })
    expect(c.end).toBe('closed')
  })

  it('absolute-form: what no rule answers gets a 502 naming the destination and why, on the same connection', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const port = await forwardProxy([{ match: { http: { path: '/api/user' } }, steps: [{ respond: { json: { name: 'mock' } } }] }])
    const base = `http://${NOWHERE}`
    const out = await curl('-x', `http://127.0.0.1:${port}`, '-w', ' %{http_code}\n', `${base}/api/user`, `${base}/other`, `${base}/api/user`)
    expect(out.stdout.split('\n')).toEqual([
      '{"name":"mock"} 200',
      `tcpscope could not forward the request: unknown host in ${NOWHERE}:80: ${UNKNOWN}`,
      ' 502',
      '{"name":"mock"} 200',
      ''
    ])
    // One tunnel served all three.
    await closedTo(`${NOWHERE}:80`)
    expect(t.engine.capture.connections().filter((c) => c.target === `${NOWHERE}:80`)).toHaveLength(1)
  })

  it('CONNECT with TLS interception, a client offering HTTP/1.1 only: the mocked body over TLS, and the 502 for the rest', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const caFile = join(t.dir, 'ca.pem')
    writeFileSync(caFile, (await t.engine['ca.info'](undefined)).pem)
    const port = await forwardProxy([{ match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mocked over TLS' } }] }])
    const base = `https://${NOWHERE}`
    // A client offering h2 gets it (h2-rules-down.test.ts).
    const out = await curl('-x', `http://127.0.0.1:${port}`, '--cacert', caFile, '--http1.1', '-w', ' %{http_code} %{http_version}\n', `${base}/x`, `${base}/nothing`)
    expect(out.stdout.split('\n')).toEqual([
      'mocked over TLS 200 1.1',
      `tcpscope could not forward the request: unknown host in ${NOWHERE}:443: ${UNKNOWN}`,
      ' 502 1.1',
      ''
    ])
    const c = await closedTo(`${NOWHERE}:443`)
    expect(c.via).toBe('CONNECT')
    expect(c.tls?.client?.sni).toBe(NOWHERE)
    expect(c.tls?.client?.alpn).toBe('http/1.1')
    expect(c.tls?.server).toBeUndefined()
    expect(await eventKinds(c)).toEqual(expect.arrayContaining(['connect-failed', 'rule']))
  })

  it('SOCKS5: a respond rule answers for a name that does not resolve', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const port = await forwardProxy([{ match: { http: { host: NOWHERE, path: '/x' } }, steps: [{ respond: { body: 'mocked over SOCKS5' } }] }])
    const out = await curl('--socks5-hostname', `127.0.0.1:${port}`, `http://${NOWHERE}/x`)
    expect(out.stdout).toBe('mocked over SOCKS5')
    const c = await closedTo(`${NOWHERE}:80`)
    expect(c.via).toBe('SOCKS5')
    expect(await eventKinds(c)).toEqual(expect.arrayContaining(['connect-failed', 'rule']))
  })

  it('a tunnel the client closes before sending a byte: opened (200), then recorded and closed', async () => {
    t = await testEngine()
    const port = await forwardProxy([{ match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mock' } }] }])
    const { socket, status, head } = await httpConnect(port, `${NOWHERE}:8080`)
    expect(status).toBe(200)
    expect(head).toBe('HTTP/1.1 200 Connection established\r\n\r\n')
    socket.end()
    const c = await closedTo(`${NOWHERE}:8080`)
    expect(c.end).toBe('closed')
    expect(await eventKinds(c)).toContain('connect-failed')
  })

  it('a closed port with rules: refused by the destination, answered by the rules', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const closed = await startServer(() => {})
    await closed.close()
    const port = await forwardProxy([{ match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mock' } }] }])
    const out = await curl('-x', `http://127.0.0.1:${port}`, '-w', ' %{http_code}\n', `http://127.0.0.1:${closed.port}/x`, `http://127.0.0.1:${closed.port}/y`)
    expect(out.stdout.split('\n')).toEqual([
      'mock 200',
      `tcpscope could not forward the request: connection refused by 127.0.0.1:${closed.port}: nothing is listening there; is the server running?`,
      ' 502',
      ''
    ])
  })
})

describe('forward proxy: a destination it cannot reach, nothing to answer for it', () => {
  it('without rules: 502 with the reason (HTTP proxy), and the SOCKS5 code (host unreachable)', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const port = await forwardProxy([])
    const out = await curl('-x', `http://127.0.0.1:${port}`, '-w', ' %{http_code}', `http://${NOWHERE}/x`)
    expect(out.stdout).toBe(`tcpscope: unknown host in ${NOWHERE}:80: ${UNKNOWN}\n 502`)
    const c = await closedTo(`${NOWHERE}:80`)
    expect(c.end).toBe('connect-failed')
    // curl's exit 97: the SOCKS5 connection could not be made; reply 4 is "host unreachable".
    await expect(curl('--socks5-hostname', `127.0.0.1:${port}`, `http://${NOWHERE}/x`)).rejects.toMatchObject({ code: 97, stderr: expect.stringContaining('(4)') })
  })

  it('rules that cannot answer HTTP (a raw message rule): the client is refused as before', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const port = await forwardProxy([{ match: { message: { regex: 'PING' } }, steps: [{ close: true }] }])
    const out = await curl('-x', `http://127.0.0.1:${port}`, '-w', ' %{http_code}', `http://${NOWHERE}/x`)
    expect(out.stdout).toBe(`tcpscope: unknown host in ${NOWHERE}:80: ${UNKNOWN}\n 502`)
    expect((await closedTo(`${NOWHERE}:80`)).end).toBe('connect-failed')
  })

  it('TLS that passes through (interception off): nothing can answer it, so the client is closed after its hello', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const port = await forwardProxy([{ match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mock' } }] }], { intercept: false })
    // curl's exit 35: the TLS connection failed (the proxy closed it after the hello).
    await expect(curl('-x', `http://127.0.0.1:${port}`, '-k', `https://${NOWHERE}/x`)).rejects.toMatchObject({ code: 35 })
    const c = await closedTo(`${NOWHERE}:443`)
    expect(c.end).toBe('connect-failed')
    expect(c.tls?.passthrough?.sni).toBe(NOWHERE)
    expect(c.tls?.client).toBeUndefined()
    expect(await eventKinds(c)).toContain('connect-failed')
  })
})
