// "Copy as curl" of HTTP/2 requests, from hand-made exchanges in the decoder's shape, run
// with bash against a real node:http2 server: h2c with --http2-prior-knowledge, TLS with
// --http2; the server must get the same method, :path, :authority and regular headers, and
// the body, with no pseudo-header sent as a header.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { curlCommand } from '../../../src/core/export/curl'
import { h2Capture } from '../../helpers/h2-exchange'
import { pairs, startH2Server, type H2TestServer } from '../../helpers/h2-server'
import { needPeer } from '../../helpers/peers'
import { makeTestCerts } from '../../helpers/tls-certs'
import { run } from './export-traffic'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(tls?: { cert: string; key: string }): Promise<H2TestServer> {
  const s = await startH2Server(tls)
  cleanups.push(s.close)
  return s
}

const remote = (port: number) => ({ upstream: { remote: { address: '127.0.0.1', port, family: 'IPv4' as const } } })

describe('curl export of HTTP/2 requests', () => {
  it('writes --http2-prior-knowledge for h2c, the URL from the pseudo-headers and only the regular headers', async (ctx) => {
    if (!needPeer('curl', 'bash')) return ctx.skip()
    const s = await server()
    const body = Buffer.from([0, 1, 2, 0x27, 0x25, 0x5c, 255, 10])
    const capture = h2Capture(
      [
        {
          request: {
            headers: [[':method', 'PUT'], [':scheme', 'http'], [':authority', 'api.test'], [':path', '/v1/items/7?x=1'], ['content-type', 'application/octet-stream'], ['x-trace', "it's"], ['accept', '*/*']],
            data: [body.subarray(0, 3), body.subarray(3)]
          }
        }
      ],
      remote(s.port)
    )
    const command = await curlCommand(capture.view, capture.decoding, 1, 0)
    expect(command).toContain('--http2-prior-knowledge')
    expect(command).not.toMatch(/-H '?:/)
    expect(command).toContain(`--connect-to 'api.test::127.0.0.1:${s.port}'`)
    expect(command).toContain("'http://api.test/v1/items/7?x=1'")
    await run('bash', ['-c', command], { timeout: 20_000 })
    expect(s.received).toHaveLength(1)
    const got = pairs(s.received[0].raw)
    expect(got.slice(0, 4)).toEqual(expect.arrayContaining([[':method', 'PUT'], [':scheme', 'http'], [':authority', 'api.test'], [':path', '/v1/items/7?x=1']]))
    const regular = got.filter(([n]) => !n.startsWith(':'))
    // curl adds content-length for the body it sends; the request's own headers come as they were, and no user-agent of curl's.
    expect(regular.filter(([n]) => n !== 'content-length')).toEqual([['content-type', 'application/octet-stream'], ['x-trace', "it's"], ['accept', '*/*']])
    expect(s.received[0].body).toEqual(body)
  })

  it('writes --http2 over TLS, to the name the client used, and HEAD as --head', async (ctx) => {
    if (!needPeer('curl', 'bash', 'openssl')) return ctx.skip()
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-curl-h2-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const certs = makeTestCerts(dir)
    const s = await server({ cert: certs.read(certs.selfCert).toString(), key: certs.read(certs.selfKey).toString() })
    const capture = h2Capture(
      [{ request: { headers: [[':method', 'HEAD'], [':scheme', 'https'], [':authority', `upstream.test:${s.port}`], [':path', '/head'], ['user-agent', 'Chrome']] } }],
      { ...remote(s.port), tls: { server: { side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'h2', unverified: 'self-signed certificate' } } }
    )
    const command = await curlCommand(capture.view, capture.decoding, 1, 0)
    expect(command).toContain('--http2 ')
    expect(command).toContain('--head')
    expect(command).toContain('--insecure')
    await run('bash', ['-c', command], { timeout: 20_000 })
    const got = pairs(s.received[0].raw)
    expect(got).toEqual(expect.arrayContaining([[':method', 'HEAD'], [':scheme', 'https'], [':authority', `upstream.test:${s.port}`], [':path', '/head'], ['user-agent', 'Chrome']]))
    expect(got.filter(([n]) => n === 'accept')).toEqual([])
  })
})
