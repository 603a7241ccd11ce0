// Sessions with TLS against openssl as the peer: s_client against a TLS server session (the
// leaf it verifies against the exported CA, SNI, ALPN, and the unknown_ca alert of a client
// that does not trust it, recorded in the words), s_server against a TLS client
// session (the verify failure's one line, and mTLS with -Verify 1).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { tempDir, waitFor } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { sClient, sServer, type OpensslPeer } from '../../helpers/openssl'
import { captured, closedSummary, summaryOf } from '../../helpers/sessions'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

let t: TestEngine
let certs: TestCerts
const tmp = tempDir()
const peers: OpensslPeer[] = []
const haveOpenssl = hasProgram('openssl')
const savedDataDir = process.env.TCPSCOPE_DATA_DIR

beforeAll(() => {
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
let dataDir: { dir: string; cleanup: () => void }
beforeEach(async () => {
  dataDir = tempDir()
  process.env.TCPSCOPE_DATA_DIR = join(dataDir.dir, 'data')
  t = await testEngine()
})
afterEach(async () => {
  for (const p of peers.splice(0)) await p.stop()
  await t.dispose()
  dataDir.cleanup()
})

const serverConn = () => waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server'), 'the accepted client')

async function exportedCa(): Promise<string> {
  const path = join(dataDir.dir, 'ca.pem')
  writeFileSync(path, (await t.engine['ca.info']()).pem)
  return path
}

describe('openssl s_client against a TLS server session', () => {
  it('verifies the leaf for its SNI against the exported CA, settles ALPN, and gets its echo', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true }, tls: { alpn: ['x-echo'] } })
    const client = sClient('127.0.0.1', portOf(s.listen), ['-servername', 'echo.example.test', '-verify_hostname', 'echo.example.test', '-CAfile', await exportedCa(), '-verify_return_error', '-alpn', 'x-echo'])
    peers.push(client)
    await client.waitFor(/Verify return code: 0 \(ok\)/)
    expect(client.output()).toMatch(/ALPN protocol: x-echo/)
    client.child.stdin!.write('hello over tls\n')
    const conn = await serverConn()
    await waitFor(() => summaryOf(t.engine, conn.id).bytes.server >= 15, 'the echo recorded')
    await client.waitFor(/\nhello over tls\n/)
    expect((await captured(t.engine, conn.id, 'client')).toString()).toBe('hello over tls\n')
    expect(summaryOf(t.engine, conn.id).tls?.client).toMatchObject({ side: 'client', sni: 'echo.example.test', alpn: 'x-echo' })
  })

  it('records a client that rejects the leaf with its alert, in the issue\'s words', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', tls: {} })
    const client = sClient('127.0.0.1', portOf(s.listen), ['-servername', 'x.test', '-verify_return_error', '-CAfile', certs.caPath])
    peers.push(client)
    const conn = await serverConn()
    const closed = await closedSummary(t.engine, conn.id)
    expect(closed.tls?.failure).toEqual({
      side: 'client',
      code: expect.stringMatching(/UNKNOWN_CA/),
      alert: 'unknown_ca',
      message: "the client rejected tcpscope's certificate (alert unknown_ca): trust tcpscope's CA (`tcpscope ca --export`, then install it)"
    })
  })
})

describe('a TLS client session against openssl s_server', () => {
  it('refuses a self-signed server in one line naming --ca and --insecure', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const server = await sServer(['-cert', certs.selfCert, '-key', certs.selfKey])
    peers.push(server)
    expect(await oneLineRejection(t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, tls: {} }))).toBe(
      `cannot verify 127.0.0.1:${server.port}'s certificate (self-signed, CN upstream.test): pass --ca FILE to trust it, or --insecure to skip verification`
    )
  })

  it('does mTLS with -Verify 1: connects with --client-cert, and without it says which flags are missing', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const server = await sServer(['-cert', certs.leafCert, '-key', certs.leafKey, '-CAfile', certs.caPath, '-Verify', '1', '-verify_return_error'])
    peers.push(server)
    const info = await t.engine['client.connect']({ target: `localhost:${server.port}`, tls: { ca: certs.caPath, cert: certs.clientCert, key: certs.clientKey } })
    await t.engine['conn.send']({ connId: info.connId!, payload: { kind: 'text', data: 'from the client\n' } })
    await server.waitFor(/CN ?= ?tcpscope-client[\s\S]*from the client/)
    expect(summaryOf(t.engine, info.connId!).tls?.server).toMatchObject({ side: 'server', sni: 'localhost' })
    await t.engine['client.close']({ clientId: info.id })

    const without = await t.engine['client.connect']({ target: `localhost:${server.port}`, tls: { ca: certs.caPath } }).then(
      async (c) => {
        // TLS 1.3: the server refuses the missing certificate after the handshake; the refusal is recorded as the leg's failure.
        await closedSummary(t.engine, c.connId!)
        return summaryOf(t.engine, c.connId!).tls?.failure?.message ?? ''
      },
      (err: Error) => err.message
    )
    expect(without).toMatch(new RegExp(`^localhost:${server.port} asked for a client certificate and none is configured \\(alert \\w+\\): pass --client-cert FILE --client-key FILE$`))
  })
})
